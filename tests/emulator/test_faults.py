"""The emulator's fault injection, threads, loopback server, CLI, seeding API and SDK clients."""

from __future__ import annotations

import http.client
import json
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from nixflex.testing import FakeNixflex
from tests.emulator.helpers import (
    PLAIN_HTTP,
    REQUEST_ID,
    UK_NUMBER,
    UK_NUMBER_2,
    WAYS,
    World,
    bearer,
    build_world,
    details,
    error,
    error_code,
    serving,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with build_world(request.param) as world:
        yield world


def wait_for(condition: Any, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


# -- failing -----------------------------------------------------------------------------------


def test_fail_next_answers_the_status_and_changes_nothing(world: World) -> None:
    world.fake.fail_next(2, 503, retry_after=7)

    for _ in range(2):
        response = world.http.post("/v1/numbers", json={})
        assert (response.status_code, error_code(response)) == (503, "service_unavailable")
        assert response.headers["retry-after"] == "7"
        assert re.fullmatch(r"req_[0-9a-f]+", response.headers["x-railway-request-id"])
    assert world.fake.numbers() == []
    assert world.http.post("/v1/numbers", json={}).status_code == 201

    failed = world.fake.requests[0]
    assert (failed.status, failed.faults, failed.processed) == (503, ("fail",), False)
    assert world.fake.requests[-1].faults == ()


@pytest.mark.parametrize(
    ("status", "code", "type_"),
    [
        (402, "injected_fault", "payment_error"),
        (408, "request_timeout", "invalid_request"),
        (422, "injected_fault", "invalid_request"),
        (429, "rate_limit_exceeded", "rate_limit_error"),
        (500, "internal_error", "server_error"),
        (502, "bad_gateway", "provider_error"),
        (503, "service_unavailable", "server_error"),
        (504, "gateway_timeout", "server_error"),
        (418, "injected_fault", "invalid_request"),
    ],
)
def test_injected_failures_name_their_status(
    world: World, status: int, code: str, type_: str
) -> None:
    world.fake.fail_next(status=status)
    response = world.http.get("/v1/numbers")
    assert (response.status_code, error_code(response)) == (status, code)
    assert error(response)["type"] == type_
    assert error(response)["doc_url"] == f"https://docs.nixflex.com/api-reference/errors#{code}"
    assert details(response) is None
    assert "retry-after" not in response.headers


def test_fail_next_takes_a_code_message_or_raw_body(world: World) -> None:
    world.fake.fail_next(status=429, code="slow_down", message="Too many.", retry_after=1.5)
    world.fake.fail_next(status=502, body="<html><h1>502 Bad Gateway</h1></html>")
    when = datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc)
    world.fake.fail_next(status=503, retry_after=when)

    limited = world.http.get("/v1/numbers")
    assert limited.json() == {
        "error": {
            "type": "rate_limit_error",
            "code": "slow_down",
            "message": "Too many.",
            "doc_url": "https://docs.nixflex.com/api-reference/errors#slow_down",
            "details": {"retry_after": 1.5},
        }
    }
    assert limited.headers["retry-after"] == "1.5"
    proxy = world.http.get("/v1/numbers")
    assert proxy.text == "<html><h1>502 Bad Gateway</h1></html>"
    assert proxy.headers["content-type"].startswith("text/html")
    dated = world.http.get("/v1/numbers")
    assert dated.headers["retry-after"] == "Tue, 01 Jan 2030 12:00:00 GMT"
    assert details(dated) is None
    assert REQUEST_ID.fullmatch(proxy.headers["x-railway-request-id"])


def test_fail_next_takes_details(world: World) -> None:
    per_field = [{"field": "areaCode", "message": "must be 3 digits"}]
    asked: dict[str, Any] = {"why": "maintenance", "until": None}
    world.fake.fail_next(status=422, code="VALIDATION_ERROR", details=per_field)
    world.fake.fail_next(status=503, details=asked)
    world.fake.fail_next(status=429, retry_after=30, details={"retry_after": 5})
    world.fake.fail_next(status=429, retry_after=2)
    world.fake.fail_next(status=503, retry_after=2)
    asked["why"] = "changed after the call"  # the fault keeps what it was given

    assert details(world.http.post("/v1/numbers", json={})) == per_field
    assert details(world.http.get("/v1/numbers")) == {"why": "maintenance", "until": None}
    assert details(world.http.get("/v1/numbers")) == {"retry_after": 5}
    limited = world.http.get("/v1/numbers")
    assert (error_code(limited), details(limited)) == ("rate_limit_exceeded", {"retry_after": 2})
    assert details(world.http.get("/v1/numbers")) is None  # only a 429 repeats its wait
    assert world.fake.numbers() == []


@pytest.mark.parametrize("bad", ["text", 3, {"when": datetime(2030, 1, 1)}, {"x": float("nan")}])
def test_fail_next_details_must_be_a_json_object_or_list(bad: Any) -> None:
    fake = FakeNixflex()
    with pytest.raises(ValueError, match="details"):
        fake.fail_next(details=bad)
    assert fake.pending_faults == 0


def test_faults_can_target_a_route(world: World) -> None:
    fake = world.fake
    number = fake.provision_number(world.account)
    fake.fail_next(route="POST /v1/numbers")
    fake.fail_next(route="DELETE /v1/numbers/{number_id}")
    fake.fail_next(route="/v1/phone-numbers/+447446466847")  # any method; matches %2B too
    assert fake.pending_faults == 3

    assert world.http.get("/v1/numbers").status_code == 200
    assert world.http.get(f"/v1/numbers/{number.id}/messages").status_code == 200
    assert world.http.post("/v1/numbers", json={}).status_code == 503
    assert world.http.post("/v1/numbers", json={}).status_code == 201
    assert world.http.delete(f"/v1/numbers/{number.id}").status_code == 503
    patch = world.http.patch("/v1/phone-numbers/%2B447446466848", json={"custom_prompt": None})
    assert error_code(patch) == "number_not_found"
    patch = world.http.patch("/v1/phone-numbers/%2B447446466847", json={"custom_prompt": None})
    assert patch.status_code == 503
    assert fake.pending_faults == 0


def test_an_open_ended_route_matches_everything_below(world: World) -> None:
    number = world.fake.provision_number(world.account)
    world.fake.fail_next(3, route="/v1/numbers/*")
    assert world.http.get("/v1/phone-numbers").status_code == 200
    assert world.http.get("/v1/numbers").status_code == 503
    assert world.http.get(f"/v1/numbers/{number.id}/messages").status_code == 503
    assert world.http.delete(f"/v1/numbers/{number.id}").status_code == 503
    assert world.http.get("/v1/numbers").status_code == 200


def test_fail_after_processing_changes_state_then_fails(world: World) -> None:
    world.fake.fail_next(status=500, after_processing=True)

    response = world.http.post("/v1/numbers", json={"country": "GB"})

    assert (response.status_code, error_code(response)) == (500, "internal_error")
    assert [n.country for n in world.fake.numbers()] == ["GB"]
    assert world.fake.requests[0].processed is True


def test_faults_answer_even_unauthenticated_requests(world: World) -> None:
    world.fake.fail_next(status=503)
    response = world.connect().get("/v1/numbers")
    assert response.status_code == 503


def test_clear_faults(world: World) -> None:
    world.fake.fail_next(5)
    world.fake.drop_next()
    assert world.fake.pending_faults == 6
    world.fake.clear_faults()
    assert world.fake.pending_faults == 0
    assert world.http.get("/v1/numbers").status_code == 200


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("fail_next", {"n": 0}),
        ("fail_next", {"n": True}),
        ("fail_next", {"status": 200}),
        ("fail_next", {"status": 600}),
        ("fail_next", {"retry_after": -1}),
        ("fail_next", {"route": "v1/numbers"}),
        ("fail_next", {"route": "GET /v1/numbers extra"}),
        ("delay_next", {"seconds": -1}),
        ("delay_next", {"seconds": float("inf")}),
        ("drop_next", {"n": -2}),
    ],
)
def test_fault_arguments_are_checked(method: str, kwargs: dict[str, Any]) -> None:
    fake = FakeNixflex()
    with pytest.raises(ValueError):  # noqa: PT011
        getattr(fake, method)(**kwargs)
    assert fake.pending_faults == 0
    with pytest.raises(ValueError, match="latency"):
        FakeNixflex(latency=-1)


