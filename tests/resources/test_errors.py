"""How answers that are not a success become typed exceptions, and what those exceptions say."""

from __future__ import annotations

import traceback

import httpx
import pytest
import respx

import nixflex
from nixflex._exceptions import documented_codes
from tests.support import API_KEY, KEY_SECRET, TWILIO_SID, TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

LIST = "/v1/phone-numbers"


async def list_numbers(client: AnyClient) -> object:
    return await run(client.phone_numbers.list())


async def import_number(client: AnyClient) -> object:
    return await run(
        client.phone_numbers.create(
            phone_number="+447446466847",
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id="agent_1",
        )
    )


@pytest.mark.parametrize(
    "body",
    [
        {"error": {"code": "number_already_imported", "message": "Number already attached"}},
        {"error": "number_already_imported", "message": "Number already attached"},
        {"code": "number_already_imported", "message": "Number already attached"},
    ],
    ids=["nested", "flat", "bare"],
)
async def test_the_three_error_shapes_give_the_same_exception(
    client: AnyClient, api: respx.MockRouter, body: dict[str, object]
) -> None:
    api.get(LIST).respond(409, json=body, headers={"x-request-id": "req_123"})
    with pytest.raises(nixflex.NumberAlreadyImportedError) as caught:
        await list_numbers(client)
    error = caught.value
    assert (error.status_code, error.code, error.message, error.request_id) == (
        409,
        "number_already_imported",
        "Number already attached",
        "req_123",
    )
    assert error.body == body
    assert error.response is not None
    assert error.response.status_code == 409
    assert (
        str(error) == "[409 number_already_imported] Number already attached (request_id=req_123)"
    )
    assert repr(error) == (
        "NumberAlreadyImportedError(status_code=409, code='number_already_imported', "
        "message='Number already attached', request_id='req_123')"
    )
    formatted = "".join(traceback.format_exception_only(type(error), error))
    assert formatted.startswith("nixflex._exceptions.NumberAlreadyImportedError: [409 number_")


@pytest.mark.parametrize(("code", "cls"), sorted(documented_codes().items()))
async def test_every_documented_code_has_its_class_whatever_the_status(
    client: AnyClient, api: respx.MockRouter, code: str, cls: type[nixflex.APIStatusError]
) -> None:
    # 418: the code picks the class even when the status is unexpected.
    for status in (400, 418):
        api.get(LIST).respond(status, json={"error": {"code": code, "message": "m"}})
        with pytest.raises(cls) as caught:
            await list_numbers(client)
        assert type(caught.value) is cls
        assert caught.value.code == code


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, nixflex.BadRequestError),
        (401, nixflex.AuthenticationError),
        (402, nixflex.PaymentRequiredError),
        (403, nixflex.PermissionDeniedError),
        (404, nixflex.NotFoundError),
        (409, nixflex.ConflictError),
        (422, nixflex.UnprocessableEntityError),
        (429, nixflex.RateLimitError),
        (500, nixflex.InternalServerError),
        (501, nixflex.InternalServerError),
        (418, nixflex.APIStatusError),
    ],
)
async def test_an_unknown_code_falls_back_to_its_status_class(
    client: AnyClient, api: respx.MockRouter, status: int, cls: type[nixflex.APIStatusError]
) -> None:
    api.get(LIST).respond(status, json={"error": {"code": "brand_new_code", "message": "m"}})
    with pytest.raises(nixflex.APIStatusError) as caught:
        await run(client.with_options(max_retries=0).phone_numbers.list())
    assert type(caught.value) is cls
    assert caught.value.code == "brand_new_code"
    assert caught.value.status_code == status


async def test_a_proxy_html_page_keeps_the_status_class(
    client: AnyClient, api: respx.MockRouter
) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    api.get(LIST).respond(502, text=html, headers={"content-type": "text/html"})
    with pytest.raises(nixflex.InternalServerError) as caught:
        await list_numbers(client)
    error = caught.value
    assert error.code is None
    assert error.message == "the API answered 502 Bad Gateway with a body that is not JSON"
    assert error.body == html
    assert str(error) == "[502] the API answered 502 Bad Gateway with a body that is not JSON"


async def test_json_without_a_message_reads_well(client: AnyClient, api: respx.MockRouter) -> None:
    api.get(LIST).respond(404, json={"error": "number_not_found"})
    with pytest.raises(nixflex.NumberNotFoundError) as caught:
        await list_numbers(client)
    assert caught.value.message == "the API answered 404 Not Found"


async def test_an_error_that_echoes_the_twilio_token_is_masked(
    client: AnyClient, api: respx.MockRouter
) -> None:
    echo = f"Twilio rejected token {TWILIO_TOKEN} for {TWILIO_SID}"
    api.post(LIST).respond(
        401, json={"error": {"code": "twilio_auth_failed", "message": echo, "token": TWILIO_TOKEN}}
    )
    with pytest.raises(nixflex.TwilioAuthFailedError) as caught:
        await import_number(client)
    error = caught.value
    assert error.message == f"Twilio rejected token *** for {TWILIO_SID}"
    assert error.body == {
        "error": {"code": "twilio_auth_failed", "message": error.message, "token": "***"}
    }
    shown = str(error) + repr(error) + repr(error.body) + "".join(traceback.format_exception(error))
    assert TWILIO_TOKEN not in shown
    assert KEY_SECRET not in shown


