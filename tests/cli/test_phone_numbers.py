"""`nixflex phone-numbers ...` through Click's runner against the emulator over loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import click
import pytest

import nixflex
from nixflex.cli._base import keyword_arguments
from nixflex.testing._docs_world import AGENT_ID, OTHER_AGENT_ID, PHONE_NUMBER, TWILIO_TOKEN
from tests.cli.support import (
    BAD_FORMAT_ROW,
    IMPORT_HEADER,
    NOT_IN_TWILIO_ROW,
    Cli,
    import_rows,
    read_csv,
    write_csv,
)

ERROR_LINE = re.compile(r"^Error: \w+Error: \[\d{3} \w+\] .+ \(request_id=req_\w+\)$")


def attach(cli: Cli, *numbers: str, agent_id: str = AGENT_ID) -> None:
    for number in numbers:
        cli.fake.import_phone_number(phone_number=number, agent_id=agent_id)


# --- import ----------------------------------------------------------------------------------


def test_import_50_clinics_with_two_bad_rows(cli: Cli, tmp_path: Path) -> None:
    rows = import_rows(50)
    source = write_csv(tmp_path / "clinics.csv", rows, IMPORT_HEADER)
    failed = tmp_path / "failed.csv"

    result = cli.run(
        "phone-numbers", "import", "--csv", str(source), "--failed", str(failed),
        "--concurrency", "4",
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert result.stdout == f"48 imported, 2 failed; the failed rows are in {failed}\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"line {BAD_FORMAT_ROW + 1} (020 1111 0020): InvalidPhoneFormatError: "
        "[400 invalid_phone_format] "
    )
    assert lines[1].startswith(
        f"line {NOT_IN_TWILIO_ROW + 1} (+442011110200): NumberNotInTwilioError: "
        "[404 number_not_in_twilio] "
    )
    assert all("(request_id=req_" in line for line in lines)
    assert TWILIO_TOKEN not in result.output
    assert read_csv(failed) == [rows[BAD_FORMAT_ROW - 1], rows[NOT_IN_TWILIO_ROW - 1]]
    assert failed.stat().st_mode & 0o077 == 0  # it holds tokens: its owner's only
    imported = cli.fake.phone_numbers()
    assert len(imported) == 48
    assert {n.custom_prompt for n in imported if n.phone_number == "+442011110002"} == {None}


def test_import_a_clean_file_exits_0_and_empties_the_failed_file(cli: Cli, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "ok.csv", import_rows(3), IMPORT_HEADER)
    failed = tmp_path / "failed.csv"
    failed.write_text("left over from another run\n")
    result = cli.run("phone-numbers", "import", "--csv", str(source), "--failed", str(failed))
    assert result.exit_code == 0, result.output
    assert result.output == "3 imported, 0 failed\n"
    assert failed.read_text().splitlines() == [",".join(IMPORT_HEADER)]


def test_without_failed_file_the_summary_says_how_to_keep_them(cli: Cli, tmp_path: Path) -> None:
    rows = import_rows(NOT_IN_TWILIO_ROW)[-1:]
    result = cli.run(
        "phone-numbers", "import", "--csv", str(write_csv(tmp_path / "a.csv", rows, IMPORT_HEADER))
    )
    assert result.exit_code == 1
    assert (
        result.stdout
        == "0 imported, 1 failed; --failed FILE keeps the failed rows for a second run\n"
    )


def test_a_dry_run_checks_the_file_sends_nothing_and_needs_no_key(cli: Cli, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "clinics.csv", import_rows(5), IMPORT_HEADER)
    result = cli.run(
        "phone-numbers", "import", "--csv", str(source), "--dry-run",
        env={"NIXFLEX_API_KEY": None},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split() == [
        "phone_number", "twilio_sid", "agent_id", "custom_prompt"
    ]  # fmt: skip
    assert "+442011110005" in result.output
    assert result.output.endswith("5 rows checked; nothing was sent.\n")
    assert TWILIO_TOKEN not in result.output
    assert cli.fake.requests == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file is empty"),
        ("phone_number,twilio_sid,agent_id\n", "missing columns ['twilio_token']"),
        (",".join([*IMPORT_HEADER, "custom_promt"]) + "\n", "unknown columns ['custom_promt']"),
        (",".join(IMPORT_HEADER) + "\n+4420,AC1,tok,agent,,extra\n", "line 2 has more cells"),
    ],
)
def test_a_malformed_file_is_a_usage_error_before_anything_is_sent(
    cli: Cli, tmp_path: Path, text: str, problem: str
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(text)
    result = cli.run("phone-numbers", "import", "--csv", str(source))
    assert result.exit_code == 2
    assert problem in result.stderr
    assert cli.fake.requests == []


def test_a_spreadsheet_export_with_a_byte_order_mark_reads(cli: Cli, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "excel.csv", import_rows(1), IMPORT_HEADER)
    source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    result = cli.run("phone-numbers", "import", "--csv", str(source))
    assert result.exit_code == 0, result.output


# --- list and show ---------------------------------------------------------------------------


def test_list_in_every_format(cli: Cli) -> None:
    attach(cli, "+442011110001", "+442011110002")
    attach(cli, PHONE_NUMBER, agent_id=OTHER_AGENT_ID)

    table = cli.run("phone-numbers", "list")
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].split() == [
        "phone_number", "agent_id", "custom_prompt", "created_at"
    ]  # fmt: skip
    assert len(table.stdout.splitlines()) == 2 + 3

    as_json = json.loads(
        cli.run("phone-numbers", "list", "--agent-id", AGENT_ID, "-o", "json").stdout
    )
    assert sorted(n["phone_number"] for n in as_json) == ["+442011110001", "+442011110002"]
    assert set(as_json[0]) == {f.name for f in attrs.fields(nixflex.PhoneNumber)}

    lines = cli.run("phone-numbers", "list", "-o", "jsonl").stdout.splitlines()
    assert [json.loads(line)["agent_id"] for line in lines].count(OTHER_AGENT_ID) == 1

    csv_out = cli.run("phone-numbers", "list", "--agent-id", OTHER_AGENT_ID, "-o", "csv").stdout
    header, row = csv_out.splitlines()
    assert header.startswith("phone_number,agent_id,twilio_number_sid,inbound_enabled")
    assert row.startswith(f"{PHONE_NUMBER},{OTHER_AGENT_ID},PN")
    assert ",true,true,," in row  # booleans as true/false, None as an empty cell


def test_a_table_shows_data_as_it_is_and_cuts_long_text(cli: Cli) -> None:
    cli.fake.import_phone_number(
        phone_number=PHONE_NUMBER, agent_id=AGENT_ID, custom_prompt="[bold]Open[/bold] " * 20
    )
    out = cli.run("phone-numbers", "list").stdout
    assert "[bold]Open[/bold]" in out  # never read as Rich markup
    assert "…" in out
    assert len(out.splitlines()) == 3


def test_show_one_number_and_a_number_that_is_not_attached(cli: Cli) -> None:
    attach(cli, PHONE_NUMBER)
    shown = cli.run("phone-numbers", "show", PHONE_NUMBER, "-o", "json")
    assert json.loads(shown.stdout)["agent_id"] == AGENT_ID
    table = cli.run("phone-numbers", "show", PHONE_NUMBER).stdout
    assert re.search(r"^agent_id\s+agent_125207e452f8714a$", table, flags=re.MULTILINE)
    missing = cli.run("phone-numbers", "show", "+442011119999")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: +442011119999 is not attached to any of your agents\n"


# --- update ----------------------------------------------------------------------------------


def test_update_sets_and_clears_the_profile(cli: Cli) -> None:
    attach(cli, PHONE_NUMBER)
    result = cli.run(
        "phone-numbers", "update", PHONE_NUMBER, "--set", "custom_prompt=Open = Mon-Fri", "-o",
        "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["custom_prompt"] == "Open = Mon-Fri"
    assert cli.fake.requests[-1].json == {"custom_prompt": "Open = Mon-Fri"}

    cleared = cli.run("phone-numbers", "update", PHONE_NUMBER, "--clear", "custom_prompt")
    assert cleared.exit_code == 0, cleared.output
    assert cli.fake.requests[-1].json == {"custom_prompt": None}


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--set", "voice=x"], "unknown setting 'voice'; the settings are custom_prompt"),
        (["--clear", "colour"], "unknown setting 'colour'"),
        (["--set", "custom_prompt"], "expected KEY=VALUE, got 'custom_prompt'"),
        (["--set", "custom_prompt=a", "--clear", "custom_prompt"], "custom_prompt is given twice"),
        ([], "nothing to change"),
    ],
)
def test_update_refuses_bad_settings_with_exit_2(cli: Cli, args: list[str], problem: str) -> None:
    result = cli.run("phone-numbers", "update", PHONE_NUMBER, *args)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert cli.fake.requests == []


def test_settings_follow_the_signature_of_the_method() -> None:
    # --set converts each value by the annotation of the method's keyword argument (booleans,
    # numbers, text), so a setting the SDK learns is a key at once.
    def update(
        self: Any,
        phone_number: str,
        *,
        custom_prompt: str | None = None,
        sms_reply_enabled: bool | None = None,
        speaking_rate: float | None = None,
    ) -> None: ...

    def settings(pairs: list[str], clear: list[str] = []) -> dict[str, Any]:  # noqa: B006
        return keyword_arguments(update, pairs, clear, noun="setting")

    assert settings(
        ["sms_reply_enabled=off", "speaking_rate=1.25", "custom_prompt=1"], ["voice"][:0]
    ) == {"sms_reply_enabled": False, "speaking_rate": 1.25, "custom_prompt": "1"}
    assert settings([], ["custom_prompt"]) == {"custom_prompt": None}
    with pytest.raises(click.BadParameter, match="sms_reply_enabled takes true or false"):
        settings(["sms_reply_enabled=maybe"])
    with pytest.raises(click.BadParameter, match="speaking_rate takes a number"):
        settings(["speaking_rate=fast"])
    with pytest.raises(click.BadParameter, match="unknown setting 'voice'; the settings are"):
        settings(["voice=x"])


# --- errors ----------------------------------------------------------------------------------


def test_an_api_error_is_one_line_with_exit_1_and_a_traceback_only_with_debug(cli: Cli) -> None:
    result = cli.run("phone-numbers", "update", "+442011119999", "--set", "custom_prompt=x")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert ERROR_LINE.match(result.stderr.rstrip("\n")), result.stderr
    assert result.stderr.startswith("Error: NumberNotFoundError: [404 number_not_found] ")
    assert "Traceback" not in result.stderr

    debug = cli.run(
        "--debug", "phone-numbers", "update", "+442011119999", "--set", "custom_prompt=x"
    )
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "PATCH /v1/phone-numbers/%2B442011119999" in debug.stderr  # the SDK's request log
    assert debug.stderr.splitlines()[-1] == result.stderr.splitlines()[-1].replace(
        result.stderr.split("request_id=")[1].rstrip(")\n"),
        debug.stderr.split("request_id=")[-1].rstrip(")\n"),
    )


def test_no_key_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("phone-numbers", "list", env={"NIXFLEX_API_KEY": None})
    assert result.exit_code == 2
    assert "NIXFLEX_API_KEY" in result.stderr


def test_the_key_is_never_echoed(cli: Cli, tmp_path: Path) -> None:
    canary = "sk_canary_5f0d1e"
    source = write_csv(tmp_path / "clinics.csv", import_rows(2), IMPORT_HEADER)
    runs = [
        cli.run("--api-key", f"key_x:{canary}", "phone-numbers", "list"),
        cli.run("--debug", "--api-key", f"key_x:{canary}", "phone-numbers", "list"),
        cli.run("--debug", "phone-numbers", "import", "--csv", str(source),
                env={"NIXFLEX_API_KEY": f"key_y:{canary}"}),
        cli.run("--api-key", canary, "numbers", "list"),  # no colon: refused by the SDK
    ]  # fmt: skip
    assert [r.exit_code for r in runs] == [1, 1, 1, 2]
    assert re.match(r"Error: \w+Error: \[401 \w+\] ", runs[0].stderr), runs[0].stderr
    for result in runs:
        assert canary not in result.output
        assert TWILIO_TOKEN not in result.output


def test_a_blank_number_is_refused_before_sending(cli: Cli) -> None:
    result = cli.run("phone-numbers", "delete", " ", "--yes")
    assert result.exit_code == 2
    assert "phone_number" in result.stderr
    assert cli.fake.requests == []


def test_an_unreachable_api_is_exit_1(cli: Cli) -> None:
    result = cli.run(
        "--base-url", "http://127.0.0.1:9", "phone-numbers", "list",
        env={"NIXFLEX_BASE_URL": None},
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: APIConnectionError: ")
    assert len(result.stderr.splitlines()) == 1


# --- sync-profiles and delete ----------------------------------------------------------------


def test_sync_profiles_sets_clears_and_writes_back_failures(cli: Cli, tmp_path: Path) -> None:
    attach(cli, "+442011110001", "+442011110002")
    cli.fake.import_phone_number(
        phone_number="+442011110003", agent_id=AGENT_ID, custom_prompt="Old"
    )
    rows = [
        {"phone_number": "+442011110001", "custom_prompt": "Business: Smile Dental Croydon."},
        {"phone_number": "+442011119999", "custom_prompt": "Not attached."},
        {"phone_number": "+442011110003", "custom_prompt": ""},
    ]
    source = write_csv(tmp_path / "profiles.csv", rows, ["phone_number", "custom_prompt"])
    failed = tmp_path / "failed.csv"

    dry = cli.run("phone-numbers", "sync-profiles", "--csv", str(source), "--dry-run")
    assert dry.exit_code == 0
    assert "(clear)" in dry.stdout
    assert cli.fake.requests == []

    result = cli.run(
        "phone-numbers", "sync-profiles", "--csv", str(source), "--failed", str(failed)
    )
    assert result.exit_code == 1
    assert result.stdout == f"2 synced, 1 failed; the failed rows are in {failed}\n"
    assert result.stderr.startswith("line 3 (+442011119999): NumberNotFoundError: ")
    assert read_csv(failed) == [rows[1]]
    prompts = {n.phone_number: n.custom_prompt for n in cli.fake.phone_numbers()}
    assert prompts == {
        "+442011110001": "Business: Smile Dental Croydon.",
        "+442011110002": None,
        "+442011110003": None,
    }


def test_sync_profiles_refuses_a_number_twice(cli: Cli, tmp_path: Path) -> None:
    rows = [{"phone_number": "+442011110001", "custom_prompt": p} for p in ("A", "B")]
    source = write_csv(tmp_path / "p.csv", rows, ["phone_number", "custom_prompt"])
    result = cli.run("phone-numbers", "sync-profiles", "--csv", str(source))
    assert result.exit_code == 2
    assert "line 3 (+442011110001) repeats a number" in result.stderr


def test_delete_asks_first_unless_yes(cli: Cli) -> None:
    attach(cli, PHONE_NUMBER, "+442011110001")
    declined = cli.run("phone-numbers", "delete", PHONE_NUMBER, input="n\n")
    assert declined.exit_code == 1
    assert len(cli.fake.phone_numbers()) == 2
    accepted = cli.run("phone-numbers", "delete", PHONE_NUMBER, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout == f"Detached {PHONE_NUMBER}.\n"
    assert cli.run("phone-numbers", "delete", "+442011110001", "--yes").exit_code == 0
    assert cli.fake.phone_numbers() == []


@pytest.mark.parametrize(
    ("command", "said"), [("monitor", "monitoring"), ("web-calls", "web calls")]
)
def test_the_per_number_switches_show_and_turn(cli: Cli, command: str, said: str) -> None:
    attach(cli, PHONE_NUMBER)
    shown = cli.run("phone-numbers", command, PHONE_NUMBER)
    assert (shown.exit_code, shown.stdout.strip()) == (0, f"{PHONE_NUMBER}: {said} off")
    turned = cli.run("phone-numbers", command, PHONE_NUMBER, "on")
    assert (turned.exit_code, turned.stdout.strip()) == (0, f"{PHONE_NUMBER}: {said} on")
    assert cli.fake.requests[-1].json == {"enabled": True}
    assert cli.run("phone-numbers", command, PHONE_NUMBER).stdout.strip().endswith(f"{said} on")


def test_a_webhook_url_is_shown_set_and_deleted(cli: Cli) -> None:
    attach(cli, PHONE_NUMBER)
    url = "https://clinic.example/hooks/nixflex"
    set_ = cli.run("phone-numbers", "webhook", PHONE_NUMBER, "--set", url, "--slot", "2")
    assert (set_.exit_code, set_.stdout.strip()) == (0, f"{PHONE_NUMBER}: webhook slot 2 {url}")
    shown = cli.run("phone-numbers", "webhook", PHONE_NUMBER, "--slot", "2")
    assert shown.stdout.strip() == f"{PHONE_NUMBER}: webhook slot 2 {url}"
    assert cli.run("phone-numbers", "webhook", PHONE_NUMBER).stdout.strip().endswith("not set")
    deleted = cli.run("phone-numbers", "webhook", PHONE_NUMBER, "--delete", "--slot", "2")
    assert (deleted.exit_code, deleted.stdout.strip()) == (
        0,
        f"{PHONE_NUMBER}: webhook slot 2 cleared",
    )
    plain = cli.run("phone-numbers", "webhook", PHONE_NUMBER, "--set", "http://clinic.example/")
    assert plain.exit_code == 2, plain.output  # https only: refused before anything is sent