# -- dropping, delaying --------------------------------------------------------------------------


def test_drop_next_closes_the_connection_without_processing(world: World) -> None:
    world.fake.drop_next(route="POST /v1/numbers")

    with pytest.raises(httpx.RemoteProtocolError):
        world.http.post("/v1/numbers", json={})

    assert world.fake.numbers() == []
    dropped = world.fake.requests[0]
    assert (dropped.status, dropped.dropped, dropped.processed) == (None, True, False)
    assert world.http.post("/v1/numbers", json={}).status_code == 201  # the client recovers


def test_drop_after_processing_loses_the_answer_of_a_done_request(world: World) -> None:
    world.fake.drop_next(after_processing=True)

    with pytest.raises(httpx.RemoteProtocolError):
        world.http.post("/v1/phone-numbers", json=world.import_body())

    assert [n.phone_number for n in world.fake.phone_numbers()] == [UK_NUMBER]
    retried = world.http.post("/v1/phone-numbers", json=world.import_body())
    assert error_code(retried) == "number_already_imported"  # why POSTs must not be retried


def test_delay_next_slows_the_answer(world: World) -> None:
    world.fake.delay_next(seconds=0.15, route="GET /v1/numbers")

    started = time.monotonic()
    assert world.http.get("/v1/numbers").status_code == 200
    assert time.monotonic() - started >= 0.15
    assert world.fake.requests[0].faults == ("delay",)
    started = time.monotonic()
    world.http.get("/v1/numbers")
    assert time.monotonic() - started < 0.15


