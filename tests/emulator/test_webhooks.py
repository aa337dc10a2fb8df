"""The emulator's webhook URLs (both slots, the API's checks) and its signed deliveries, posted
for real to a receiver on 127.0.0.1 that checks them with `nixflex.webhooks`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import pytest

import nixflex
from nixflex.testing import FakeNixflex, WebhookAttempt, WebhookDelivery
from tests.emulator.helpers import UK_NUMBER, WAYS, World, build_world, error

SLOT_1 = "/v1/integrations/webhook/number/%2B447446466847"
SLOT_2 = "/v1/integrations/webhook2/number/%2B447446466847"
URL = "https://clinic.example/hooks/nixflex"


@pytest.fixture(params=WAYS)
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    with build_world(request.param) as world:
        world.import_number()
        yield world


# --- the routes ----------------------------------------------------------------------------------


def test_each_slot_keeps_its_own_url(world: World) -> None:
    assert world.http.get(SLOT_1).json() == {
        "phone_number": UK_NUMBER,
        "webhook_url": None,
        "is_set": False,
    }
    assert world.http.put(SLOT_1, json={"url": URL}).json()["is_set"] is True
    assert world.http.put(SLOT_2, json={"url": URL + "/2"}).status_code == 200

    assert world.http.get(SLOT_1).json()["webhook_url"] == URL
    assert world.http.get(SLOT_2).json()["webhook_url"] == URL + "/2"
    assert world.fake.webhook_url(UK_NUMBER, slot=2) == URL + "/2"

    assert world.http.delete(SLOT_2).status_code == 204
    assert world.http.delete(SLOT_2).status_code == 204  # an empty slot: still fine
    assert world.http.get(SLOT_2).json()["is_set"] is False
    assert world.http.get(SLOT_1).json()["is_set"] is True


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_another_accounts_number_answers_like_a_missing_one(world: World, method: str) -> None:
    body = {"url": URL} if method == "PUT" else None
    theirs = world.other_http.request(method, SLOT_1, json=body)
    missing = world.http.request(method, SLOT_1.replace("847", "999"), json=body)
    for response in (theirs, missing):
        assert response.status_code == 404
        assert error(response)["code"] == "number_not_found"
    assert world.fake.webhook_url(UK_NUMBER) is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "missing_field"),
        ({"url": "http://clinic.example/hooks"}, "invalid_field"),
        ({"url": "https://"}, "invalid_field"),
        ({"url": 42}, "invalid_field"),
    ],
)
def test_a_put_without_an_https_url_is_refused(
    world: World, body: dict[str, object], code: str
) -> None:
    response = world.http.put(SLOT_1, json=body)
    assert response.status_code == 400
    assert error(response)["code"] == code
    assert "clinic.example" not in response.text  # errors never repeat a value sent
    assert world.fake.webhook_url(UK_NUMBER) is None


@pytest.mark.anyio
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_the_sdk_round_trip(kind: str) -> None:
    with build_world("transport") as world:
        world.import_number()
        if kind == "sync":
            with world.fake.client(world.account) as client:
                assert client.webhooks.set(UK_NUMBER, URL, slot=2).is_set
                assert client.webhooks.get(UK_NUMBER, slot=2).webhook_url == URL
                client.webhooks.delete(UK_NUMBER, slot=2)
                assert not client.webhooks.get(UK_NUMBER, slot=2).is_set
        else:
            async with world.fake.async_client(world.account) as aclient:
                assert (await aclient.webhooks.set(UK_NUMBER, URL, slot=2)).is_set
                assert (await aclient.webhooks.get(UK_NUMBER, slot=2)).webhook_url == URL
                await aclient.webhooks.delete(UK_NUMBER, slot=2)
                assert not (await aclient.webhooks.get(UK_NUMBER, slot=2)).is_set


# --- deliveries ----------------------------------------------------------------------------------


def test_a_delivery_is_signed_with_the_owners_key_secret() -> None:
    with build_world("transport") as world:
        world.import_number()
        delivery = world.fake.webhook_delivery(UK_NUMBER, "call.completed", call_id="call_7")

    t, _, v1 = delivery.signature.partition(",")
    timestamp = int(t.removeprefix("t="))
    expected = hmac.new(
        world.account.key_secret.encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256
    ).hexdigest()
    assert v1 == f"v1={expected}"
    assert abs(time.time() - timestamp) < 5
    assert json.loads(delivery.body) == delivery.payload
    assert delivery.payload["call_id"] == "call_7"
    assert delivery.payload["to"] == UK_NUMBER
    assert delivery.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "event", ["call.started", "call.completed", "webhook.test", "call.ended", "call.failed"]
)
def test_every_event_the_emulator_sends_unwraps_to_its_class(event: str) -> None:
    with build_world("transport") as world:
        world.import_number()
        delivery = world.fake.webhook_delivery(UK_NUMBER, event, fields={"metadata": {"k": 1}})
    unwrapped = nixflex.webhooks.unwrap(
        delivery.body, delivery.headers, key_secret=world.account.key_secret
    )
    assert unwrapped.event == event
    assert unwrapped.metadata == {"k": 1}
    if event != "webhook.test":
        assert unwrapped.call_id == delivery.payload["call_id"]


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that verifies each delivery as a user's would."""

    key_secret: str
    url: str = ""
    events: list[nixflex.webhooks.WebhookEvent] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[tuple[FakeNixflex, World, Receiver]]:
    with build_world("transport") as world:
        world.import_number()
        seen = Receiver(world.account.key_secret)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    event = nixflex.webhooks.unwrap(body, self.headers, key_secret=seen.key_secret)
                except nixflex.WebhookVerificationError as exc:
                    seen.refusals.append(exc.reason)
                    self.send_response(400)
                else:
                    seen.events.append(event)
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        seen.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        try:
            yield world.fake, world, seen
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)


