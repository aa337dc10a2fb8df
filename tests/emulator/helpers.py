"""Shared set-up for the emulator's tests: a seeded world, reachable in memory or over loopback."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import nixflex.testing
from nixflex.testing import Account, FakeNixflex, FakeServer, TwilioAccount

WAYS = ("transport", "server")

# Loading the CA bundle costs ~20 ms per client; loopback is plain HTTP, so share one context.
PLAIN_HTTP = ssl.create_default_context()

UK_NUMBER = "+447446466847"
UK_NUMBER_2 = "+447446466848"
US_NUMBER = "+15005550006"
OTHER_TWILIO_NUMBER = "+447700900999"
UNKNOWN_SID = "AC" + "0" * 32


@dataclass
class World:
    """A seeded emulator and authenticated raw httpx clients for its two accounts."""

    fake: FakeNixflex
    way: str
    account: Account
    other: Account
    agent_id: str
    other_agent_id: str
    twilio: TwilioAccount
    other_twilio: TwilioAccount
    http: httpx.Client
    other_http: httpx.Client
    _stack: contextlib.ExitStack = field(repr=False)
    _server: FakeServer | None = field(default=None, repr=False)

    def connect(self, headers: dict[str, str] | None = None) -> httpx.Client:
        """A raw client with these headers, closed with the world."""
        return _open(self.fake, self._server, self._stack, headers)

    def as_key(self, api_key: str) -> httpx.Client:
        return self.connect(bearer(api_key))

    def import_body(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "phone_number": UK_NUMBER,
            "twilio_sid": self.twilio.sid,
            "twilio_token": self.twilio.token,
            "agent_id": self.agent_id,
        }
        body.update(overrides)
        return {name: value for name, value in body.items() if value is not _OMIT}

    def import_number(self, phone_number: str = UK_NUMBER, **overrides: Any) -> httpx.Response:
        response = self.http.post(
            "/v1/phone-numbers", json=self.import_body(phone_number=phone_number, **overrides)
        )
        assert response.status_code == 201, response.text
        return response


_OMIT: Any = object()
OMIT: Any = _OMIT  # an import_body() override that leaves the field out


@contextlib.contextmanager
def build_world(way: str, fake: FakeNixflex | None = None) -> Iterator[World]:
    fake = fake or FakeNixflex(seed=7)
    account = fake.add_account(name="reseller")
    other = fake.add_account(name="someone else")
    agent_id = fake.add_agent(account)
    other_agent_id = fake.add_agent(other)
    twilio = fake.add_twilio_account(numbers=[UK_NUMBER, UK_NUMBER_2, US_NUMBER])
    other_twilio = fake.add_twilio_account(numbers=[OTHER_TWILIO_NUMBER])
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(fake.serve()) if way == "server" else None
        yield World(
            fake,
            way,
            account,
            other,
            agent_id,
            other_agent_id,
            twilio,
            other_twilio,
            http=_open(fake, server, stack, bearer(account.api_key)),
            other_http=_open(fake, server, stack, bearer(other.api_key)),
            _stack=stack,
            _server=server,
        )


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def _open(
    fake: FakeNixflex,
    server: FakeServer | None,
    stack: contextlib.ExitStack,
    headers: dict[str, str] | None,
) -> httpx.Client:
    if server is not None:
        client = httpx.Client(base_url=server.url, headers=headers, verify=PLAIN_HTTP)
    else:
        client = httpx.Client(transport=fake.transport(), base_url=fake.base_url, headers=headers)
    return stack.enter_context(client)


# `error.type` by status, as the emulator's docstring lists it.
ERROR_TYPES = {
    400: "invalid_request",
    401: "authentication_error",
    402: "payment_error",
    403: "permission_error",
    404: "not_found",
    405: "invalid_request",
    408: "invalid_request",
    409: "conflict",
    418: "invalid_request",
    422: "invalid_request",
    429: "rate_limit_error",
    500: "server_error",
    502: "provider_error",
    503: "server_error",
    504: "server_error",
}
DOC_URL = "https://docs.nixflex.com/api-reference/errors#"
REQUEST_ID = re.compile(r"req_[0-9a-f]+")


def error(response: httpx.Response) -> dict[str, Any]:
    """The answer's `error` object, checked to be the API's full envelope."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"type", "code", "message", "doc_url", "details"}, body
    assert error["type"] == ERROR_TYPES[response.status_code], body
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["doc_url"] == DOC_URL + error["code"], body
    assert error["details"] is None or isinstance(error["details"], (dict, list)), body
    assert REQUEST_ID.fullmatch(response.headers["x-railway-request-id"])
    assert "x-request-id" not in response.headers
    assert isinstance(error, dict)
    return error


def error_code(response: httpx.Response) -> str:
    """The answer's `error.code`, after checking the envelope (see `error`)."""
    code = error(response)["code"]
    assert isinstance(code, str)
    return code


def details(response: httpx.Response) -> Any:
    """The answer's `error.details`."""
    return error(response)["details"]


@contextmanager
def serving(cwd: Path | None, *args: str) -> Iterator[str]:
    """`python -m nixflex.testing --port 0 ARGS` run in `cwd` (None: this one), in a process of
    its own; yields what it printed up to `Press Ctrl-C`, and stops it afterwards."""
    src = Path(nixflex.testing.__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "nixflex.testing", "--port", "0", *args]
    with subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as process:
        assert process.stdout is not None
        stdout = process.stdout
        lines: queue.Queue[str] = queue.Queue()

        def read_lines() -> None:
            for line in stdout:
                lines.put(line)

        reader = threading.Thread(target=read_lines)
        reader.start()
        try:
            output = ""
            while "Press Ctrl-C" not in output:
                output += lines.get(timeout=10)
            yield output
        finally:
            process.terminate()
            process.wait(timeout=10)
            reader.join(10)
    assert process.returncode == 0