def test_a_delay_and_a_failure_combine(world: World) -> None:
    world.fake.delay_next(seconds=0.1)
    world.fake.fail_next(status=503)
    started = time.monotonic()
    assert world.http.get("/v1/numbers").status_code == 503
    assert time.monotonic() - started >= 0.1
    assert world.fake.requests[0].faults == ("delay", "fail")


@pytest.mark.parametrize("after_processing", [False, True])
def test_a_delay_past_the_read_timeout_times_out_but_is_processed(
    world: World, after_processing: bool
) -> None:
    world.fake.delay_next(seconds=0.25, after_processing=after_processing)

    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        world.http.post("/v1/numbers", json={}, timeout=0.05)

    assert time.monotonic() - started < 0.2
    wait_for(lambda: len(world.fake.numbers()) == 1)  # the server still did the work


def test_latency_is_added_to_every_request() -> None:
    fake = FakeNixflex(latency=0.05, record_requests=False)
    account = fake.add_account()
    with httpx.Client(
        transport=fake.transport(), base_url=fake.base_url, headers=bearer(account.api_key)
    ) as client:
        started = time.monotonic()
        for _ in range(3):
            client.get("/v1/numbers")
        assert time.monotonic() - started >= 0.15
    assert fake.requests == []
    fake.latency = 0
    assert fake.latency == 0.0


@pytest.mark.anyio
async def test_the_transport_serves_async_clients() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    fake.add_agent(account, agent_id="agent_a")
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, headers=bearer(account.api_key)
    ) as client:
        created = await client.post("/v1/numbers", json={"agentId": "agent_a"})
        assert created.status_code == 201

        fake.delay_next(seconds=0.1)
        started = time.monotonic()
        assert (await client.get("/v1/numbers")).json()["data"][0]["agentId"] == "agent_a"
        assert time.monotonic() - started >= 0.1

        fake.drop_next()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/v1/numbers")
        fake.delay_next(seconds=5)
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/v1/numbers", timeout=0.05)
        fake.fail_next(status=429, retry_after=2)
        limited = await client.get("/v1/numbers")
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")


# -- threads -----------------------------------------------------------------------------------


def test_concurrent_requests_from_a_thread_pool(world: World) -> None:
    numbers = [f"+4420794600{i:02d}" for i in range(12)]
    for number in numbers:
        world.fake.add_twilio_number(world.twilio.sid, number)

    def attach(number: str) -> int:
        return world.http.post(
            "/v1/phone-numbers", json=world.import_body(phone_number=number)
        ).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        distinct = list(pool.map(attach, numbers))
        racing = list(pool.map(attach, [UK_NUMBER_2] * 12))

    assert distinct == [201] * 12
    assert sorted(racing) == [201] + [409] * 11
    listed = world.http.get("/v1/phone-numbers").json()["phone_numbers"]
    assert len(listed) == 13
    assert len(world.fake.requests) == 25


# -- the loopback server -----------------------------------------------------------------------


