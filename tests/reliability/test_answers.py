"""Hostile answers: a deadline that holds, a size cap, bombs that do not go off.

A server that trickles its answer one byte at a time never trips httpx's per-operation timeouts;
a numeric `timeout=T` bounds each attempt end to end instead. A 200 of any size, a body that
inflates a thousand-fold twice over (`Content-Encoding: gzip, gzip`), a 503 with a huge page: the
SDK reads up to a cap and stops. The elapsed times checked here are bounds with wide margins on
a busy machine, not speed targets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nixflex
from tests.loopback import LoopbackServer, Reply
from tests.reliability.calls import ENDPOINTS
from tests.support import HTTPX_GENERATORS_LEFT_TO_GC, open_client

# Every answer here is left unread past a point (see HTTPX_GENERATORS_LEFT_TO_GC).
pytestmark = [pytest.mark.reliability, pytest.mark.anyio, HTTPX_GENERATORS_LEFT_TO_GC]

BOMB = (
    Path(__file__).parent / "data" / "gzip-gzip-2gib.bin"
)  # 3.5 KB: 2 GiB of zeros, gzipped twice
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
T = 0.5


# --- the deadline --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "reply"),
    [
        ("body", Reply.trickle(HEAD, b"[" + b" " * 99_999, every=0.1)),
        ("headers", Reply.trickle(b"", HEAD, every=0.1)),
    ],
)
async def test_a_trickling_server_cannot_hold_an_attempt_past_its_timeout(
    loopback: LoopbackServer, client_kind: str, what: str, reply: Reply
) -> None:
    loopback.script(reply)
    started = time.monotonic()
    async with open_client(client_kind, loopback.url, timeout=T, max_retries=0) as client:
        with pytest.raises(nixflex.APITimeoutError):
            await ENDPOINTS["phone_numbers.list"].invoke(client)
    assert time.monotonic() - started < T + 1.0, f"a trickled {what} held the call"


async def test_every_attempt_together_stay_within_their_budget(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    # Three attempts at T each, the retry waits recorded, not slept: at most 3 T of trickle.
    loopback.handler = lambda request: Reply.trickle(HEAD, b" " * 1_000, every=0.1)
    started = time.monotonic()
    async with open_client(client_kind, loopback.url, timeout=T, max_retries=2) as client:
        with pytest.raises(nixflex.APITimeoutError):
            await ENDPOINTS["phone_numbers.list"].invoke(client)
    assert len(loopback.requests) == 3
    assert len(sleeps) == 2
    assert time.monotonic() - started < 3 * T + 1.5


# --- the size cap --------------------------------------------------------------------------------


async def test_a_success_past_max_response_size_is_refused(
    loopback: LoopbackServer, client_kind: str
) -> None:
    big = {"phone_numbers": [{"phone_number": "+447446466847", "agent_id": "a" * 1000}] * 3000}
    loopback.script(Reply.json(big))
    async with open_client(
        client_kind, loopback.url, timeout=5, max_response_size=1_000_000
    ) as client:
        with pytest.raises(nixflex.APIResponseValidationError, match="larger than 1,000,000"):
            await ENDPOINTS["phone_numbers.list"].invoke(client)


async def test_a_compression_bomb_is_refused_at_the_cap(
    loopback: LoopbackServer, client_kind: str
) -> None:
    head = {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"}
    loopback.script(Reply(status=200, body=BOMB.read_bytes(), headers=head))
    async with open_client(client_kind, loopback.url, timeout=10) as client:
        with pytest.raises(nixflex.APIResponseValidationError, match="larger than 16,777,216"):
            await ENDPOINTS["phone_numbers.list"].invoke(client)


async def test_three_chained_encodings_are_not_decoded(
    loopback: LoopbackServer, client_kind: str
) -> None:
    head = {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip, gzip"}
    loopback.script(Reply(status=200, body=b"whatever", headers=head))
    async with open_client(client_kind, loopback.url, timeout=5, max_retries=0) as client:
        with pytest.raises(nixflex.APIConnectionError, match="encoded 3 times"):
            await ENDPOINTS["phone_numbers.list"].invoke(client)


async def test_an_error_keeps_the_first_64_kib_of_its_body_and_reads_no_more(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float]
) -> None:
    page = b"<html>" + b"x" * 20_000_000 + b"</html>"
    loopback.handler = lambda request: Reply(
        status=503, body=page, headers={"Content-Type": "text/html"}
    )
    started = time.monotonic()
    async with open_client(client_kind, loopback.url, timeout=10) as client:
        with pytest.raises(nixflex.InternalServerError) as caught:
            await ENDPOINTS["phone_numbers.list"].invoke(client)
    assert isinstance(caught.value.body, str)
    assert len(caught.value.body) == 64 * 1024
    assert len(loopback.requests) == 3  # retried, and none of them read the 20 MB
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux's /proc needed")
def test_a_2_gib_bomb_costs_well_under_100_mb_of_memory(loopback: LoopbackServer) -> None:
    # In a child process, so that the figure is that call's peak and nothing else's.
    head = {"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"}
    loopback.script(Reply(status=200, body=BOMB.read_bytes(), headers=head))
    code = textwrap.dedent(
        f"""
        import json, re
        import nixflex

        def kib(field):
            status = open("/proc/self/status").read()
            return int(re.search(field + r":\\s+(\\d+) kB", status).group(1))

        client = nixflex.Client(api_key="key_x:secret_x", base_url={loopback.url!r}, timeout=30)
        baseline = kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # the peak (VmHWM) starts again from here
        try:
            client.phone_numbers.list()
        except nixflex.APIResponseValidationError:
            refused = True
        else:
            refused = False
        print(json.dumps({{"refused": refused, "peak_kib": kib("VmHWM") - baseline}}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    result = json.loads(out)
    print(f"2 GiB gzip,gzip bomb: peak memory +{result['peak_kib'] / 1024:.1f} MB")
    assert result["refused"]
    assert result["peak_kib"] < 100 * 1024
