"""`nixflex callers ...` through Click's runner against the emulator over loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nixflex.testing._docs_world import AGENT_ID, PHONE_NUMBER
from tests.cli.support import Cli, read_csv, write_csv

CALLER = "+447700900123"
HEADER = ["caller_number", "name", "reference_id", "email"]


def attached(cli: Cli) -> None:
    cli.fake.import_phone_number(phone_number=PHONE_NUMBER, agent_id=AGENT_ID)


def test_set_writes_only_the_fields_given_and_show_reads_them_back(cli: Cli) -> None:
    attached(cli)
    cli.fake.set_caller(PHONE_NUMBER, CALLER, email="old@example.com", last_call="Booked")

    result = cli.run(
        "callers", "set", PHONE_NUMBER, CALLER,
        "--set", "name=Ada Lovelace", "--set", "reference_id=crm_1042", "--clear", "email",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert [r.context for r in cli.fake.callers(PHONE_NUMBER)] == [
        {"name": "Ada Lovelace", "reference_id": "crm_1042", "last_call": "Booked"}
    ]
    table = cli.run("callers", "show", PHONE_NUMBER, CALLER).stdout
    assert re.search(r"^name +Ada Lovelace$", table, re.MULTILINE)
    assert re.search(r"^last_call +Booked$", table, re.MULTILINE)
    assert "email" not in table  # an unset field is left out of the table
    shown = json.loads(cli.run("callers", "show", PHONE_NUMBER, CALLER, "-o", "json").stdout)
    assert shown["context"]["reference_id"] == "crm_1042"
    assert shown["context"]["email"] is None


def test_set_refuses_an_engine_field_or_nothing_to_change_with_exit_2(cli: Cli) -> None:
    attached(cli)

    engine = cli.run("callers", "set", PHONE_NUMBER, CALLER, "--set", "last_call=x")
    nothing = cli.run("callers", "set", PHONE_NUMBER, CALLER)

    assert engine.exit_code == 2
    assert "--set: last_call is written by Nixflex's engine only" in engine.stderr
    unknown = cli.run("callers", "set", PHONE_NUMBER, CALLER, "--clear", "nickname")
    assert unknown.exit_code == 2
    assert "unknown field 'nickname'; the fields are email, location, name" in unknown.stderr
    assert nothing.exit_code == 2
    assert cli.fake.requests == []


def test_show_of_an_unknown_caller_is_one_line_and_exit_1(cli: Cli) -> None:
    attached(cli)

    result = cli.run("callers", "show", PHONE_NUMBER, CALLER)

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: CallerNotFoundError: [404 caller_not_found] ")


def test_delete_asks_first_and_forgets_the_caller(cli: Cli) -> None:
    attached(cli)
    cli.fake.set_caller(PHONE_NUMBER, CALLER, name="Ada")

    kept = cli.run("callers", "delete", PHONE_NUMBER, CALLER, input="n\n")
    assert len(cli.fake.callers(PHONE_NUMBER)) == 1
    gone = cli.run("callers", "delete", PHONE_NUMBER, CALLER, "--yes")

    assert kept.exit_code == 1
    assert gone.exit_code == 0, gone.output
    assert gone.stdout == f"Forgot {CALLER} on {PHONE_NUMBER}.\n"
    assert cli.fake.callers(PHONE_NUMBER) == []


def test_import_sends_2500_rows_in_batches_of_1000_and_reports_a_failed_batch(
    cli: Cli, tmp_path: Path
) -> None:
    attached(cli)
    rows = [
        {
            "caller_number": f"+4477009{n:05d}",
            "name": f"Patient {n}",
            "reference_id": "",
            "email": "",
        }
        for n in range(2500)
    ]
    rows[1500]["caller_number"] = "07700 901500"  # fails the second batch, whole
    source = write_csv(tmp_path / "callers.csv", rows, HEADER)
    failed = tmp_path / "failed.csv"

    result = cli.run(
        "callers", "import", PHONE_NUMBER, "--csv", str(source), "--failed", str(failed)
    )

    assert result.exit_code == 1
    assert result.stdout == f"1500 imported, 1000 not imported; those rows are in {failed}\n"
    assert result.stderr.startswith(
        "lines 1002-2001: InvalidPhoneFormatError: [400 invalid_phone_format] "
    )
    imports = [r for r in cli.fake.requests if r.path.endswith("/callers/import")]
    assert [len(r.json["callers"]) for r in imports] == [1000, 1000, 500]
    assert imports[0].json["callers"][0] == {"caller_number": "+447700900000", "name": "Patient 0"}
    assert len(cli.fake.callers(PHONE_NUMBER)) == 1500
    assert read_csv(failed) == rows[1000:2000]


def test_import_dry_run_checks_the_columns_and_sends_nothing(cli: Cli, tmp_path: Path) -> None:
    good = write_csv(
        tmp_path / "good.csv", [{"caller_number": CALLER, "name": "Ada"}], ["caller_number", "name"]
    )
    bad = write_csv(
        tmp_path / "bad.csv",
        [{"caller_number": CALLER, "last_call": "x"}],
        ["caller_number", "last_call"],
    )

    checked = cli.run("callers", "import", PHONE_NUMBER, "--csv", str(good), "--dry-run")
    refused = cli.run("callers", "import", PHONE_NUMBER, "--csv", str(bad))

    assert checked.exit_code == 0
    assert checked.stdout.endswith("1 rows checked; nothing was sent.\n")
    assert refused.exit_code == 2
    assert "unknown columns ['last_call']" in refused.stderr
    assert cli.fake.requests == []


def test_import_refuses_a_row_without_a_caller_number_naming_its_line(
    cli: Cli, tmp_path: Path
) -> None:
    rows = [{"caller_number": CALLER, "name": "Ada"}, {"caller_number": " ", "name": "Nobody"}]
    source = write_csv(tmp_path / "callers.csv", rows, ["caller_number", "name"])

    for extra in ([], ["--dry-run"]):
        result = cli.run("callers", "import", PHONE_NUMBER, "--csv", str(source), *extra)

        assert result.exit_code == 2
        assert f"{source}: line 3 has no caller_number" in result.stderr
    assert cli.fake.requests == []