def test_the_server_speaks_plain_http_1_1() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    headers = {**bearer(account.api_key), "Content-Type": "application/json"}
    with fake.serve() as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert "serving" in repr(server)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            body = iter([b'{"country": "GB", ', f'"agentId": "{agent_id}"}}'.encode()])
            connection.request(
                "POST", "/v1/numbers", body=body, headers=headers, encode_chunked=True
            )
            created = connection.getresponse()
            assert created.status == 201
            assert b'"country": "GB"' in created.read()
            # Same connection (keep-alive): a HEAD gets headers only, a 204 no body.
            connection.request("HEAD", "/v1/numbers", headers=headers)
            head = connection.getresponse()
            assert (head.status, head.read()) == (405, b"")
            number_id = fake.numbers()[0].id
            connection.request("DELETE", f"/v1/numbers/{number_id}", headers=headers)
            released = connection.getresponse()
            assert (released.status, released.read()) == (204, b"")
            assert released.getheader("x-railway-request-id", "").startswith("req_")
        finally:
            connection.close()
    assert "closed" in repr(server)
    server.close()  # closing twice is fine


def test_the_server_answers_what_http_server_would_refuse_in_the_api_shape() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    with fake.serve() as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("FOO", "/v1/numbers", headers=bearer(account.api_key))
            odd = connection.getresponse()
            assert odd.status == 405
            assert b'"method_not_allowed"' in odd.read()
        finally:
            connection.close()
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
            raw.sendall(b"this is not http sk_secret\r\n\r\n")
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400 ")
        assert re.search(rb"(?im)^x-railway-request-id: req_[0-9a-f]+", head)
        assert not re.search(rb"(?im)^x-request-id:", head)
        assert not re.search(rb"(?im)^x-ratelimit-", head)
        assert json.loads(body) == {
            "error": {
                "type": "invalid_request",
                "code": "bad_request",
                "message": "Bad Request.",
                "doc_url": "https://docs.nixflex.com/api-reference/errors#bad_request",
                "details": None,
            }
        }
    assert fake.requests[0].status == 405


def test_closing_the_server_ends_stalled_requests_at_once() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    fake.delay_next(seconds=30)
    errors: queue.Queue[BaseException | None] = queue.Queue()
    with (
        fake.serve() as server,
        httpx.Client(
            base_url=server.url, headers=bearer(account.api_key), verify=PLAIN_HTTP
        ) as client,
    ):

        def call() -> None:
            try:
                client.get("/v1/numbers", timeout=10)
                errors.put(None)
            except httpx.HTTPError as exc:
                errors.put(exc)

        thread = threading.Thread(target=call)
        thread.start()
        wait_for(lambda: fake.pending_faults == 0)
        started = time.monotonic()
        server.close()
        thread.join(5)
        assert time.monotonic() - started < 2
    assert not thread.is_alive()
    assert isinstance(errors.get_nowait(), httpx.HTTPError)


def test_the_cli_serves_a_seeded_demo() -> None:
    with serving(None) as output:
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", output)
        key = re.search(r"NIXFLEX_API_KEY=(\S+)", output)
        assert url, output
        assert key, output
        with httpx.Client(base_url=url[1], headers=bearer(key[1]), verify=PLAIN_HTTP) as client:
            # The docs' world: num_xyz789 first, with its 120 messages, 50 a page.
            numbers = client.get("/v1/numbers").json()["data"]
            assert [n["id"] for n in numbers][:1] == ["num_xyz789"]
            assert len(numbers) == 5
            messages = client.get(f"/v1/numbers/{numbers[0]['id']}/messages").json()
            assert len(messages["data"]) == 50
            assert messages["hasMore"] is True
            assert client.get("/v1/phone-numbers").json()["phone_numbers"] == []


def test_importing_nixflex_does_not_import_the_emulator() -> None:
    code = "import sys, nixflex; assert 'nixflex.testing' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=30)


# -- seeding and views ---------------------------------------------------------------------------


def test_accounts_keys_and_agents() -> None:
    fake = FakeNixflex(seed=3)
    account = fake.add_account(name="shop", api_key="key_mine:sk_mine", account_id="acct_1")
    assert (account.id, account.name, account.key_id, account.api_key) == (
        "acct_1",
        "shop",
        "key_mine",
        "key_mine:sk_mine",
    )
    assert "sk_mine" not in repr(account)
    assert fake.add_agent("acct_1", agent_id="agent_x") == "agent_x"
    generated = fake.add_agent(account)
    assert generated.startswith("agent_")
    assert fake.agents(account) == ["agent_x", generated]
    assert fake.accounts() == [account]
    for bad in ("no-colon", ":secret", "key:"):
        with pytest.raises(ValueError, match="KEY_ID:KEY_SECRET"):
            fake.add_account(api_key=bad)
    with pytest.raises(ValueError, match="already in use"):
        fake.add_account(api_key="key_mine:sk_mine")
    with pytest.raises(ValueError, match="already exists"):
        fake.add_agent(account, agent_id="agent_x")
    with pytest.raises(ValueError, match="unknown account"):
        fake.add_agent("acct_nope")
    with pytest.raises(ValueError, match="unknown API key"):
        fake.revoke_api_key("key_nope:sk")


