"""The installed `nixflex` script and `python -m nixflex`, run as an operator runs them.

A few real processes (each costs a Python start-up); everything else goes through Click's
runner in the other test files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from nixflex.testing._docs_world import API_KEY, TWILIO_TOKEN
from tests.cli.support import IMPORT_HEADER, import_rows, read_csv, served_world, write_csv

SCRIPT = Path(sys.executable).with_name("nixflex")


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.exists(), f"no {SCRIPT}: reinstall with pip install -e '.[dev]'"
    return subprocess.run(
        [str(SCRIPT), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIXFLEX_")}
    return {**env, **values}


def test_the_script_imports_50_clinics_with_two_bad_rows(tmp_path: Path) -> None:
    rows = import_rows(50)
    write_csv(tmp_path / "clinics.csv", rows, IMPORT_HEADER)
    with served_world(tmp_path) as cli:
        env = clean_env(NIXFLEX_BASE_URL=cli.base_url, NIXFLEX_API_KEY=API_KEY)
        result = run(
            "phone-numbers", "import", "--csv", "clinics.csv", "--failed", "failed.csv",
            env=env, cwd=tmp_path,
        )  # fmt: skip
        assert len(cli.fake.phone_numbers()) == 48
    assert result.returncode == 1, result.stderr
    assert result.stdout == "48 imported, 2 failed; the failed rows are in failed.csv\n"
    assert len(result.stderr.splitlines()) == 2
    assert "Traceback" not in result.stderr
    assert TWILIO_TOKEN not in result.stdout + result.stderr
    assert [row["phone_number"] for row in read_csv(tmp_path / "failed.csv")] == [
        "020 1111 0020",
        "+442011110200",
    ]


def test_python_m_nixflex_without_a_key_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nixflex", "numbers", "list"],
        env=clean_env(),
        cwd=tmp_path,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "NIXFLEX_API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_emulator_command_serves_what_it_prints(tmp_path: Path) -> None:
    assert SCRIPT.exists()
    server = subprocess.Popen(
        [str(SCRIPT), "emulator", "--port", "0", "--seed", "1"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        printed = [server.stdout.readline().strip() for _ in range(3)]
        env = dict(line.split("=", 1) for line in printed[1:])
        assert set(env) == {"NIXFLEX_BASE_URL", "NIXFLEX_API_KEY"}
        listed = run("numbers", "list", "-o", "json", env=clean_env(**env), cwd=tmp_path)
        assert listed.returncode == 0, listed.stderr
        assert len(json.loads(listed.stdout)) == 5  # the docs' world
    finally:
        server.send_signal(signal.SIGTERM)
        status = server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()
    assert status == 0


def test_import_nixflex_does_not_load_the_cli() -> None:
    # Click and Rich themselves may be loaded: httpx imports its own CLI (`httpx._main`) when
    # click, rich and pygments are all installed (encode/httpx#3547 would stop that).
    code = "import sys, nixflex\nprint([m for m in sys.modules if m.startswith('nixflex.cli')])\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"
