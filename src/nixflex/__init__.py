"""nixflex: the typed Python SDK for the Nixflex telephony API.

```python
import nixflex

with nixflex.Client() as client:  # NIXFLEX_API_KEY="KEY_ID:KEY_SECRET" from the environment
    number = client.phone_numbers.create(
        phone_number="+447446466847",
        twilio_sid="AC0123456789abcdef0123456789abcdef",
        twilio_token="your_twilio_auth_token",
        agent_id="agent_125207e452f8714a",
        custom_prompt="Business: Smile Dental Croydon. Open Mon-Fri 9am-5pm.",
    )
```

`nixflex.AsyncClient` has the same surface, every call awaited; `nixflex.testing` holds an
emulator of the API for your tests.
"""

from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._aiohttp import DefaultAioHttpClient
from ._bulk import BulkError, BulkItem, BulkResult, ImportRequest
from ._client import AsyncClient, Client
from ._exceptions import (
    AgentNotFoundError,
    AgentNotOwnedError,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CallerNotFoundError,
    ConflictError,
    CustomPromptTooLongError,
    EngineOnlyFieldError,
    InternalServerError,
    InvalidAPIKeyError,
    InvalidPhoneFormatError,
    InvalidTwilioSidError,
    KeySecretRequiredError,
    MissingFieldError,
    NixflexError,
    NotFoundError,
    NumberAlreadyImportedError,
    NumberNotFoundError,
    NumberNotInTwilioError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    TwilioAuthFailedError,
    TwilioInvalidCredentialsError,
    UnprocessableEntityError,
    VoicemailMessageRequiredError,
    WebhookVerificationError,
)
from ._pacing import RateLimit
from ._pagination import AsyncPage, AsyncPaginator, Page, Paginator
from ._version import __version__
from .models import Caller, CallerContext, Message, Number, PhoneNumber, to_pandas
from .resources import (
    AsyncCallers,
    AsyncMessages,
    AsyncNumbers,
    AsyncPhoneNumbers,
    AsyncWebhooks,
    CallerRow,
    Callers,
    Messages,
    Numbers,
    PhoneNumbers,
    Webhooks,
)
from .webhooks import (
    CallCompleted,
    CallStarted,
    SmsDelivered,
    TranscriptTurn,
    UnknownEvent,
    WebhookConfig,
    WebhookEvent,
    WebhookTest,
)

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AgentNotFoundError",
    "AgentNotOwnedError",
    "AsyncCallers",
    "AsyncClient",
    "AsyncMessages",
    "AsyncNumbers",
    "AsyncPage",
    "AsyncPaginator",
    "AsyncPhoneNumbers",
    "AsyncWebhooks",
    "AuthenticationError",
    "BadRequestError",
    "BulkError",
    "BulkItem",
    "BulkResult",
    "CallCompleted",
    "CallStarted",
    "Caller",
    "CallerContext",
    "CallerNotFoundError",
    "CallerRow",
    "Callers",
    "Client",
    "ConflictError",
    "CustomPromptTooLongError",
    "DefaultAioHttpClient",
    "EngineOnlyFieldError",
    "ImportRequest",
    "InternalServerError",
    "InvalidAPIKeyError",
    "InvalidPhoneFormatError",
    "InvalidTwilioSidError",
    "KeySecretRequiredError",
    "Message",
    "Messages",
    "MissingFieldError",
    "NixflexError",
    "NotFoundError",
    "Number",
    "NumberAlreadyImportedError",
    "NumberNotFoundError",
    "NumberNotInTwilioError",
    "Numbers",
    "Page",
    "Paginator",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PhoneNumber",
    "PhoneNumbers",
    "RateLimit",
    "RateLimitError",
    "SmsDelivered",
    "TranscriptTurn",
    "TwilioAuthFailedError",
    "TwilioInvalidCredentialsError",
    "UnknownEvent",
    "UnprocessableEntityError",
    "VoicemailMessageRequiredError",
    "WebhookConfig",
    "WebhookEvent",
    "WebhookTest",
    "WebhookVerificationError",
    "Webhooks",
    "__version__",
    "to_pandas",
]


# nixflex 0.2's top-level names, and what replaces each in 1.0. Not aliases: the 1.0 classes
# take other arguments and return typed models, so an alias would only pretend to be compatible.
_RENAMED_IN_1 = {
    "Nixflex": "nixflex.Client",
    "AsyncNixflex": "nixflex.AsyncClient",
    "verify_webhook_signature": "nixflex.webhooks.verify (it raises instead of returning False)",
    "NixflexAuthenticationError": "nixflex.AuthenticationError",
    "NixflexPaymentRequiredError": "nixflex.PaymentRequiredError",
    "NixflexNotFoundError": "nixflex.NotFoundError",
    "NixflexRateLimitError": "nixflex.RateLimitError (.retry_after_seconds is .retry_after)",
    "NixflexInvalidRequestError": "nixflex.BadRequestError (or UnprocessableEntityError for 422)",
    "NixflexServerError": "nixflex.InternalServerError",
    "NixflexConnectionError": "nixflex.APIConnectionError",
}


def _renamed_in_1(name: str) -> object:
    renamed = _RENAMED_IN_1.get(name)
    if renamed is None:
        raise AttributeError(f"module 'nixflex' has no attribute {name!r}")
    # ImportError, so that `from nixflex import Nixflex` shows this message (an AttributeError
    # would become a bare "cannot import name").
    raise ImportError(
        f"nixflex.{name} is from nixflex 0.2; in nixflex 1.0 use {renamed}. "
        "Every 0.2 name and its 1.0 replacement: https://docs.nixflex.com/python/migrating/",
        name=name,
        path=__file__,
    )


if not _TYPE_CHECKING:
    # Hidden from type checkers: a module `__getattr__` would make them accept any misspelt
    # `nixflex.X` as a valid attribute.
    __getattr__ = _renamed_in_1
