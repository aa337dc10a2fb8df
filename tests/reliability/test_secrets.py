"""Canary secrets never leak: not in logs, errors, tracebacks, reprs, nor anywhere on the wire.

The canaries are the key secret and the Twilio token of `tests/support.py`. Every scenario runs a
call over the loopback server on both clients while a handler records every log record of the
`nixflex`, `httpx` and `httpcore` loggers at DEBUG; the servers answer with bodies that echo the
canaries back, as a careless API or proxy might. Then no canary may appear in:

- a log record: its message, its `args`, its formatted `exc_info`, any of its attributes;
- the exception: `str()`, `repr()`, `.message`, `.body`, `vars()`, `traceback.format_exception`
  (chained causes included), and the local variables of nixflex's own frames (what an error
  tracker such as Sentry records);
- the client: `repr()`, `str()`, `repr(vars(client))`, of it and its `with_options` copies;
- the request: the key secret travels only in `Authorization`, the token only in the body.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import nixflex
from tests.loopback import Fault, LoopbackServer, Recorded, Reply
from tests.reliability.calls import ENDPOINTS, PHONE_JSON, captured_records, patch_sleeps
from tests.support import API_KEY, KEY_ID, KEY_SECRET, TWILIO_TOKEN, AnyClient, open_client

pytestmark = [pytest.mark.reliability, pytest.mark.anyio]

CANARIES = {"key secret": KEY_SECRET, "Twilio token": TWILIO_TOKEN}
ECHO = f"rejected token {TWILIO_TOKEN} for key {API_KEY}"
# A call that sends no Twilio token can only mask the key: the SDK never saw the token.
ECHO_KEY = f"rejected key {API_KEY}"
TIMEOUT = httpx.Timeout(2.0, read=0.1)


def assert_clean(text: str, where: str) -> None:
    for name, canary in CANARIES.items():
        assert canary not in text, f"the {name} shows in {where}"


def shown_by_record(record: logging.LogRecord) -> str:
    """Everything a log handler could write for `record`."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(
        [record.getMessage(), repr(record.args), formatter.format(record), repr(vars(record))]
    )


def shown_by_error(error: BaseException) -> str:
    """Everything a program could show for `error`."""
    parts = [str(error), repr(error), repr(vars(error)), *traceback.format_exception(error)]
    for attribute in ("message", "body"):
        parts.append(repr(getattr(error, attribute, None)))
    return "\n".join(parts)


def held_by_frames(error: BaseException) -> str:
    """The local variables of nixflex's frames in `error`'s traceback, as an error tracker
    (Sentry) records them.

    The resource methods' and `Client.__init__`'s frames are left out: they hold the caller's
    own arguments (the token it passed). httpx's and httpcore's frames hold the request,
    Authorization header and all, out of nixflex's hands (as `tests/resources/test_errors.py` says).
    """
    parts = []
    for frame, _ in traceback.walk_tb(error.__traceback__):
        path = Path(frame.f_code.co_filename).parts
        caller_owned = "resources" in path or frame.f_code in CALLER_FRAMES
        if "nixflex" not in path or caller_owned:
            continue
        for name, value in list(frame.f_locals.items()):
            try:
                shown = repr(value)
            except Exception:  # a half-built object (`self` inside __init__)
                shown = object.__repr__(value)
            parts.append(f"{frame.f_code.co_name}: {name} = {shown}")
    return "\n".join(parts)


CALLER_FRAMES = {nixflex.Client.__init__.__code__, nixflex.AsyncClient.__init__.__code__}


def shown_by_client(client: AnyClient) -> str:
    copy = client.with_options(timeout=5.0, max_retries=0)
    return "\n".join([repr(client), str(client), repr(vars(client)), repr(copy), repr(vars(copy))])