def test_twilio_accounts() -> None:
    fake = FakeNixflex()
    twilio = fake.add_twilio_account(numbers=[UK_NUMBER], sid="AC" + "1" * 32, token="tok")
    assert (twilio.sid, twilio.token, twilio.numbers) == ("AC" + "1" * 32, "tok", (UK_NUMBER,))
    assert "tok" not in repr(twilio)
    fake.add_twilio_number(twilio.sid, UK_NUMBER_2)
    assert fake.twilio_account(twilio.sid).numbers == (UK_NUMBER, UK_NUMBER_2)
    assert fake.twilio_webhooks(UK_NUMBER).cleared
    fake.set_twilio_webhooks(UK_NUMBER, voice_url="https://x.example/v")
    assert fake.twilio_webhooks(UK_NUMBER).voice_url == "https://x.example/v"

    with pytest.raises(ValueError, match="already held"):
        fake.add_twilio_account(numbers=["+15005550001", UK_NUMBER], sid="AC" + "2" * 32)
    fake.add_twilio_account(numbers=["+15005550001"], sid="AC" + "2" * 32)  # nothing was left
    with pytest.raises(ValueError, match="must match"):
        fake.add_twilio_account(sid="AC" + "G" * 32)
    with pytest.raises(ValueError, match=r"E\.164"):
        fake.add_twilio_number(twilio.sid, "07446466847")
    with pytest.raises(ValueError, match="unknown Twilio account"):
        fake.twilio_account("AC" + "3" * 32)
    with pytest.raises(ValueError, match="no Twilio account holds"):
        fake.twilio_webhooks("+15005550009")


def test_seeding_an_import_runs_the_api_checks() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    fake.add_twilio_account(numbers=[UK_NUMBER])
    created_at = datetime(2025, 1, 1, 9, 30)  # naive: UTC

    seeded = fake.import_phone_number(
        phone_number=UK_NUMBER, agent_id=agent_id, custom_prompt="p", created_at=created_at
    )

    assert (seeded.account_id, seeded.custom_prompt) == (account.id, "p")
    assert seeded.created_at == created_at.replace(tzinfo=timezone.utc)
    assert fake.twilio_webhooks(UK_NUMBER).points_at_nixflex
    assert fake.phone_numbers(account, agent_id=agent_id) == [seeded]
    with pytest.raises(ValueError, match="number_already_imported"):
        fake.import_phone_number(phone_number=UK_NUMBER, agent_id=agent_id)
    with pytest.raises(ValueError, match="agent_not_found"):
        fake.import_phone_number(phone_number=UK_NUMBER, agent_id="agent_nope")
    with pytest.raises(ValueError, match="no Twilio account holds"):
        fake.import_phone_number(phone_number=UK_NUMBER_2, agent_id=agent_id)


def test_provisioned_numbers_and_messages() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    other = fake.add_account()
    foreign_agent = fake.add_agent(other)
    number = fake.provision_number(account, country="gb", phone_number="+447700900555")
    assert (number.country, number.phone_number, number.status) == ("GB", "+447700900555", "active")
    assert fake.numbers(account) == [number]
    assert fake.numbers(other) == []
    with pytest.raises(ValueError, match="invalid_country"):
        fake.provision_number(account, country="GBR")
    with pytest.raises(ValueError, match="agent_not_owned"):
        fake.provision_number(account, agent_id=foreign_agent)
    with pytest.raises(ValueError, match="already in use"):
        fake.provision_number(other, phone_number="+447700900555")

    first = fake.deliver_sms(number.id, from_="NIXFLEX", body="one")
    second = fake.deliver_sms(number.id, from_="+15559876543", body="two")
    assert second.received_at > first.received_at
    assert (first.to, first.number_id) == ("+447700900555", number.id)
    assert fake.messages(number.id) == [second, first]
    with pytest.raises(ValueError, match="unknown number id"):
        fake.deliver_sms("num_nope", from_="x", body="y")
    with fake.client(account) as client:
        client.numbers.release(number.id)
    with pytest.raises(ValueError, match="released"):
        fake.deliver_sms(number.id, from_="x", body="y")


