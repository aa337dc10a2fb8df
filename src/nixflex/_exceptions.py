"""Every error nixflex raises, and the table that picks a class for an API error.

```
NixflexError
├── APIConnectionError            could not reach the API, or the connection broke
│   └── APITimeoutError
├── APIResponseValidationError    a 2xx answer whose body is not what the API documents
├── WebhookVerificationError      a webhook delivery whose signature is missing, wrong or stale
└── APIStatusError                .status_code .code .type .message .doc_url .details
    │                             .request_id .retry_after .rate_limit .response .body
    ├── BadRequestError (400)         MissingFieldError InvalidPhoneFormatError
    │                                 InvalidTwilioSidError CustomPromptTooLongError
    │                                 VoicemailMessageRequiredError EngineOnlyFieldError
    ├── AuthenticationError (401)     InvalidAPIKeyError KeySecretRequiredError
    │                                 TwilioInvalidCredentialsError TwilioAuthFailedError
    ├── PaymentRequiredError (402)
    ├── PermissionDeniedError (403)   AgentNotOwnedError
    ├── NotFoundError (404)           AgentNotFoundError NumberNotInTwilioError
    │                                 NumberNotFoundError CallerNotFoundError
    ├── ConflictError (409)           NumberAlreadyImportedError
    ├── UnprocessableEntityError (422)
    ├── RateLimitError (429)
    └── InternalServerError (>= 500)
```

A documented error code picks its class whatever status it arrives with; an unknown code falls
back to its status's class (`.code` is still set), and an unknown status to `APIStatusError`.
The numbers endpoints answer in another house style (`PHONE_NUMBER_NOT_FOUND`,
`INSUFFICIENT_BALANCE`: UPPER_SNAKE codes, `details` a list of per-field problems): those codes
keep their status's class. Branch on `.code`, never on `.message` (the API rewords messages).
Catch the narrowest class you can act on: `except nixflex.NumberAlreadyImportedError` to skip a
number that is already attached, `except nixflex.RateLimitError` to slow down, `except
nixflex.APIConnectionError` to try again later.

Every error pickles (a Celery result, a `ProcessPoolExecutor` worker) to the same class with the
same public attributes, and without the httpx objects: the request and the response hold the key
in their headers and the Twilio token in their body, so `.request` and `.response` are `None` on
an unpickled error, and the chained httpx error (`__cause__`) is not carried either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ._pacing import RateLimit

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentNotFoundError",
    "AgentNotOwnedError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CallerNotFoundError",
    "CustomPromptTooLongError",
    "EngineOnlyFieldError",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidPhoneFormatError",
    "InvalidTwilioSidError",
    "KeySecretRequiredError",
    "MissingFieldError",
    "NixflexError",
    "NotFoundError",
    "NumberAlreadyImportedError",
    "NumberNotFoundError",
    "NumberNotInTwilioError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "RateLimitError",
    "TwilioAuthFailedError",
    "TwilioInvalidCredentialsError",
    "UnprocessableEntityError",
    "VoicemailMessageRequiredError",
    "WebhookVerificationError",
]


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The API's id for a request: `x-request-id`, else `x-railway-request-id` (what the API's
    edge sets today); `None` if neither is there."""
    return headers.get("x-request-id") or headers.get("x-railway-request-id")


# Never pickled: they hold the key (headers) and any token sent (the request's body).
_NOT_PICKLED = frozenset({"request", "response"})


