"""`nixflex numbers ...` through Click's runner against the emulator over loopback."""

from __future__ import annotations

import json

from nixflex.testing._docs_world import AGENT_ID, MESSAGE_COUNT, NUMBER_ID
from tests.cli.support import Cli


def test_list_every_number_or_a_few(cli: Cli) -> None:
    everything = cli.run("numbers", "list", "-o", "jsonl")
    assert everything.exit_code == 0, everything.output
    assert len(everything.stdout.splitlines()) == 5
    assert json.loads(everything.stdout.splitlines()[0])["id"] == NUMBER_ID
    two = cli.run("numbers", "list", "--limit", "2", "-o", "csv").stdout.splitlines()
    assert two[0] == "id,phone_number,country,status,agent_id,created_at"
    assert len(two) == 3
    table = cli.run("numbers", "list").stdout.splitlines()
    assert table[0].split() == ["id", "phone_number", "country", "status", "agent_id", "created_at"]


def test_messages_page_through_the_history(cli: Cli) -> None:
    every = cli.run("numbers", "messages", NUMBER_ID, "-o", "jsonl").stdout.splitlines()
    assert len(every) == MESSAGE_COUNT
    received = [json.loads(line)["received_at"] for line in every]
    assert received == sorted(received, reverse=True)
    assert "from_" in json.loads(every[0])

    few = cli.run(
        "numbers", "messages", NUMBER_ID, "--limit", "3", "--before", "2025-01-15T09:00:00Z",
        "-o", "json",
    )  # fmt: skip
    assert [m["received_at"] for m in json.loads(few.stdout)] == [
        "2025-01-15T08:45:00+00:00",
        "2025-01-15T08:30:00+00:00",
        "2025-01-15T08:15:00+00:00",
    ]
    table = cli.run("numbers", "messages", NUMBER_ID, "--limit", "1").stdout.splitlines()
    assert table[0].split() == ["received_at", "from_", "to", "body"]


def test_create_costs_money_so_it_asks_first(cli: Cli) -> None:
    before = len(cli.fake.requests)
    declined = cli.run("numbers", "create", "--country", "GB", input="n\n")
    assert declined.exit_code == 1
    assert "Buy a new GB number? It costs money." in declined.stderr
    assert len(cli.fake.requests) == before

    bought = cli.run("numbers", "create", "--country", "GB", "--agent-id", AGENT_ID, "--yes")
    assert bought.exit_code == 0, bought.output
    assert cli.fake.requests[-1].json == {"country": "GB", "agentId": AGENT_ID}
    asked = cli.run("numbers", "create", "-o", "json", input="y\n")
    assert json.loads(asked.stdout)["country"] == "US"


def test_create_in_an_area_code(cli: Cli) -> None:
    bought = cli.run("numbers", "create", "--area-code", "415", "--yes", "-o", "json")

    assert bought.exit_code == 0, bought.output
    assert json.loads(bought.stdout)["phone_number"].startswith("+1415")
    assert cli.fake.requests[-1].json == {"country": "US", "areaCode": "415"}


def test_release_cannot_be_undone_so_it_asks_first(cli: Cli) -> None:
    declined = cli.run("numbers", "release", NUMBER_ID)  # no answer at all: aborts
    assert declined.exit_code == 1
    assert all(r.method != "DELETE" for r in cli.fake.requests)
    released = cli.run("numbers", "release", NUMBER_ID, "--yes")
    assert released.exit_code == 0, released.output
    assert released.stdout == f"Released {NUMBER_ID}.\n"
    assert cli.fake.requests[-1].method == "DELETE"


def test_an_unknown_number_id_is_one_error_line(cli: Cli) -> None:
    result = cli.run("numbers", "messages", "num_nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: NumberNotFoundError: [404 number_not_found] ")
    assert result.stdout == ""