def test_deliveries_reach_a_real_receiver_on_every_slot(
    receiver: tuple[FakeNixflex, World, Receiver],
) -> None:
    fake, _, seen = receiver
    fake.set_webhook_url(UK_NUMBER, seen.url)
    fake.set_webhook_url(UK_NUMBER, seen.url + "?slot=2", slot=2)

    attempts = fake.deliver_webhook(UK_NUMBER, "call.completed", call_id="call_1")

    assert [(a.slot, a.status_code, a.ok) for a in attempts] == [(1, 204, True), (2, 204, True)]
    assert [type(e) for e in seen.events] == [nixflex.webhooks.CallCompleted] * 2
    assert {e.call_id for e in seen.events} == {"call_1"}


def test_stale_tampered_and_redelivered(receiver: tuple[FakeNixflex, World, Receiver]) -> None:
    fake, _, seen = receiver
    fake.set_webhook_url(UK_NUMBER, seen.url)

    assert [a.status_code for a in fake.deliver_webhook(UK_NUMBER, stale=True)] == [400]
    assert [a.status_code for a in fake.deliver_webhook(UK_NUMBER, tamper=True)] == [400]
    delivery = fake.webhook_delivery(UK_NUMBER, "call.completed")
    assert isinstance(delivery, WebhookDelivery)
    assert [a.status_code for a in fake.deliver_webhook(delivery)] == [204]
    assert [a.status_code for a in fake.deliver_webhook(delivery)] == [204]  # once more

    assert seen.refusals == ["stale_timestamp", "wrong_signature"]
    assert [e.call_id for e in seen.events] == [delivery.payload["call_id"]] * 2


def test_a_number_without_a_url_gets_nothing_and_a_dead_url_is_reported(
    receiver: tuple[FakeNixflex, World, Receiver],
) -> None:
    fake, _, _ = receiver
    assert fake.deliver_webhook(UK_NUMBER) == []
    (attempt,) = fake.deliver_webhook(UK_NUMBER, url="http://127.0.0.1:9/", timeout=2)
    assert attempt.status_code is None
    assert attempt.error
    assert not attempt.ok
    with pytest.raises(ValueError, match="no imported number"):
        fake.webhook_delivery("+15550000000")


# --- the docs' receiver, served in a process of its own ------------------------------------------

SERVE = """

from wsgiref.simple_server import WSGIRequestHandler, make_server


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
print("port", server.server_port, flush=True)
server.serve_forever()
"""