async def test_an_error_that_echoes_the_key_is_masked(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(LIST).respond(401, json={"error": {"code": "unauthorized", "message": API_KEY}})
    with pytest.raises(nixflex.AuthenticationError) as caught:
        await list_numbers(client)
    assert caught.value.message == "key_test:***"


# --- successes that are not what the API documents -----------------------------------------------


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>maintenance</html>"), "a body that is not JSON"),
        (httpx.Response(200), "an empty body"),
        (httpx.Response(200, json={"phone_numbers": {"oops": 1}}), "expected a JSON array"),
        (httpx.Response(200, json={"phone_numbers": [{"agent_id": "a"}]}), "phone_number"),
        (httpx.Response(200, json=[{"phone_number": 5, "agent_id": "a"}]), "expected str"),
        (
            httpx.Response(
                200, json=[{"phone_number": "+1", "agent_id": "a", "created_at": "yesterday"}]
            ),
            "ISO 8601",
        ),
        (httpx.Response(200, content=b"\xff\xfe"), "not JSON"),
    ],
)
async def test_a_success_body_of_the_wrong_shape_raises_a_typed_error(
    client: AnyClient, api: respx.MockRouter, response: httpx.Response, message: str
) -> None:
    api.get(LIST).mock(return_value=response)
    with pytest.raises(nixflex.APIResponseValidationError, match=message) as caught:
        await list_numbers(client)
    assert caught.value.status_code == 200


async def test_an_unreadable_success_names_the_request_id(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get(LIST).respond(200, text="nope", headers={"x-request-id": "req_9"})
    with pytest.raises(nixflex.APIResponseValidationError) as caught:
        await list_numbers(client)
    assert caught.value.request_id == "req_9"
    assert str(caught.value).endswith("(request_id=req_9)")


# --- connection failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raised", "cls"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), nixflex.APIConnectionError),
        (httpx.ReadError("connection reset"), nixflex.APIConnectionError),
        (httpx.RemoteProtocolError("Server disconnected"), nixflex.APIConnectionError),
        (httpx.ReadTimeout("timed out"), nixflex.APITimeoutError),
        (httpx.ConnectTimeout("timed out"), nixflex.APITimeoutError),
    ],
)
async def test_httpx_errors_never_escape(
    client: AnyClient,
    api: respx.MockRouter,
    raised: Exception,
    cls: type[nixflex.APIConnectionError],
) -> None:
    route = api.get(LIST).mock(side_effect=raised)
    with pytest.raises(cls) as caught:
        await list_numbers(client)
    assert type(caught.value) is cls
    assert caught.value.__cause__ is raised
    assert str(raised) in str(caught.value)
    assert caught.value.request is not None
    assert route.call_count == 3  # the first try and two retries


def test_the_tree_is_the_one_the_spec_draws() -> None:
    tree = {
        nixflex.APIConnectionError: nixflex.NixflexError,
        nixflex.APITimeoutError: nixflex.APIConnectionError,
        nixflex.APIResponseValidationError: nixflex.NixflexError,
        nixflex.APIStatusError: nixflex.NixflexError,
        nixflex.BadRequestError: nixflex.APIStatusError,
        nixflex.AuthenticationError: nixflex.APIStatusError,
        nixflex.PaymentRequiredError: nixflex.APIStatusError,
        nixflex.PermissionDeniedError: nixflex.APIStatusError,
        nixflex.NotFoundError: nixflex.APIStatusError,
        nixflex.ConflictError: nixflex.APIStatusError,
        nixflex.UnprocessableEntityError: nixflex.APIStatusError,
        nixflex.RateLimitError: nixflex.APIStatusError,
        nixflex.InternalServerError: nixflex.APIStatusError,
        nixflex.MissingFieldError: nixflex.BadRequestError,
        nixflex.InvalidPhoneFormatError: nixflex.BadRequestError,
        nixflex.InvalidTwilioSidError: nixflex.BadRequestError,
        nixflex.CustomPromptTooLongError: nixflex.BadRequestError,
        nixflex.VoicemailMessageRequiredError: nixflex.BadRequestError,
        nixflex.EngineOnlyFieldError: nixflex.BadRequestError,
        nixflex.InvalidAPIKeyError: nixflex.AuthenticationError,
        nixflex.KeySecretRequiredError: nixflex.AuthenticationError,
        nixflex.TwilioInvalidCredentialsError: nixflex.AuthenticationError,
        nixflex.TwilioAuthFailedError: nixflex.AuthenticationError,
        nixflex.AgentNotOwnedError: nixflex.PermissionDeniedError,
        nixflex.AgentNotFoundError: nixflex.NotFoundError,
        nixflex.NumberNotInTwilioError: nixflex.NotFoundError,
        nixflex.NumberNotFoundError: nixflex.NotFoundError,
        nixflex.CallerNotFoundError: nixflex.NotFoundError,
        nixflex.NumberAlreadyImportedError: nixflex.ConflictError,
    }
    for cls, parent in tree.items():
        assert cls.__bases__ == (parent,), cls
    assert len(documented_codes()) == 16


async def test_the_sdks_own_frames_hold_no_secret_an_error_tracker_could_record(
    client: AnyClient, api: respx.MockRouter
) -> None:
    # Error trackers (Sentry) record each frame's local variables. The resource method's own
    # `twilio_token` argument is the caller's; the frames below it must hide what they hold.
    api.post(LIST).respond(401, json={"error": {"code": "twilio_auth_failed", "message": "no"}})
    with pytest.raises(nixflex.TwilioAuthFailedError) as caught:
        await import_number(client)
    frames = traceback.TracebackException.from_exception(caught.value, capture_locals=True)
    inner = [
        frame
        for frame in frames.stack
        if "nixflex" in frame.filename and "/resources/" not in frame.filename
    ]
    assert {frame.name for frame in inner} >= {"exchange", "finish"}
    for frame in inner:
        shown = repr(frame.locals)
        assert TWILIO_TOKEN not in shown, frame.name
        assert KEY_SECRET not in shown, frame.name