class NixflexError(Exception):
    """The base of every error nixflex raises: `except nixflex.NixflexError` catches them all."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from plain values, not by calling the class (whose keyword-only arguments
        # pickle's default cannot pass): the same class, its message and public attributes.
        state = {key: value for key, value in vars(self).items() if key not in _NOT_PICKLED}
        return (_rebuild, (type(self), self.args, state))


def _rebuild(cls: type[NixflexError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)  # an exception group needs its arguments here already
    error.args = args
    for name in _NOT_PICKLED:
        state.setdefault(name, None)
    error.__dict__.update(state)
    return error


class APIConnectionError(NixflexError):
    """The API could not be reached, or the connection broke before an answer arrived.

    Raised after the retries `max_retries` allows, or at once for a `POST` (an import, a
    purchase) that may have reached the API: it may have been processed, so look (list your
    numbers) before you send it again. `request` is the `httpx.Request` that failed
    (its headers hold your key: do not log it; `None` on an unpickled error); the httpx error is
    chained as `__cause__`.
    """

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request


class APITimeoutError(APIConnectionError):
    """The API did not answer within the timeout (see `timeout=` on the client)."""


class APIResponseValidationError(NixflexError):
    """The API answered with success, but its body is not what the API documents.

    A body that is not JSON (a proxy's page, a truncated answer) or JSON of the wrong shape.
    `response` is the `httpx.Response` (`None` on an unpickled error); `status_code` and
    `request_id` are copied from it.
    """

    def __init__(self, message: str, *, response: httpx.Response, body: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.response: httpx.Response | None = response
        self.body = body
        self.status_code: int = response.status_code
        self.request_id: str | None = request_id_of(response.headers)

    def __str__(self) -> str:
        suffix = f" (request_id={self.request_id})" if self.request_id else ""
        return f"[{self.status_code}] {self.message}{suffix}"


class WebhookVerificationError(NixflexError):
    """A webhook delivery that cannot be shown to come from Nixflex: refuse it (answer 400).

    Raised by `nixflex.webhooks.verify` and `unwrap`. `reason` says which check failed, one of
    `"missing_header"`, `"malformed_header"`, `"wrong_signature"`, `"stale_timestamp"` and
    `"invalid_body"` (signed, but not a JSON object); the message says it in words. Neither
    ever holds the key secret or the signature.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


class APIStatusError(NixflexError):
    """The API answered with an error status (after any retries).

    Attributes:
        status_code: the HTTP status, e.g. `409`.
        code: the API's machine code, e.g. `"number_already_imported"`, or `None`. Branch on
            this, never on `message`.
        type: the API's error family, e.g. `"invalid_request"`, `"authentication_error"`,
            `"rate_limit_error"`, `"provider_error"` (a carrier or speech provider failed), or
            `None` when the answer did not say.
        message: the API's human message (secrets you sent are masked).
        doc_url: the API's documentation of this code (its errors page, at the code's anchor),
            or `None`.
        details: context as the API sent it (which field, what was expected; for a 429
            `{"retry_after": seconds}`; on the numbers endpoints a list of per-field problems),
            masked; `None` when absent.
        request_id: the `x-request-id` header, else `x-railway-request-id`; quote it when you
            contact support.
        retry_after: seconds the API asked you to wait (`Retry-After`, else
            `details.retry_after`), or `None`.
        rate_limit: the key's `RateLimit` as this answer reported it (`X-RateLimit-*`), or
            `None`.
        response: the `httpx.Response`; `None` on an error that was pickled and unpickled.
        body: the decoded JSON body (secrets masked), or the text of a non-JSON body.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object = None,
        code: str | None = None,
        retry_after: float | None = None,
        type: str | None = None,
        doc_url: str | None = None,
        details: object = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.response: httpx.Response | None = response
        self.body = body
        self.code = code
        self.type = type
        self.doc_url = doc_url
        self.details = details
        self.retry_after = retry_after
        self.rate_limit = rate_limit
        self.status_code: int = response.status_code
        self.request_id: str | None = request_id_of(response.headers)

    def __str__(self) -> str:
        label = f"{self.status_code} {self.code}" if self.code else str(self.status_code)
        suffix = f" (request_id={self.request_id})" if self.request_id else ""
        return f"[{label}] {self.message}{suffix}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIStatusError):
    """400: the request was malformed; fix the arguments before trying again."""


class AuthenticationError(APIStatusError):
    """401: the Nixflex key (or, for its subclasses, the Twilio credentials) was rejected."""


class PaymentRequiredError(APIStatusError):
    """402: the account's balance or credit cannot pay for this (buying a number, say).

    Top up the account, then try again; nothing was bought.
    """


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but may not touch this resource."""


class NotFoundError(APIStatusError):
    """404: the resource does not exist, or belongs to another account."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` says how long to wait when the API told us.

    Retried automatically, after the `Retry-After` the API asks for (pausing every call of the
    client); raised once retries run out, or at once when the API asks for more than 60 s.
    """


class InternalServerError(APIStatusError):
    """5xx: the API failed.

    500, 502, 503 and 504 are retried automatically, except for a `POST` that may have been
    processed (an import, a purchase): that one is raised at once. Raised once retries run out.
    """


class MissingFieldError(BadRequestError):
    """`missing_field`: a required field was empty or absent."""


class InvalidPhoneFormatError(BadRequestError):
    """`invalid_phone_format`: the phone number is not E.164 (`+447446466847`)."""


class InvalidTwilioSidError(BadRequestError):
    """`invalid_twilio_sid`: the Twilio Account SID is not `AC` followed by 32 hex characters.

    Send the Account SID (`AC…`), not a phone number's SID (`PN…`) or an API key's (`SK…`).
    """


class CustomPromptTooLongError(BadRequestError):
    """`custom_prompt_too_long`: the business profile is over 8000 characters."""


class VoicemailMessageRequiredError(BadRequestError):
    """`voicemail_message_required`: voicemail was turned on for a number with no message saved.

    Send `voicemail_message` in the same update (or save one first).
    """


class EngineOnlyFieldError(BadRequestError):
    """`engine_only_field`: a caller's `last_call` and `open_item` are the engine's to write."""


class InvalidAPIKeyError(AuthenticationError):
    """`invalid_api_key`: the Nixflex key is wrong, revoked or missing."""


class KeySecretRequiredError(AuthenticationError):
    """`key_secret_required`: the key was sent without its secret half (`KEY_ID:KEY_SECRET`)."""


class TwilioInvalidCredentialsError(AuthenticationError):
    """`twilio_invalid_credentials`: Twilio rejected the SID and token combination."""


class TwilioAuthFailedError(AuthenticationError):
    """`twilio_auth_failed`: Twilio refused to authenticate (Twilio error 20003).

    The token is wrong or was rotated, or the Twilio account is suspended.
    """


class AgentNotOwnedError(PermissionDeniedError):
    """`agent_not_owned`: the agent exists but belongs to another account."""


class AgentNotFoundError(NotFoundError):
    """`agent_not_found`: no agent has this id."""


class NumberNotInTwilioError(NotFoundError):
    """`number_not_in_twilio`: the number is not in the Twilio account whose SID you sent.

    The match is exact: check which account or subaccount holds the number, and its digits.
    """


class NumberNotFoundError(NotFoundError):
    """`number_not_found`: no number of yours has this id or phone number."""


class CallerNotFoundError(NotFoundError):
    """`caller_not_found`: no context is stored for this caller on this number."""


class NumberAlreadyImportedError(ConflictError):
    """`number_already_imported`: the number is already attached to an agent.

    A number serves one agent at a time: delete it, then import it again to move it. If it is
    attached to your own agent, an earlier import of it landed (perhaps one whose answer was
    lost), and there is nothing left to do.
    """


_BY_CODE: dict[str, type[APIStatusError]] = {
    "missing_field": MissingFieldError,
    "invalid_phone_format": InvalidPhoneFormatError,
    "invalid_twilio_sid": InvalidTwilioSidError,
    "custom_prompt_too_long": CustomPromptTooLongError,
    "voicemail_message_required": VoicemailMessageRequiredError,
    "engine_only_field": EngineOnlyFieldError,
    "invalid_api_key": InvalidAPIKeyError,
    "key_secret_required": KeySecretRequiredError,
    "twilio_invalid_credentials": TwilioInvalidCredentialsError,
    "twilio_auth_failed": TwilioAuthFailedError,
    "agent_not_owned": AgentNotOwnedError,
    "agent_not_found": AgentNotFoundError,
    "number_not_in_twilio": NumberNotInTwilioError,
    "number_not_found": NumberNotFoundError,
    "caller_not_found": CallerNotFoundError,
    "number_already_imported": NumberAlreadyImportedError,
}

_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class(status_code: int, code: str | None) -> type[APIStatusError]:
    """The class for an error answer: the code's own class first, then the status's."""
    if code is not None and code in _BY_CODE:
        return _BY_CODE[code]
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


def documented_codes() -> dict[str, type[APIStatusError]]:
    """A copy of the table from documented error code to exception class."""
    return dict(_BY_CODE)