@contextmanager
def docs_receiver(
    tmp_path: Path, marker: str, prefix: str = "", suffix: str = SERVE
) -> Iterator[tuple[FakeNixflex, queue.Queue[str]]]:
    """docs/webhooks.md's receiver whose code holds `marker`, as written (between `prefix` and
    `suffix`, which serves it), in a server process of its own, the emulator's number pointed at
    it; the emulator and the lines the process prints after its port."""
    from tests.docs.examples import ROOT, examples

    (block,) = [e for e in examples(ROOT / "docs" / "webhooks.md") if marker in e.source]
    script = tmp_path / "receiver.py"
    script.write_text(prefix + block.source + suffix, encoding="utf-8")
    with build_world("transport") as world:
        world.import_number()
        fake = world.fake
        env = {
            **os.environ,
            "NIXFLEX_API_KEY": world.account.api_key,
            "NIXFLEX_BASE_URL": fake.base_url,
        }
        process = subprocess.Popen(
            [sys.executable, str(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
        try:
            port = int(lines.get(timeout=30).split()[1])
            fake.set_webhook_url(UK_NUMBER, f"http://127.0.0.1:{port}/webhooks/nixflex")
            yield fake, lines
        finally:
            process.terminate()
            process.wait(10)
            process.stdout.close()


def test_the_docs_wsgi_receiver_takes_deliveries_from_the_emulator(tmp_path: Path) -> None:
    """docs/webhooks.md's framework-free receiver, as written, in a server process: a delivery
    is handled once however often it comes; a stale or tampered one is answered 400."""
    with docs_receiver(tmp_path, "def app(environ") as (fake, lines):
        delivery = fake.webhook_delivery(UK_NUMBER, "call.completed", call_id="call_42")
        statuses = [
            *fake.deliver_webhook(delivery),
            *fake.deliver_webhook(delivery),  # redelivered
            *fake.deliver_webhook(UK_NUMBER, stale=True),
            *fake.deliver_webhook(UK_NUMBER, tamper=True),
        ]
        assert [a.status_code for a in statuses] == [204, 204, 400, 400]
        assert lines.get(timeout=10).startswith("handled call_42: ")
        with pytest.raises(queue.Empty):
            lines.get(timeout=0.5)  # the second delivery of call_42 was not handled again


def _read_lines(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


# The frameworks' examples of docs/webhooks.md, as written, in a server process of their own. What
# the page leaves to the reader (the queue the work goes to) is a stand-in that prints.
FLASK_STANDIN = """
class _Task:
    def delay(self, call_id, fields):
        print("handled", call_id, flush=True)


handle_call = _Task()
"""
FASTAPI_STANDIN = """
class _Queue:
    async def enqueue(self, call_id, fields):
        print("handled", call_id, flush=True)


queue = _Queue()
"""
SERVE_ASGI = """

import socket

import uvicorn

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
print("port", listener.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="error")).run(sockets=[listener])
"""


@pytest.mark.parametrize(
    ("framework", "marker", "standin", "serve"),
    [
        ("flask", "from flask import", FLASK_STANDIN, SERVE),
        ("fastapi", "from fastapi import", FASTAPI_STANDIN, SERVE_ASGI),
    ],
)
def test_the_docs_framework_receivers_take_deliveries_from_the_emulator(
    tmp_path: Path, framework: str, marker: str, standin: str, serve: str
) -> None:
    pytest.importorskip(framework)
    with docs_receiver(tmp_path, marker, standin, serve) as (fake, lines):
        delivery = fake.webhook_delivery(UK_NUMBER, "call.completed", call_id="call_7")
        statuses = _delivered_when_listening(fake, delivery)
        statuses += [
            *fake.deliver_webhook(UK_NUMBER, stale=True),
            *fake.deliver_webhook(UK_NUMBER, tamper=True),
        ]
        assert [a.status_code for a in statuses] == [204, 400, 400]
        assert lines.get(timeout=10).strip() == "handled call_7"


def _delivered_when_listening(fake: FakeNixflex, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    """The delivery's attempts, retried while the server process is still starting to listen."""
    attempts: list[WebhookAttempt] = []
    for _ in range(100):
        attempts = list(fake.deliver_webhook(delivery))
        if all(a.status_code is not None for a in attempts):
            return attempts
        time.sleep(0.05)
    return attempts
