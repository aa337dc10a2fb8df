"""The rollout guide's set-up in the docs' world, and `python -m nixflex.testing --rollout`.

`write_rollout_files` and `arm_rollout_faults` are what both the docs' tests and a reader's
`python -m nixflex.testing --rollout` use, so the guide's outputs are the same for both.
"""

from __future__ import annotations

import csv
import re
import sqlite3
from pathlib import Path

import httpx
import pytest

import nixflex
import nixflex.testing
from nixflex.testing import FakeNixflex
from nixflex.testing._docs_world import (
    AGENT_ID,
    CLINIC_COUNT,
    TWILIO_SID,
    TWILIO_TOKEN,
    arm_rollout_faults,
    clinic,
    write_rollout_files,
)
from nixflex.testing._docs_world import seed as seed_world
from tests.emulator.helpers import bearer, serving


def test_the_rollout_files_hold_the_200_clinics_and_replace_what_is_there(
    tmp_path: Path,
) -> None:
    (tmp_path / "clinics.csv").write_text("phone_number\n+440000000000\n")
    stale = sqlite3.connect(tmp_path / "reseller.db")
    stale.execute("CREATE TABLE clinics (phone_number TEXT)")
    stale.commit()
    stale.close()

    written = write_rollout_files(tmp_path)

    assert written == [tmp_path / "clinics.csv", tmp_path / "reseller.db"]
    with (tmp_path / "clinics.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == CLINIC_COUNT
    assert rows[0] == {
        "phone_number": "+442011110001",
        "name": "Smile Dental Croydon",
        "address": "12 High St, Croydon",
    }
    database = sqlite3.connect(tmp_path / "reseller.db")
    try:
        in_db = database.execute("SELECT * FROM clinics ORDER BY phone_number").fetchall()
    finally:
        database.close()
    assert in_db == [tuple(clinic(n).values()) for n in range(1, CLINIC_COUNT + 1)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clinics.csv", "reseller.db"]


def _imports(numbers: list[int]) -> list[nixflex.ImportRequest]:
    return [
        nixflex.ImportRequest(
            phone_number=clinic(n)["phone_number"],
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id=AGENT_ID,
        )
        for n in numbers
    ]


@pytest.mark.parametrize("order", ["forwards", "backwards"])
def test_the_rollout_faults_meet_clinics_1_3_and_5_however_the_imports_arrive(
    order: str,
) -> None:
    fake = FakeNixflex(seed=1, rate_limits=None)
    seed_world(fake)
    arm_rollout_faults(fake)
    clinics = list(range(1, 41))
    if order == "backwards":
        clinics.reverse()

    with (
        fake.serve() as server,
        nixflex.Client(base_url=server.url, api_key="KEY_ID:KEY_SECRET") as client,
    ):
        first = client.phone_numbers.import_many(_imports(clinics), concurrency=16)
        failed = {item.input.phone_number: type(item.error) for item in first.failed}
        assert failed == {
            clinic(1)["phone_number"]: nixflex.APIConnectionError,
            clinic(3)["phone_number"]: nixflex.InternalServerError,
            clinic(5)["phone_number"]: nixflex.InternalServerError,
        }
        assert fake.pending_faults == 0
        # The lost answer's import landed; the 503s changed nothing, and now go through.
        again = client.phone_numbers.import_many(_imports([1, 3, 5]))
        assert [type(item.error) for item in again.failed] == [nixflex.NumberAlreadyImportedError]
        assert len(fake.phone_numbers()) == len(clinics)


def test_a_fault_aimed_at_a_body_lets_other_bodies_and_non_json_pass() -> None:
    fake = FakeNixflex(seed=1, rate_limits=None)
    seed_world(fake)
    arm_rollout_faults(fake)
    with httpx.Client(
        transport=fake.transport(),
        base_url="https://api.nixflex.com",
        headers=bearer("KEY_ID:KEY_SECRET"),
    ) as http:
        assert http.post("/v1/phone-numbers", content=b"not json").status_code == 400
        assert http.post("/v1/phone-numbers", json=["+442011110003"]).status_code == 400
        body = {"twilio_sid": TWILIO_SID, "twilio_token": TWILIO_TOKEN, "agent_id": AGENT_ID}
        ok = http.post("/v1/phone-numbers", json={**body, "phone_number": "+442011110002"})
        assert ok.status_code == 201
        assert fake.pending_faults == 3
        unavailable = http.post("/v1/phone-numbers", json={**body, "phone_number": "+442011110003"})
        assert unavailable.status_code == 503
        assert unavailable.json()["error"]["message"] == "Service Unavailable"
        assert fake.pending_faults == 2


# -- python -m nixflex.testing --------------------------------------------------------------------


def _env_lines(output: str) -> dict[str, str]:
    found = dict(re.findall(r"^(NIXFLEX_[A-Z_]+)=(\S+)$", output, flags=re.MULTILINE))
    assert sorted(found) == ["NIXFLEX_API_KEY", "NIXFLEX_BASE_URL"], output
    return found


def test_rollout_writes_the_guides_files_and_arms_its_faults(tmp_path: Path) -> None:
    with serving(tmp_path, "--rollout") as output:
        env = _env_lines(output)
        assert "clinics.csv and reseller.db written in" in output
        assert sorted(path.name for path in tmp_path.iterdir()) == ["clinics.csv", "reseller.db"]
        with nixflex.Client(
            base_url=env["NIXFLEX_BASE_URL"], api_key=env["NIXFLEX_API_KEY"]
        ) as client:
            result = client.phone_numbers.import_many(_imports([5, 4, 3, 2, 1]), concurrency=5)
    assert [(item.index, type(item.error)) for item in result.failed] == [
        (0, nixflex.InternalServerError),
        (2, nixflex.InternalServerError),
        (4, nixflex.APIConnectionError),
    ]


def test_without_rollout_nothing_is_written_and_nothing_fails(tmp_path: Path) -> None:
    with serving(tmp_path) as output:
        env = _env_lines(output)
        assert "rollout" not in output
        with nixflex.Client(
            base_url=env["NIXFLEX_BASE_URL"], api_key=env["NIXFLEX_API_KEY"]
        ) as client:
            result = client.phone_numbers.import_many(_imports([1, 3, 5]))
    assert result.failed == []
    assert list(tmp_path.iterdir()) == []
