"""The request pipeline on its own: a `WireRequest` in, pauses and an `Outcome` out, no HTTP."""

from __future__ import annotations

import json
import threading
from contextlib import closing

import pytest

from nixflex.testing._faults import Fault, FaultQueue
from nixflex.testing._pipeline import Pipeline
from nixflex.testing._state import State
from nixflex.testing._wire import Exchange, WireRequest

API_KEY = "key_a:sk_secret_a"


class Emulator:
    """A pipeline over fresh state with one account, and the lock and faults it shares."""

    def __init__(self, *, latency: float = 0.0) -> None:
        self.state = State(seed=1, clock=None)
        self.state.add_account("a", API_KEY, "acct_a")
        self.lock = threading.Lock()
        self.faults = FaultQueue()
        self.pipeline = Pipeline(self.state, self.lock, self.faults, latency=latency)

    def send(self, method: str, target: str, body: object = None) -> Exchange:
        raw = b"" if body is None else json.dumps(body).encode()
        headers = [("Authorization", f"Bearer {API_KEY}")]
        return self.pipeline(WireRequest.from_target(method, target, headers, raw))


def test_a_request_without_faults_is_answered_without_a_pause() -> None:
    emulator = Emulator()
    with closing(emulator.send("GET", "/v1/numbers")) as exchange:
        assert list(exchange) == []
    response = exchange.outcome.response
    assert response is not None
    assert (response.status, response.json()) == (200, {"data": [], "hasMore": False, "total": 0})


def test_latency_and_a_delay_are_one_pause_before_processing_with_the_lock_free() -> None:
    emulator = Emulator(latency=0.5)
    emulator.faults.add(Fault("delay", 1, None, after_processing=False, seconds=2.0))
    with closing(emulator.send("POST", "/v1/numbers", {"country": "GB"})) as exchange:
        pauses = iter(exchange)
        assert next(pauses) == 2.5
        assert emulator.lock.acquire(blocking=False)  # nobody sleeps holding the lock
        emulator.lock.release()
        assert emulator.state.numbers == {}
        assert list(pauses) == []
    response = exchange.outcome.response
    assert response is not None
    assert response.status == 201
    assert len(emulator.state.numbers) == 1
    assert emulator.state.requests[-1].faults == ("delay",)


def test_a_delay_after_processing_pauses_once_the_work_is_done() -> None:
    emulator = Emulator()
    emulator.faults.add(Fault("delay", 1, None, after_processing=True, seconds=3.0))
    with closing(emulator.send("POST", "/v1/numbers")) as exchange:
        pauses = iter(exchange)
        assert next(pauses) == 3.0
        assert len(emulator.state.numbers) == 1
        assert emulator.state.requests[-1].status == 201
        assert list(pauses) == []
    assert exchange.outcome.response is not None


def test_a_drop_gives_a_dropped_outcome_and_changes_nothing() -> None:
    emulator = Emulator()
    emulator.faults.add(Fault("drop", 1, None, after_processing=False))
    with closing(emulator.send("POST", "/v1/numbers")) as exchange:
        assert list(exchange) == []
    assert exchange.outcome.dropped
    assert emulator.state.numbers == {}
    recorded = emulator.state.requests[-1]
    assert (recorded.status, recorded.processed, recorded.faults) == (None, False, ("drop",))
    assert recorded.dropped


def test_the_recorded_request_keeps_no_secret() -> None:
    emulator = Emulator()
    body = {"phone_number": "+447700900123", "twilioToken": "tw_secret", "agent_id": "agent_x"}
    with closing(emulator.send("POST", "/v1/phone-numbers?dry=1", body)) as exchange:
        list(exchange)
    recorded = emulator.state.requests[-1]
    assert recorded.headers["authorization"] == "Bearer key_a:<redacted>"
    assert recorded.key_id == "key_a"
    assert recorded.json == {**body, "twilioToken": "<redacted>"}
    assert (recorded.status, recorded.error_code) == (400, "missing_field")
    assert recorded.query == {"dry": "1"}
    assert "sk_secret_a" not in repr(recorded)
    assert "tw_secret" not in repr(recorded)


def test_an_exchange_left_during_a_pause_is_closed_and_never_processed() -> None:
    emulator = Emulator(latency=1.0)
    with closing(emulator.send("POST", "/v1/numbers")) as exchange:
        for _ in exchange:
            break  # as the server does when it closes mid-pause
    with pytest.raises(RuntimeError, match="to the end"):
        exchange.outcome  # noqa: B018
    assert emulator.state.numbers == {}
    assert emulator.state.requests == []
