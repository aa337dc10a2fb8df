"""An in-memory emulator of the whole documented Nixflex API, for tests without a live account.

`FakeNixflex` holds accounts and their API keys, agents, fake Twilio accounts (numbers and their
webhooks), imported phone numbers, and provisioned numbers with their messages. It answers like
the real API, in the documented order of checks, and records what it received.

Three ways in, all answered by the same code:

- `fake.client(account)` / `fake.async_client(account)`: a `nixflex.Client` /
  `nixflex.AsyncClient` talking to the emulator in memory.
- `fake.transport()`: an `httpx.MockTransport` for any httpx client (sync or async).
- `fake.serve(port=0)`: a real HTTP server on 127.0.0.1 in a background thread, for code in
  other processes; or from a shell, `python -m nixflex.testing --port 8787`, which seeds a demo
  account, agent and Twilio account and prints the URL and keys.

Seed it with `add_account`, `add_api_key`, `revoke_api_key`, `add_agent`,
`add_twilio_account`, `add_twilio_number`, `add_telnyx_account`, `set_twilio_webhooks`,
`import_phone_number`, `provision_number` and `deliver_sms` (a seeding call that breaks a rule
of the API raises `ValueError`); assert with `accounts()`, `agents()`, `twilio_account()`,
`telnyx_account()`, `twilio_webhooks()`, `phone_numbers()`, `numbers()`, `messages()` and
`requests`. Every view is a frozen snapshot.

A pytest fixture:

```python
import pytest
from nixflex.testing import FakeNixflex

@pytest.fixture
def fake():
    return FakeNixflex()

def test_onboarding_imports_the_number(fake):
    account = fake.add_account()
    agent_id = fake.add_agent(account)
    twilio = fake.add_twilio_account(numbers=["+447700900123"])
    with fake.client(account) as client:
        client.phone_numbers.create(
            phone_number="+447700900123",
            twilio_sid=twilio.sid,
            twilio_token=twilio.token,
            agent_id=agent_id,
        )
    assert fake.twilio_webhooks("+447700900123").points_at_nixflex
    assert fake.requests[-1].status == 201
```

Testing your retry handling: `fake.fail_next(2, 503, retry_after=1)` (`code=`, `message=` and
`details=` shape its error), `fake.delay_next(seconds=5, route="GET /v1/numbers")`,
`fake.drop_next()`. A fault hits the next matching requests *before* they are processed, so
they change nothing (they are recorded, with `processed=False`); pass `after_processing=True`
for "the server did the work, then the answer was lost". `route` is `"METHOD /path"` or
`"/path"`, where `{name}` matches one segment and a final `*` the rest
(`"DELETE /v1/numbers/{id}"`, `"/v1/numbers/*"`). A request draws at most one delay and one
fail-or-drop fault, oldest first. Through `transport()`, a delay longer than the client's read
timeout raises `httpx.ReadTimeout`, as a socket would.

Every error answer, the loopback server's own refusals and injected faults included, is the
API's envelope: `{"error": {"type", "code", "message", "doc_url", "details"}}`.

- `type` follows the status: the API's own list, and the emulator's choice for the statuses it
  does not name.

  | status | `type` |
  |---|---|
  | 400, and every 4xx not below (405, 408, 413, 422, ...) | `invalid_request` |
  | 401 | `authentication_error` |
  | 402 | `payment_error` |
  | 403 | `permission_error` |
  | 404 | `not_found` |
  | 409 | `conflict` |
  | 429 | `rate_limit_error` |
  | 500, and every 5xx not below (503, 504, ...) | `server_error` |
  | 502 | `provider_error` |

- `doc_url` is `https://docs.nixflex.com/api-reference/errors#<code>`: the API's errors page,
  anchored at the code.
- `details` holds the context where there is some, else null: `missing_field`
  `{"fields": [...]}` (every missing field named); `invalid_field` `{"field", "expected"}` (the
  JSON type: `"string"` or `"string or null"`); `invalid_phone_format`, `invalid_twilio_sid`,
  `invalid_country` and `invalid_area_code` `{"field", "expected"}`; `custom_prompt_too_long`
  `{"field", "length", "max_length"}`; `invalid_parameter` `{"parameter", "expected",
  "minimum", "maximum"?}` or `{"parameter", "expected": "ISO 8601 timestamp"}`;
  `twilio_auth_failed` `{"twilio_error": 20003}`; `agent_not_found` and `agent_not_owned`
  `{"field"}` (`agent_id`, or `agentId` under `/v1/numbers`); `method_not_allowed`
  `{"allowed": [...]}`; `rate_limit_exceeded` `{"retry_after": seconds}`.

Error codes beyond the API's five pages, and when the emulator answers with them:

| code | status | when |
|---|---|---|
| `invalid_api_key` | 401 | no or malformed `Authorization`; unknown or revoked key |
| `key_secret_required` | 401 | `Bearer KEY_ID` without `:`, or an empty secret: `Bearer KEY_ID:` |
| `rate_limit_exceeded` | 429 | the key's read or write bucket is empty (see Rate limits) |
| `not_found` | 404 | no such route (checked after authentication and the rate limit) |
| `method_not_allowed` | 405 | the route exists, not for this method (`Allow` lists them) |
| `invalid_json` | 400 | the body is not JSON, or not a JSON object |
| `invalid_field` | 400 | a documented field has the wrong JSON type (e.g. a number) |
| `invalid_country` | 400 | `POST /v1/numbers`: `country` is not two letters |
| `invalid_area_code` | 400 | `POST /v1/numbers`: `areaCode` is not a US or CA area code |
| `invalid_parameter` | 400 | `limit`/`offset` out of range; `before`/`after` not ISO 8601 |
| `number_not_found` | 404 | also on the routes with a `{number_id}`, and on `DELETE` |
| `agent_not_found` | 404 | also `POST /v1/numbers` with an unknown `agentId` |
| `agent_not_owned` | 403 | also `POST /v1/numbers` with another account's `agentId` |
| `conflicting_fields` | 400 | an import sends both the Twilio and the Telnyx credentials |
| `telnyx_invalid_credentials` | 401 | a Telnyx import's key is no fake Telnyx account's |
| `telnyx_connection_not_found` | 404 | the `telnyx_connection_id` is not that account's |
| `number_not_in_telnyx` | 404 | that Telnyx account does not hold the number |
| `voicemail_message_required` | 400 | PATCH leaves voicemail on with no `voicemail_message` |
| `engine_only_field` | 400 | a caller context request carries `last_call` or `open_item` |
| `caller_not_found` | 404 | `GET`/`DELETE` of a caller no context is kept for |

`number_not_found` answers for an unknown number and for another account's alike, on
`PATCH`/`DELETE /v1/phone-numbers/{n}`, `DELETE /v1/numbers/{id}` and
`GET /v1/numbers/{id}/messages`. Failures injected by `FakeNixflex.fail_next` without `code=`
are named after their status: 408 `request_timeout`, 429 `rate_limit_exceeded`, 500
`internal_error`, 502 `bad_gateway`, 503 `service_unavailable`, 504 `gateway_timeout`, any
other `injected_fault`; their `details` is `details=`, else null (a 429 with a `retry_after=`
in seconds: `{"retry_after": seconds}`, as the API sends). The loopback server's own refusals
(a malformed request line, bad body framing, an over-long line or header) come in the same
envelope, coded after their status (`bad_request`, ...), with `details` null.

Rate limits, per API key, as the API counts them: `RateLimits(reads=600, writes=120,
window=60)` by default; `FakeNixflex(rate_limits=RateLimits(reads=3, writes=2, window=1))`
for small ones, `rate_limits=None` for none (also settable later: `fake.rate_limits = ...`,
which starts every count afresh).

- Two buckets per key: reads (`GET`, `HEAD`, `OPTIONS`) and writes (every other method).
  Windows are whole seconds aligned on the Unix clock (`time.time()`, not `clock=`): a 60 s
  window starts at every whole minute, so `X-RateLimit-Reset` (Unix seconds, an integer) is
  exactly when the bucket refills.
- Every answer to an authenticated request carries `X-RateLimit-Limit`,
  `X-RateLimit-Remaining` (after counting this request) and `X-RateLimit-Reset` of its bucket,
  errors included (a 404 route, a 400 body). A request the key sends past the limit gets 429
  `rate_limit_exceeded`, `Retry-After` (whole seconds until the reset, rounded up, at least 1),
  `details.retry_after` the same number and `X-RateLimit-Remaining: 0`; it is not counted and
  changes nothing.
- The check sits after authentication (a 401 carries no `X-RateLimit-*` and counts nowhere) and
  before routing (an unknown route counts). A request answered by an injected fault before
  processing (`fail_next`, `drop_next`) never reaches the API: it does not count and carries no
  `X-RateLimit-*`. One processed first (`after_processing=True`) counts, and the fault's answer
  replaces the API's, headers included. Delays do not change counting.

Choices where the docs are silent:

- Twilio credentials: an SID no Twilio account has gives `twilio_invalid_credentials` (401);
  a known SID with the wrong token gives `twilio_auth_failed` (401, Twilio's error 20003).
- Order of checks: authentication, the key's rate limit, route, then the body or query, then
  lookups. Import:
  `missing_field` (any of the four absent, null or `""`; every such field is named) →
  `invalid_field` → `invalid_phone_format` → `invalid_twilio_sid` → Twilio credentials →
  `number_not_in_twilio` (Twilio's prefix search, then strict equality) → `agent_not_found`
  → `agent_not_owned` → `number_already_imported` (attached to any agent of any account) →
  `custom_prompt_too_long`. PATCH and the messages list check their input before looking up
  the number, so a bad body or query wins over `number_not_found`.
- Both casings are accepted in bodies; when both are sent, the documented casing wins. An empty
  body counts as `{}` (so an empty PATCH is `missing_field`).
- `custom_prompt`: null or `""` store null (on import and PATCH); the 8000 limit counts
  Unicode code points.
- Telnyx imports: the carrier is the pair sent (`telnyx_api_key` + `telnyx_connection_id`, else
  the Twilio pair); checks: `missing_field` → `invalid_field` → `invalid_phone_format` → the key
  (`telnyx_invalid_credentials`) → the connection → `number_not_in_telnyx` → the agent →
  `number_already_imported`. A Telnyx number has `provider: "telnyx"`, a `telnyx_number_id` and
  no `twilio_number_sid`; it has no Twilio webhooks to take over.
- PATCH is a partial update of the per-number settings (`custom_prompt`, `voice_id`,
  `sms_prompt`, `web_prompt`, `sms_reply_enabled`, `voicemail_leave_enabled`,
  `voicemail_message`, `speaking_rate`, `dtmf_enabled`, `record_call`, `recording_source`);
  a body with none is `missing_field` (`details.fields` lists them all). A value of the wrong
  JSON type, text over its limit (20,000 for `sms_prompt`/`web_prompt`, 2,000 for
  `voicemail_message`), a `recording_source` other than `provider`/`nixflex`, or null for an
  on/off switch is `invalid_field`; a number left with voicemail on and no message is
  `voicemail_message_required`. New numbers answer texts (`sms_reply_enabled: true`), leave
  no voicemail, and have no keypad input.
- Imported numbers are answered with every field (`custom_prompt` and `created_at` too).
  Import overwrites the Twilio number's voice, SMS and status webhooks with Nixflex's URLs
  (`TwilioWebhooks.points_at_nixflex`); delete sets all three to None and leaves the number in
  its Twilio account. Deleting the same number twice gives `number_not_found`.
- `POST /v1/numbers` answers 201; `country` is two letters in any case (stored upper case),
  null or absent means `"US"`; an `agentId` of null or `""` attaches no agent. Generated
  numbers use fictional ranges where there are some (US/CA `+1 NPA 555-01xx`, GB
  `+44 7700 900xxx`), a plausible length for a dozen other countries, and calling code `+999`
  for the rest. An `areaCode` (only for US and CA numbers: three digits, the first 2 to 9; null
  or absent for any) is the number's NPA: `+1 415 555-01xx` while that range lasts, then any
  `+1 415` number; checked after `country` and before the agent, as `provision_number(...,
  area_code=)` checks it.
- Monitoring and web calls (`PUT`/`GET /v1/integrations/monitor/number/{n}` and
  `.../web-calls/number/{n}`) are switches kept on the imported number
  (`ImportedNumber.monitor_enabled`, `.web_calls_enabled`), off by default; `PUT` needs
  `{"enabled": true|false}` (`missing_field`, `invalid_field`), another account's number or an
  unknown one is `number_not_found`.
- `GET /v1/phone-numbers` is paged as the API reference documents it: `limit` (default 25, at
  most 100) and `offset`, newest first, with the total in `count`; a `limit` or `offset` out of
  range is `invalid_parameter`.
- `GET /v1/numbers` lists oldest first (so offsets stay put as numbers are added) and includes
  released numbers with `status: "released"`; every page sends the account's count of them in
  `total` (the API may, not on every endpoint: the messages list sends none). Releasing is
  idempotent: releasing a released number answers 204 again (a retried DELETE must not fail);
  its messages stay listable.
- Successful DELETEs answer 204 without a body.
- Messages: `before` and `after` are exclusive; a timestamp without an offset is UTC; a blank
  parameter counts as absent. Newest first, ties broken by arrival order. Each is sent with
  `direction: "inbound"` and its `channel`: `"sms"`, or `"mms"` if `deliver_sms(...,
  channel="mms")` recorded it.
- Timestamps are sent as RFC 3339 UTC (`2025-01-15T10:45:00Z`), with milliseconds only when
  there are some. Generated ones always move forward by at least 1 ms.
- Every response, errors and successes alike, has `x-railway-request-id: req_…` (the header
  the API's edge sets today; there is no `x-request-id`). Error messages and details never
  repeat a value from the request.
- `FakeNixflex.requests` keeps the key id of the `Authorization` header but never the secret
  (`Bearer key_…:<redacted>`), and replaces a Twilio token or a Telnyx API key in a body with
  `"<redacted>"`.
- Caller context (`/v1/phone-numbers/{n}/callers/{caller}`, `.../callers/import`) is kept
  per imported number and caller, with only the fields that are set (`CallerRecord`); deleting
  the number drops its callers. `PUT` writes the fields sent (either casing; null removes one)
  and creates the context if there is none; checks: the body (`engine_only_field` for
  `last_call`/`open_item`, `invalid_field` for an unknown field or a value that is not text or
  null, `missing_field` for none) → the caller's number (`invalid_phone_format`) →
  `number_not_found`. `GET`/`DELETE` answer `caller_not_found` for an unknown caller; `DELETE`
  answers 204. The import (`{"callers": [...]}`, at most 1,000 rows, else `invalid_field`)
  checks every row before it writes any and answers 200 `{"phone_number", "imported"}`:
  every row counts, one with only `caller_number` too (it creates an empty context), and a
  caller listed twice counts twice (the later row wins). A `PUT` of nulls alone creates an
  empty context, so a later `GET` answers 200. `GET`/`DELETE` of a caller number not in E.164
  form answer `caller_not_found` (there is nothing to check the format for). More than 1,000
  rows is `invalid_field` with `details.max_length` (no code of its own is documented).
  `set_caller()` seeds a context, the engine's `last_call` and `open_item` included.
- Webhook URLs (`/v1/integrations/webhook/number/{n}` and `.../webhook2/...`) are kept per
  imported number and slot. Another account's number answers 404 `number_not_found`, like a
  missing one; a PUT without `url` 400 `missing_field`; a `url` that is not `https://` with a
  host 400 `invalid_field`; DELETE 204, set or not. `set_webhook_url` (seeding) also takes
  `http://` URLs, for a loopback receiver. `webhook_delivery()` builds a signed delivery
  (`stale=True`, `tamper=True` for negative tests); `deliver_webhook()` POSTs it to the
  number's URLs over real HTTP, once, and reports each receiver's status.
- `fake.client()` gives the SDK client a connection pool of its own over `transport()`, which
  closing the SDK client (or leaving its `with` block) closes too.
"""

from __future__ import annotations

from ._fake import FakeNixflex
from ._records import (
    NIXFLEX_SMS_URL,
    NIXFLEX_STATUS_CALLBACK_URL,
    NIXFLEX_VOICE_URL,
    Account,
    CallerRecord,
    ImportedNumber,
    ProvisionedNumber,
    RateLimits,
    RecordedRequest,
    SmsMessage,
    TelnyxAccount,
    TwilioAccount,
    TwilioWebhooks,
)
from ._server import FakeServer
from ._webhooks import WebhookAttempt, WebhookDelivery

__all__ = [
    "Account",
    "CallerRecord",
    "FakeNixflex",
    "FakeServer",
    "ImportedNumber",
    "NIXFLEX_SMS_URL",
    "NIXFLEX_STATUS_CALLBACK_URL",
    "NIXFLEX_VOICE_URL",
    "ProvisionedNumber",
    "RateLimits",
    "RecordedRequest",
    "SmsMessage",
    "TelnyxAccount",
    "TwilioAccount",
    "TwilioWebhooks",
    "WebhookAttempt",
    "WebhookDelivery",
]