def test_a_seed_and_a_clock_make_runs_repeatable() -> None:
    def build() -> tuple[Any, ...]:
        fake = FakeNixflex(seed=42, clock=lambda: datetime(2025, 1, 15, tzinfo=timezone.utc))
        account = fake.add_account()
        twilio = fake.add_twilio_account()
        number = fake.provision_number(account)
        second = fake.provision_number(account, country="FR")
        return account, twilio, twilio.token, number, second

    first, again = build(), build()
    assert first == again
    number, second = first[3], first[4]
    assert second.created_at - number.created_at == timedelta(milliseconds=1)
    assert repr(FakeNixflex()).startswith("<FakeNixflex accounts=0")


# -- the SDK's clients ---------------------------------------------------------------------------

nixflex_sdk = pytest.importorskip("nixflex")
needs_sdk = pytest.mark.skipif(
    not hasattr(nixflex_sdk, "Client"), reason="nixflex.Client is not written yet"
)


@needs_sdk
def test_the_sync_client_round_trip() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    twilio = fake.add_twilio_account(numbers=[UK_NUMBER])
    with fake.client() as client:
        created = client.phone_numbers.create(
            phone_number=UK_NUMBER,
            twilio_sid=twilio.sid,
            twilio_token=twilio.token,
            agent_id=agent_id,
        )
        assert created.phone_number == UK_NUMBER
        updated = client.phone_numbers.update(UK_NUMBER, custom_prompt="Smile Dental")
        assert updated.custom_prompt == "Smile Dental"
        assert [n.phone_number for n in client.phone_numbers.list()] == [UK_NUMBER]
        with pytest.raises(nixflex_sdk.NumberAlreadyImportedError):
            client.phone_numbers.create(
                phone_number=UK_NUMBER,
                twilio_sid=twilio.sid,
                twilio_token=twilio.token,
                agent_id=agent_id,
            )
        client.phone_numbers.delete(UK_NUMBER)
    assert fake.twilio_webhooks(UK_NUMBER).cleared
    assert fake.requests[-1].raw_path == "/v1/phone-numbers/%2B447446466847"


@needs_sdk
@pytest.mark.anyio
async def test_the_async_client_round_trip() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    number = fake.provision_number(account)
    for i in range(5):
        fake.deliver_sms(number.id, from_="+15559876543", body=f"m{i}")
    async with fake.async_client(account) as client:
        listed = await client.numbers.list().to_list()
        assert [n.id for n in listed] == [number.id]
        messages = await client.numbers.messages.list(number.id, limit=2).to_list()
        assert [m.body for m in messages] == ["m4", "m3", "m2", "m1", "m0"]


@needs_sdk
def test_the_sdk_retries_a_get_but_not_a_post_that_may_have_succeeded() -> None:
    fake = FakeNixflex()
    fake.add_account()
    fake.fail_next(status=503, retry_after=0)
    with fake.client(max_retries=2) as client:
        assert client.numbers.list().to_list() == []
        fake.drop_next(after_processing=True)
        with pytest.raises(nixflex_sdk.APIConnectionError):
            client.numbers.create(country="US")
    assert [(r.method, r.status) for r in fake.requests] == [
        ("GET", 503),
        ("GET", 200),
        ("POST", None),
    ]
    assert len(fake.numbers()) == 1


@needs_sdk
def test_client_needs_an_account_when_there_are_several() -> None:
    fake = FakeNixflex()
    with pytest.raises(ValueError, match="exactly one"):
        fake.client()
    fake.add_account()
    fake.add_account()
    with pytest.raises(ValueError, match="exactly one"):
        fake.async_client()


def test_a_provisioned_number_can_take_the_id_of_your_fixtures() -> None:
    fake = FakeNixflex()
    account = fake.add_account()
    number = fake.provision_number(account, country="GB", number_id="num_xyz789")
    assert number.id == "num_xyz789"
    fake.deliver_sms("num_xyz789", from_="+15559876543", body="Hi")
    with fake.client() as client:
        assert [m.body for m in client.numbers.messages.list("num_xyz789")] == ["Hi"]
    with pytest.raises(ValueError, match="already taken"):
        fake.provision_number(account, number_id="num_xyz789")
