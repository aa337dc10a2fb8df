"""The life of a call (`_core.exchange`), stepped by hand: no client, no network, no clock.

The generator yields `Send(request)` and `Sleep(seconds)`; a driver answers `Send` with the
`httpx.Response` or the httpx exception the send gave, and `Sleep` with `None`. These tests play
the driver, the way httpx's docs teach `Auth.auth_flow`.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

import nixflex
import nixflex._pacing
from nixflex._core import Call, Flow, Hidden, Send, Sleep, exchange, parse_list
from nixflex._pacing import Pause
from nixflex.models import PhoneNumber

URL = "https://api.nixflex.com/v1/phone-numbers"
LISTED = {"phone_numbers": [{"phone_number": "+447446466847", "agent_id": "agent_1"}]}


def start(
    method: str = "GET", *, max_retries: int = 2, pause: Pause | None = None
) -> tuple[httpx.Request, Flow[list[PhoneNumber]]]:
    call = Call(method, "/v1/phone-numbers", parse_list(PhoneNumber, "phone_numbers"))
    request = httpx.Request(method, URL)
    flow = exchange(
        call, request, max_retries=max_retries, secrets=Hidden(()), pause=pause or Pause()
    )
    return request, flow


def answer(status: int, request: httpx.Request, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, request=request, **kwargs)


def test_a_success_is_one_send_and_the_parsed_result() -> None:
    request, flow = start()
    assert next(flow) == Send(request)
    with pytest.raises(StopIteration) as done:
        flow.send(answer(200, request, json=LISTED))
    [number] = done.value.value
    assert number.phone_number == "+447446466847"


def test_a_503_is_a_sleep_then_the_same_request_again() -> None:
    request, flow = start()
    next(flow)
    step = flow.send(answer(503, request))
    assert isinstance(step, Sleep)
    assert 0.375 <= step.seconds <= 0.5
    assert flow.send(None) == Send(request)
    with pytest.raises(StopIteration):
        flow.send(answer(200, request, json=LISTED))


def test_a_post_that_may_have_landed_ends_the_flow_with_its_error() -> None:
    request, flow = start("POST")
    next(flow)
    with pytest.raises(nixflex.APITimeoutError):
        flow.send(httpx.ReadTimeout("answer lost", request=request))


class Clock:
    """The pause's clock, standing still unless the test moves it."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return 1_800_000_000.0 + self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(nixflex._pacing, "time", fake)
    return fake


def test_a_429_pauses_the_client_and_the_flow_waits_it_out_before_sending(clock: Clock) -> None:
    pause = Pause()
    request, flow = start(pause=pause)
    next(flow)
    step = flow.send(answer(429, request, headers={"Retry-After": "2"}))
    # The wait is the client's: another call started now would wait it out too.
    assert step == Sleep(2.0)
    assert pause.remaining() == 2.0
    clock.now += 2
    assert flow.send(None) == Send(request)


def test_a_pause_already_running_comes_before_the_first_send(clock: Clock) -> None:
    pause = Pause()
    pause.extend(5)
    request, flow = start(pause=pause)
    assert next(flow) == Sleep(5.0)
    clock.now += 5
    assert flow.send(None) == Send(request)


def test_the_last_retry_ends_in_the_last_answers_error() -> None:
    request, flow = start(max_retries=1)
    next(flow)
    assert isinstance(flow.send(answer(503, request)), Sleep)
    flow.send(None)
    with pytest.raises(nixflex.InternalServerError):
        flow.send(answer(502, request))


def test_a_driver_that_sends_nothing_back_for_a_send_is_told() -> None:
    _, flow = start()
    next(flow)
    with pytest.raises(TypeError, match="driver"):
        flow.send(None)


def test_a_closed_flow_takes_no_more_steps() -> None:
    # What both drivers do in `finally`: a cancelled call leaves a closed flow behind.
    request, flow = start()
    next(flow)
    flow.close()
    flow.close()  # closing twice is harmless
    with pytest.raises(StopIteration):
        flow.send(answer(200, request, json=LISTED))