def assert_wire_clean(request: Recorded) -> None:
    """The key secret only in `Authorization`, the token only as the body's `twilio_token`."""
    assert KEY_SECRET not in request.target
    for name, value in request.headers:
        if name.lower() != "authorization":
            assert_clean(value, f"the {name} header")
    assert request.header("Authorization") == f"Bearer {API_KEY}"
    assert KEY_SECRET.encode() not in request.body
    if TWILIO_TOKEN.encode() in request.body:
        body = request.json()
        assert body["twilio_token"] == TWILIO_TOKEN
        assert_clean(repr({k: v for k, v in body.items() if k != "twilio_token"}), "the body")


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    with captured_records("nixflex", "httpx", "httpcore") as captured:
        yield captured


# What the server answers, the call it answers, and what the call ends in (None: success).
SCENARIOS: dict[str, tuple[str, list[Reply], type[nixflex.NixflexError] | None]] = {
    "import-succeeds": ("phone_numbers.create", [ENDPOINTS["phone_numbers.create"].success], None),
    "401-nested-error-echoes": (
        "phone_numbers.create",
        [Reply.json({"error": {"code": "twilio_auth_failed", "message": ECHO}}, 401)],
        nixflex.TwilioAuthFailedError,
    ),
    "401-flat-error-echoes": (
        "phone_numbers.create",
        [Reply.json({"error": "twilio_invalid_credentials", "message": ECHO}, 401)],
        nixflex.TwilioInvalidCredentialsError,
    ),
    "404-echoes-the-request": (
        "phone_numbers.create",
        [
            Reply.json(
                {
                    "code": "number_not_in_twilio",
                    "message": ECHO,
                    "request": {"twilio_token": TWILIO_TOKEN, "auth": [API_KEY]},
                },
                404,
            )
        ],
        nixflex.NumberNotInTwilioError,
    ),
    "400-html-page-echoes": (
        "phone_numbers.create",
        [Reply.text(f"<html><body><pre>{ECHO}</pre></body></html>", 400)],
        nixflex.BadRequestError,
    ),
    "500-echoes": (
        "phone_numbers.create",
        [Reply.json({"error": {"code": "internal", "message": ECHO}}, 500)],
        nixflex.InternalServerError,
    ),
    "200-wrong-shape-echoes": (
        "phone_numbers.create",
        [Reply.json({"phone_number": {**PHONE_JSON, "created_at": TWILIO_TOKEN}}, 201)],
        nixflex.APIResponseValidationError,
    ),
    "200-field-of-wrong-type-echoes": (
        "phone_numbers.create",
        [Reply.json({"phone_number": {**PHONE_JSON, "agent_id": [TWILIO_TOKEN, API_KEY]}}, 201)],
        nixflex.APIResponseValidationError,
    ),
    "201-not-json-echoes": (
        "phone_numbers.create",
        [Reply.text(f"imported: {ECHO}", 201, "text/plain")],
        nixflex.APIResponseValidationError,
    ),
    "truncated-echo": (
        "phone_numbers.create",
        [Reply.truncated({"message": ECHO, "pad": "x" * 200}, 201)],
        nixflex.APIConnectionError,
    ),
    "stall": ("phone_numbers.create", [Reply.stall()], nixflex.APITimeoutError),
    "close": ("phone_numbers.create", [Reply.close()], nixflex.APIConnectionError),
    "reset": ("phone_numbers.create", [Reply.reset()], nixflex.APIConnectionError),
    "429-echoes-then-succeeds": (
        "phone_numbers.create",
        [
            Reply.json({"error": "rate_limited", "message": ECHO}, 429, {"Retry-After": "0"}),
            ENDPOINTS["phone_numbers.create"].success,
        ],
        None,
    ),
    "429-beyond-the-cap-echoes": (
        "phone_numbers.create",
        [Reply.json({"error": "rate_limited", "message": ECHO}, 429, {"Retry-After": "600"})],
        nixflex.RateLimitError,
    ),
    "redirect": (
        "phone_numbers.create",
        [Reply.redirect("http://127.0.0.1:9/steal", 307)],
        nixflex.APIStatusError,
    ),
    "update-503-echoes-the-key-thrice": (
        "phone_numbers.update",
        [Reply.json({"error": {"code": "unavailable", "message": ECHO_KEY}}, 503)] * 3,
        nixflex.InternalServerError,
    ),
    "list-403-echoes-the-key": (
        "phone_numbers.list",
        [Reply.json({"error": "forbidden", "message": f"key {API_KEY} may not"}, 403)],
        nixflex.PermissionDeniedError,
    ),
    "messages-400-echoes-the-key": (
        "numbers.messages.list",
        [Reply.text(f"bad key {KEY_SECRET}", 400, "text/plain")],
        nixflex.BadRequestError,
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_no_canary_leaks_from_a_call_whatever_the_server_answers(
    loopback: LoopbackServer,
    client_kind: str,
    records: list[logging.LogRecord],
    sleeps: list[float],
    scenario: str,
) -> None:
    endpoint, replies, expected = SCENARIOS[scenario]
    loopback.script(*replies)
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        if expected is None:
            await ENDPOINTS[endpoint].invoke(client)
        else:
            with pytest.raises(expected) as caught:
                await ENDPOINTS[endpoint].invoke(client)
            assert_clean(shown_by_error(caught.value), "the error")
        assert_clean(shown_by_client(client), "the client")

    assert len(loopback.requests) == len(replies)
    for request in loopback.requests:
        assert_wire_clean(request)
    # Each logger did speak, so the checks below are not vacuous (httpx logs answers only:
    # a status line and headers).
    names = {record.name for record in records}
    assert "nixflex" in names
    assert any(name.startswith("httpcore.") for name in names)
    silent = (Fault.STALL, Fault.CLOSE, Fault.RESET)
    assert ("httpx" in names) == any(reply.fault not in silent for reply in replies)
    for record in records:
        assert_clean(shown_by_record(record), f"a {record.name} log record")


@pytest.mark.parametrize(
    "scenario",
    [name for name, (_, _, expected) in SCENARIOS.items() if expected is not None],
)
async def test_nixflex_frames_hold_no_canary_an_error_tracker_could_record(
    loopback: LoopbackServer, client_kind: str, sleeps: list[float], scenario: str
) -> None:
    endpoint, replies, expected = SCENARIOS[scenario]
    assert expected is not None
    loopback.script(*replies)
    async with open_client(client_kind, loopback.url, timeout=TIMEOUT) as client:
        with pytest.raises(expected) as caught:
            await ENDPOINTS[endpoint].invoke(client)
    held = held_by_frames(caught.value)
    assert (
        "finish" in held
        or "connection_error" in held
        or isinstance(caught.value, nixflex.APIConnectionError)
    )
    assert_clean(held, "the local variables of nixflex's frames")


async def test_no_canary_leaks_when_the_connection_is_refused(
    client_kind: str, monkeypatch: pytest.MonkeyPatch, records: list[logging.LogRecord]
) -> None:
    patch_sleeps(monkeypatch)
    with LoopbackServer(listening=False) as server:
        async with open_client(client_kind, server.url) as client:
            with pytest.raises(nixflex.APIConnectionError) as caught:
                await ENDPOINTS["phone_numbers.create"].invoke(client)
    assert_clean(shown_by_error(caught.value), "the error")
    attempts = [r for r in records if r.name == "nixflex" and "ConnectError" in r.getMessage()]
    assert len(attempts) == 3
    for record in records:
        assert_clean(shown_by_record(record), f"a {record.name} log record")


@pytest.mark.parametrize("how", ["api_key", "key_id+key_secret"])
async def test_a_client_shows_its_key_id_and_never_its_secret(
    loopback: LoopbackServer, client_kind: str, how: str
) -> None:
    options = (
        {"api_key": API_KEY} if how == "api_key" else {"key_id": KEY_ID, "key_secret": KEY_SECRET}
    )
    loopback.script(ENDPOINTS["phone_numbers.list"].success)
    async with open_client(client_kind, loopback.url, **options) as client:
        await ENDPOINTS["phone_numbers.list"].invoke(client)  # resources are cached on it now
        shown = shown_by_client(client)
        assert KEY_ID in repr(client)
    assert_clean(shown, "the client")
    assert_clean(repr(client), "the closed client")
    assert loopback.requests[0].header("Authorization") == f"Bearer {API_KEY}"


# --- a key with a stray newline: refused before anything is sent, named, never shown -------------


STRAYS = {
    "newline": "\n",
    "crlf": "\r\n",
    "space": " ",
    "tab": "\t",
    "nbsp": "\u00a0",
    "del": "\x7f",
}
SOURCES = ["api_key", "key_secret", "NIXFLEX_API_KEY", "NIXFLEX_KEY_SECRET"]


@pytest.mark.parametrize(
    ("source", "stray"), [(source, stray) for source in SOURCES for stray in STRAYS]
)
async def test_a_key_with_a_stray_newline_is_refused_by_name_not_by_value(
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    records: list[logging.LogRecord],
    source: str,
    stray: str,
) -> None:
    for name in ("NIXFLEX_API_KEY", "NIXFLEX_KEY_ID", "NIXFLEX_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    # With no key argument the client reads the environment (`open_client` passes the canary key
    # only when given none of its own: `api_key=None` is one).
    options: dict[str, str | None] = {"api_key": None}
    junk = STRAYS[stray]
    if source == "api_key":
        options = {"api_key": API_KEY + junk}
    elif source == "key_secret":
        options = {"key_id": KEY_ID, "key_secret": KEY_SECRET + junk}
    elif source == "NIXFLEX_API_KEY":
        monkeypatch.setenv("NIXFLEX_API_KEY", API_KEY + junk)
    else:
        monkeypatch.setenv("NIXFLEX_KEY_ID", KEY_ID)
        monkeypatch.setenv("NIXFLEX_KEY_SECRET", KEY_SECRET + junk)

    for kind in ("sync", "async"):
        with pytest.raises(nixflex.NixflexError) as caught:
            async with open_client(kind, loopback.url, **options) as client:
                await ENDPOINTS["phone_numbers.list"].invoke(client)

        assert type(caught.value) is nixflex.NixflexError
        assert source in str(caught.value)
        assert_clean(shown_by_error(caught.value), "the error")
    assert loopback.requests == []
    for record in records:
        assert_clean(shown_by_record(record), f"a {record.name} log record")


# --- bugs this suite found, fixed: request ids and refused keys -------------------------------


async def test_a_request_id_that_echoes_the_token_is_masked(
    loopback: LoopbackServer, client_kind: str
) -> None:
    loopback.script(
        Reply.json(
            {"error": {"code": "twilio_auth_failed", "message": "no"}},
            401,
            {"x-request-id": f"req_{TWILIO_TOKEN}"},
        )
    )
    async with open_client(client_kind, loopback.url) as client:
        with pytest.raises(nixflex.TwilioAuthFailedError) as caught:
            await ENDPOINTS["phone_numbers.create"].invoke(client)
    assert_clean(str(caught.value) + repr(caught.value), "the error")


@pytest.mark.parametrize("variable", ["NIXFLEX_API_KEY", "NIXFLEX_KEY_SECRET"])
def test_a_refused_key_from_the_environment_stays_in_no_frame(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.delenv("NIXFLEX_API_KEY", raising=False)
    monkeypatch.setenv("NIXFLEX_KEY_ID", KEY_ID)
    monkeypatch.setenv(variable, (API_KEY if variable == "NIXFLEX_API_KEY" else KEY_SECRET) + "\n")
    with pytest.raises(nixflex.NixflexError) as caught:
        nixflex.Client()
    assert_clean(held_by_frames(caught.value), "the local variables of nixflex's frames")
