"""What a notebook shows: the HTML tables, `to_dict()`, and `to_pandas()`.

The HTML is read back with the standard library's parser, so the tests check its structure (one
table, a caption, a row per item, a cell per field), its escaping (a `<script>` in a message
body is text, never a tag) and what it leaves out (a field with `repr=False`, a Twilio token).

The tables in `docs/notebooks.md` are checked here too: each follows a marker
`<!-- render: NAME -->` and must be what `GUIDE[NAME]` renders today. After changing how a table
looks, `python -m tests.unit.test_display` writes the new tables into the guide.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypeVar

import attrs
import httpx
import pandas as pd
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st
from typing_extensions import assert_type

import nixflex
from nixflex import (
    AsyncPage,
    AsyncPaginator,
    BulkItem,
    BulkResult,
    ImportRequest,
    Message,
    Number,
    Page,
    Paginator,
    PhoneNumber,
)
from nixflex._convert import to_dict
from nixflex._display import (
    MAX_CELL,
    MAX_ROWS,
    MAX_TEXT,
    model_html,
    page_html,
    table_html,
)
from nixflex.models import ModelList
from tests.support import TWILIO_SID, TWILIO_TOKEN, AnyClient, run

pytestmark = pytest.mark.anyio

T = TypeVar("T")
UTC = timezone.utc
GUIDE_PATH = Path(__file__).resolve().parents[2] / "docs" / "notebooks.md"
SCRIPT = "<script>alert('hi')</script>"
LONG_PROMPT = (
    "Business: Smile Dental Croydon. Open Mon-Fri 9am-5pm, Sat 9am-1pm. Emergency appointments: "
    "call before 10am. Parking behind the building."
)


# --- reading HTML back ---------------------------------------------------------------------------


@dataclass
class Cell:
    tag: str
    text: str = ""
    title: str | None = None


@dataclass
class Table:
    """A table as a browser would see it: entities decoded, every tag and attribute counted."""

    caption: str = ""
    rows: list[list[Cell]] = field(default_factory=list)
    tags: Counter[str] = field(default_factory=Counter)
    attributes: set[str] = field(default_factory=set)

    @property
    def header(self) -> list[str]:
        return [cell.text for cell in self.rows[0]] if self.rows else []

    def texts(self) -> list[list[str]]:
        return [[cell.text for cell in row] for row in self.rows]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.table = Table()
        self._cell: Cell | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.table.tags[tag] += 1
        self.table.attributes.update(name for name, _ in attrs)
        if tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.table.rows.append([])
        elif tag in ("th", "td"):
            self._cell = Cell(tag)
            self.table.rows[-1].append(self._cell)
        elif tag == "span" and self._cell is not None:
            self._cell.title = dict(attrs).get("title", self._cell.title)

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.table.caption += data
        elif self._cell is not None:
            self._cell.text += data


def read(markup: str | None) -> Table:
    """`markup` parsed; it must be exactly one table, with nothing active in it."""
    assert markup is not None, "no HTML: Jupyter would fall back to the plain repr"
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    table = reader.table
    assert markup.startswith("<table>")
    assert markup.endswith("</table>")
    assert table.tags["table"] == 1
    assert table.tags["caption"] == 1
    assert not {"script", "style", "link", "img", "iframe"} & set(table.tags)
    assert not {name for name in table.attributes if name.startswith("on")}
    assert table.attributes <= {"style", "title", "colspan"}
    return table


# --- sample data (also what the guide shows) -----------------------------------------------------

CLINICS = ModelList(
    [
        PhoneNumber(
            phone_number="+447446466847",
            agent_id="agent_125207e452f8714a",
            twilio_number_sid="PN451e0ddf654327e36baab58dfbcd30d6",
            inbound_enabled=True,
            outbound_enabled=True,
            custom_prompt=LONG_PROMPT,
            created_at=datetime(2025, 1, 15, 10, 45, tzinfo=UTC),
        ),
        PhoneNumber(
            phone_number="+447446466848",
            agent_id="agent_125207e452f8714a",
            twilio_number_sid="PN7c1f0a9e3b2d4c5e6f708192a3b4c5d6",
            inbound_enabled=True,
            outbound_enabled=False,
            custom_prompt="Business: Smile Dental Brixton. Open Saturdays.",
            created_at=datetime(2025, 1, 14, 9, 30, tzinfo=UTC),
        ),
        PhoneNumber(phone_number="+442071234567", agent_id="agent_9f8e7d6c5b4a3210"),
    ],
    PhoneNumber,
)
NUMBERS = ModelList(
    [
        Number(
            id="num_xyz789",
            phone_number="+15551234567",
            country="US",
            status="active",
            agent_id="agent_125207e452f8714a",
            created_at=datetime(2025, 1, 15, 10, 45, tzinfo=UTC),
        ),
        Number(
            id="num_abc123",
            phone_number="+447700900123",
            country="GB",
            status="active",
            created_at=datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
        ),
    ],
    Number,
)
MESSAGES = ModelList(
    [
        Message(
            id="msg_002",
            from_="+15559876543",
            to="+15551234567",
            body=f"Can I move my appointment to Tuesday? {SCRIPT}",
            received_at=datetime(2025, 1, 15, 12, 1, tzinfo=UTC),
        ),
        Message(
            id="msg_001",
            from_="+15559876543",
            to="+15551234567",
            body="Hi! Is the clinic open on Saturday mornings? My daughter has a loose filling "
            "and school is out on Friday.",
            received_at=datetime(2025, 1, 15, 12, 0, tzinfo=UTC),
        ),
    ],
    Message,
)


# --- what the guide shows: the world of the docs' examples (the emulator's seed) ---------------

AGENT = "agent_125207e452f8714a"
GUIDE_CLINICS = ModelList(
    [
        PhoneNumber(
            phone_number="+442011110002",
            agent_id=AGENT,
            twilio_number_sid="PN5e8a0c2b7d9f4e1a3c6b8d0f2a4c6e8b",
            inbound_enabled=True,
            outbound_enabled=True,
            created_at=datetime(2025, 1, 15, 10, 46, 2, tzinfo=UTC),
        ),
        PhoneNumber(
            phone_number="+442011110001",
            agent_id=AGENT,
            twilio_number_sid="PN1e2feb89414c343c1027c4d1c386bbc4",
            inbound_enabled=True,
            outbound_enabled=True,
            created_at=datetime(2025, 1, 15, 10, 46, 1, tzinfo=UTC),
        ),
        PhoneNumber(
            phone_number="+447446466847",
            agent_id=AGENT,
            twilio_number_sid="PNcd613e30d8f16adf91b7584a2265b1f5",
            inbound_enabled=True,
            outbound_enabled=True,
            custom_prompt=LONG_PROMPT,
            created_at=datetime(2025, 1, 15, 10, 45, tzinfo=UTC),
        ),
    ],
    PhoneNumber,
)
GUIDE_UPDATED = attrs.evolve(
    GUIDE_CLINICS[1], custom_prompt="Business: Pearly Whites Manchester. Open Mon-Sat 8am-6pm."
)
GUIDE_NUMBERS = ModelList(
    [
        Number(
            id="num_xyz789",
            phone_number="+15551234567",
            country="US",
            status="active",
            agent_id=AGENT,
            created_at=datetime(2025, 1, 10, 8, 0, tzinfo=UTC),
        ),
        Number(
            id="num_effe76e068b1f3c9",
            phone_number="+14155550127",
            country="US",
            status="active",
            created_at=datetime(2025, 1, 11, 8, 0, tzinfo=UTC),
        ),
    ],
    Number,
)
GUIDE_MESSAGES = ModelList(
    [
        Message(
            id=f"msg_{id_}",
            from_=sender,
            to="+15551234567",
            body=body,
            received_at=datetime(2025, 1, 16, 13, minute, tzinfo=UTC),
        )
        for id_, sender, body, minute in [
            ("84546026d5a7eb2e", "+15557654321", "Thanks, see you then", 45),
            ("99d026a7762a2ba5", "+15550001111", "Do you take card payments?", 30),
            ("ec5df2c7fcad3888", "+15559876543", "Running 10 minutes late, sorry", 15),
        ]
    ],
    Message,
)
GUIDE_HOSTILE = Message(
    id="msg_5f1c0a9d2b7e4c6a",
    from_="+15559876543",
    to="+15551234567",
    body=f"{SCRIPT} Is there parking nearby? My car is the blue one outside the pharmacy.",
    received_at=datetime(2025, 1, 16, 14, 0, tzinfo=UTC),
)


def _bulk_sample() -> BulkResult[ImportRequest, PhoneNumber]:
    requests = [
        ImportRequest(
            phone_number=number,
            twilio_sid=TWILIO_SID,
            twilio_token=TWILIO_TOKEN,
            agent_id=AGENT,
        )
        for number in ("+442011110001", "+442011110002", "+447446466847")
    ]
    response = httpx.Response(
        409,
        json={"error": {"code": "number_already_imported", "message": "already imported"}},
        request=httpx.Request("POST", "https://api.nixflex.com/v1/phone-numbers"),
    )
    error = nixflex.NumberAlreadyImportedError(
        "That number is already attached to an agent.",
        response=response,
        body=response.json(),
        code="number_already_imported",
    )
    return BulkResult(
        [
            BulkItem(0, requests[0], result=GUIDE_CLINICS[1]),
            BulkItem(1, requests[1], result=GUIDE_CLINICS[0]),
            BulkItem(2, requests[2], error=error),
        ]
    )


GUIDE: dict[str, Callable[[], str | None]] = {
    "bulk-result": lambda: _bulk_sample()._repr_html_(),
    "phone-numbers": GUIDE_CLINICS._repr_html_,
    "phone-number": GUIDE_UPDATED._repr_html_,
    "numbers-page": lambda: page_html(GUIDE_NUMBERS, more=True),
    "messages-page": lambda: page_html(GUIDE_MESSAGES, more=True),
    "message": GUIDE_HOSTILE._repr_html_,
}


async def first_page(paginator: Paginator[T] | AsyncPaginator[T]) -> Page[T] | AsyncPage[T]:
    if isinstance(paginator, AsyncPaginator):
        return await paginator
    return paginator.first_page()


async def next_page(page: Page[T] | AsyncPage[T]) -> Page[T] | AsyncPage[T]:
    if isinstance(page, AsyncPage):
        return await page.next_page()
    return page.next_page()


def answer_numbers(rows: list[dict[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """`GET /v1/numbers` over `rows`, paged by `limit` and `offset`."""

    def answer(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        page = rows[offset : offset + limit]
        return httpx.Response(200, json={"data": page, "hasMore": offset + limit < len(rows)})

    return answer


# --- one model -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", [CLINICS[0], NUMBERS[0], MESSAGES[0]], ids=lambda m: type(m).__name__
)
def test_a_model_is_a_key_value_table_of_its_fields(model: Any) -> None:
    table = read(model._repr_html_())
    assert table.caption == type(model).__name__
    names = [f.name for f in attrs.fields(type(model))]
    assert [[cell.tag for cell in row] for row in table.rows] == [["th", "td"]] * len(names)
    assert [row[0].text for row in table.rows] == names
    assert table.tags["thead"] == 0


def test_a_model_table_shows_values_as_a_person_reads_them() -> None:
    table = read(CLINICS[0]._repr_html_())
    values = {row[0].text: row[1] for row in table.rows}
    assert values["phone_number"].text == "+447446466847"
    assert values["inbound_enabled"].text == "True"
    assert values["created_at"].text == "2025-01-15T10:45:00+00:00"
    prompt = values["custom_prompt"]
    assert prompt.text == LONG_PROMPT[:77] + "…"
    assert prompt.title == LONG_PROMPT

    bare = read(CLINICS[2]._repr_html_())
    assert {row[0].text: row[1].text for row in bare.rows}["custom_prompt"] == "—"
    assert "None" not in CLINICS[2]._repr_html_()


def test_plain_repr_stays_the_attrs_repr() -> None:
    model = CLINICS[1]
    assert repr(model).startswith("PhoneNumber(phone_number='+447446466848', agent_id=")
    assert "<" not in repr(model)
    assert repr(CLINICS) == repr(list(CLINICS))


def test_a_message_body_is_text_never_markup() -> None:
    hostile = Message(
        id='msg_"><img src=x onerror=alert(1)>',
        body='<script>alert("x")</script> & <b>bold</b>',
        received_at=datetime(2025, 1, 15, tzinfo=UTC),
    )
    for markup in (hostile._repr_html_(), table_html(ModelList([hostile], Message))):
        assert "<script" not in markup
        assert "<b>" not in markup
        assert "<img" not in markup
        table = read(markup)
        # (In a list the body is shortened: its whole text is in the tooltip.)
        shown = [cell.title or cell.text for row in table.rows for cell in row]
        assert '<script>alert("x")</script> & <b>bold</b>' in shown
        assert 'msg_"><img src=x onerror=alert(1)>' in shown


def test_a_long_hostile_body_is_escaped_in_its_tooltip_too() -> None:
    body = 'He said "hi" & left. ' * 3 + SCRIPT * 3
    message = Message(id="m", body=body, received_at=datetime(2025, 1, 15, tzinfo=UTC))
    markup = message._repr_html_()
    assert "<script" not in markup
    cell = {row[0].text: row[1] for row in read(markup).rows}["body"]
    assert cell.title == body
    assert cell.text == body[:77] + "…"
    assert len(cell.text) == 78


@settings(max_examples=150, deadline=None)
@given(body=st.text(min_size=1, max_size=120) | st.sampled_from(["<", "&lt;", "<!--", "</td>"]))
def test_any_body_reads_back_as_the_same_text(body: str) -> None:
    message = Message(id="m", body=body, received_at=datetime(2025, 1, 15, tzinfo=UTC))
    one = {row[0].text: row[1] for row in read(message._repr_html_()).rows}["body"]
    many = read(table_html([message]))
    in_list = many.rows[1][many.header.index("body")]
    for shown, limit in ((one, MAX_TEXT), (in_list, MAX_CELL)):
        if len(body) <= limit:
            assert (shown.text, shown.title) == (body, None)
        else:
            assert (shown.text, shown.title) == (body[: limit - 3] + "…", body)


# --- secrets -------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Credentialed:
    """A throwaway model with a secret (kept out of its repr) and a field shortened in it."""

    name: str
    twilio_token: str = attrs.field(repr=False)
    twilio_sid: str = attrs.field(repr=lambda value: value[:6] + "…")
    created_at: datetime | None = None


SECRET = Credentialed(name="clinic", twilio_token=TWILIO_TOKEN, twilio_sid=TWILIO_SID)


def test_a_field_hidden_from_repr_is_never_rendered() -> None:
    assert TWILIO_TOKEN not in repr(SECRET)  # the rule the renderer follows: attrs' own
    one = model_html(SECRET)
    many = table_html([SECRET, SECRET])
    for markup in (one, many, page_html([SECRET], more=False)):
        assert TWILIO_TOKEN not in markup
        assert "twilio_token" not in markup
        assert TWILIO_SID not in markup  # shown as its repr shows it
    assert [row[0].text for row in read(one).rows] == ["name", "twilio_sid", "created_at"]
    assert read(many).header == ["name", "twilio_sid", "created_at"]
    assert read(many).texts()[1] == ["clinic", "AC0123…", "—"]


def test_a_field_hidden_from_repr_stays_out_of_to_dict_and_to_pandas() -> None:
    # A callable repr only changes how a value is shown: the data keeps the value itself.
    assert to_dict(SECRET) == {"name": "clinic", "twilio_sid": TWILIO_SID, "created_at": None}
    frame = nixflex.to_pandas([SECRET])
    assert list(frame.columns) == ["name", "twilio_sid", "created_at"]
    assert dtypes(frame)["created_at"] == "datetime64[ns, UTC]"
    assert TWILIO_TOKEN not in frame.to_string()


def test_a_bulk_result_is_a_table_of_outcomes_without_the_token() -> None:
    result = _bulk_sample()
    markup = result._repr_html_()
    assert TWILIO_TOKEN not in markup
    assert TWILIO_SID not in markup
    table = read(markup)
    assert table.caption == "bulk result: 2 succeeded, 1 failed"
    assert table.texts() == [
        ["#", "input", "outcome", "error"],
        ["0", "+442011110001", "ok", ""],
        ["1", "+442011110002", "ok", ""],
        [
            "2",
            "+447446466847",
            "NumberAlreadyImportedError",
            "[409 number_already_imported] That number is already attached to an agent.",
        ],
    ]


async def test_a_real_bulk_import_renders_without_the_token(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.post("/v1/phone-numbers").mock(
        side_effect=[
            httpx.Response(201, json={"phone_number": {"phone_number": "+1", "agent_id": "a"}}),
            httpx.Response(
                409, json={"error": "number_already_imported", "message": f"dup {TWILIO_TOKEN}"}
            ),
        ]
    )
    items = [
        {"phone_number": n, "twilio_sid": TWILIO_SID, "twilio_token": TWILIO_TOKEN, "agent_id": "a"}
        for n in ("+1", "+2")
    ]
    result = await run(client.phone_numbers.import_many(items, concurrency=1))
    markup = result._repr_html_()
    assert TWILIO_TOKEN not in markup
    assert [row[2] for row in read(markup).texts()[1:]] == ["ok", "NumberAlreadyImportedError"]


# --- many models ---------------------------------------------------------------------------------


async def test_the_list_of_phone_numbers_is_a_list_that_renders_as_one_table(
    client: AnyClient, api: respx.MockRouter
) -> None:
    rows = [{**CLINICS[0].to_dict(), "phone_number": f"+4420000000{i}"} for i in range(3)]
    api.get("/v1/phone-numbers").respond(200, json={"phone_numbers": rows})

    numbers = assert_type(await run(client.phone_numbers.list()), list[PhoneNumber])

    assert isinstance(numbers, list)
    assert numbers == list(numbers)
    table = read(numbers._repr_html_())  # type: ignore[attr-defined]
    assert_fields_shown_or_named(table, PhoneNumber, "3 PhoneNumbers")
    assert [row[0] for row in table.texts()[1:]] == [f"+4420000000{i}" for i in range(3)]
    assert all(len(row) == len(table.header) for row in table.rows)


async def test_an_empty_list_still_shows_the_models_columns(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get("/v1/phone-numbers").respond(200, json={"phone_numbers": []})
    numbers = await run(client.phone_numbers.list())
    table = read(numbers._repr_html_())  # type: ignore[attr-defined]
    assert_fields_shown_or_named(table, PhoneNumber, "0 PhoneNumbers")
    assert len(table.rows) == 1


def assert_fields_shown_or_named(table: Table, cls: type[Any], caption: str) -> None:
    """Every field of `cls` is a column, or, past the columns that fit, named in the caption."""
    names = [f.name for f in attrs.fields(cls)]
    shown = table.header
    assert shown == names[: len(shown)]
    assert shown, "the first field is always shown"
    rest = names[len(shown) :]
    if rest:
        more = f"{len(rest)} more field" + ("s" if len(rest) > 1 else "")
        caption = f"{caption}; {more}, not shown: {', '.join(rest)}"
    assert table.caption == caption


def test_the_list_survives_copy_and_pickle_with_its_item_type() -> None:
    for clone in (copy.copy(CLINICS), copy.deepcopy(CLINICS), pickle.loads(pickle.dumps(CLINICS))):
        assert clone == CLINICS
        assert isinstance(clone, ModelList)
        assert clone.item_type is PhoneNumber


def test_a_long_list_is_cut_at_max_rows_and_says_so() -> None:
    many = [NUMBERS[0]] * (MAX_ROWS + 5)
    table = read(table_html(many))
    assert len(table.rows) == 1 + MAX_ROWS + 1
    assert table.rows[-1][0].text == "… 5 more rows not shown"
    assert table.caption == f"{MAX_ROWS + 5} Numbers"


# --- a list's table fits a notebook --------------------------------------------------------------
#
# A notebook's output is some 1,000 px wide: a list's columns add up to at most MAX_WIDTH
# characters (each column as wide as its widest text that cannot break, text with spaces as a
# wrapped column). The screenshots of issue #20 measured these at 1,100 px in JupyterLab's styles.


def test_a_list_of_phone_numbers_shows_its_first_fields_and_names_the_rest() -> None:
    table = read(GUIDE_CLINICS._repr_html_())
    assert table.header == [
        "phone_number",
        "agent_id",
        "twilio_number_sid",
        "inbound_enabled",
        "outbound_enabled",
        "custom_prompt",
    ]
    assert_fields_shown_or_named(table, PhoneNumber, "3 PhoneNumbers")
    assert "provider, telnyx_number_id," in table.caption
    # One number's own table still shows every field.
    one = read(GUIDE_CLINICS[0]._repr_html_())
    assert [row[0].text for row in one.rows] == [f.name for f in attrs.fields(PhoneNumber)]


def test_a_list_of_a_small_model_shows_every_field() -> None:
    for items, cls in ((GUIDE_NUMBERS, Number), (GUIDE_MESSAGES, Message)):
        table = read(table_html(items))
        assert table.header == [f.name for f in attrs.fields(cls)]
        assert "not shown" not in table.caption


def test_long_values_leave_room_for_fewer_columns() -> None:
    assert len(read(table_html(NUMBERS)).header) == len(attrs.fields(Number))
    number = attrs.evolve(NUMBERS[0], id="num_" + "f" * 90)
    table = read(table_html([number, NUMBERS[1]]))
    assert 1 <= len(table.header) < len(attrs.fields(Number))
    assert_fields_shown_or_named(table, Number, "2 Numbers")
    # An id is text too: shortened in a list, whole in its tooltip.
    assert (table.rows[1][0].text, table.rows[1][0].title) == (number.id[:37] + "…", number.id)


def test_a_list_shortens_text_more_than_one_models_table() -> None:
    table = read(table_html(GUIDE_CLINICS))
    prompt = table.rows[3][table.header.index("custom_prompt")]
    assert (prompt.text, prompt.title) == (LONG_PROMPT[: MAX_CELL - 3] + "…", LONG_PROMPT)
    one = {row[0].text: row[1] for row in read(GUIDE_CLINICS[2]._repr_html_()).rows}
    assert one["custom_prompt"].text == LONG_PROMPT[: MAX_TEXT - 3] + "…"


def test_a_header_may_break_after_its_underscores() -> None:
    markup = table_html(MESSAGES)
    assert "<th" + ' style="text-align:left">received_<wbr>at</th>' in markup
    assert ">from_</th>" in markup  # nothing after the underscore: no break
    assert read(markup).header[1:5] == ["from_", "to", "body", "received_at"]


def test_the_more_rows_row_spans_the_columns_shown() -> None:
    many = [GUIDE_CLINICS[0]] * (MAX_ROWS + 1)
    markup = table_html(many)
    shown = len(read(markup).header)
    assert shown < len(attrs.fields(PhoneNumber))
    assert f'<td colspan="{shown}"' in markup


def test_a_table_refuses_mixed_or_non_model_items() -> None:
    with pytest.raises(TypeError, match="got a Message"):
        table_html([NUMBERS[0], MESSAGES[0]])
    with pytest.raises(TypeError, match="attrs classes"):
        table_html([{"id": 1}])
    with pytest.raises(TypeError, match="got a Message"):
        nixflex.to_pandas([NUMBERS[0], MESSAGES[0]])


def test_a_list_with_something_else_appended_falls_back_to_the_plain_repr() -> None:
    numbers = ModelList(NUMBERS, Number)
    numbers.append("not a number")  # type: ignore[arg-type]
    assert numbers._repr_html_() is None  # Jupyter then shows repr(), as for any list


async def test_a_page_renders_its_items_and_whether_more_follow(
    client: AnyClient, api: respx.MockRouter
) -> None:
    rows = [{**NUMBERS[0].to_dict(), "id": f"num_{i}"} for i in range(3)]
    api.get("/v1/numbers").mock(side_effect=answer_numbers(rows))
    paginator = client.numbers.list(limit=2)
    first = await first_page(paginator)

    table = read(first._repr_html_())
    assert table.caption == "a page of 2 Numbers; more pages follow: next_page()"
    assert [row[0] for row in table.texts()[1:]] == ["num_0", "num_1"]

    last = await next_page(first)
    assert read(last._repr_html_()).caption == "a page of 1 Number; the last page"
    assert repr(last) == f"<{type(last).__name__} items=1 more=False>"


async def test_a_page_with_a_total_says_how_many_in_all(
    client: AnyClient, api: respx.MockRouter
) -> None:
    rows = [{**NUMBERS[0].to_dict(), "id": f"num_{i}"} for i in range(3)]
    api.get("/v1/numbers").respond(200, json={"data": rows[:2], "hasMore": True, "total": 3})

    page = await first_page(client.numbers.list(limit=2))

    caption = "a page of 2 Numbers (3 in all); more pages follow: next_page()"
    assert read(page._repr_html_()).caption == caption
    assert repr(page) == f"<{type(page).__name__} items=2 more=True total=3>"


async def test_an_empty_page_of_messages_still_shows_the_columns(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get("/v1/numbers/num_1/messages").respond(200, json={"data": [], "hasMore": False})
    page = await first_page(client.numbers.messages.list("num_1"))
    table = read(page._repr_html_())
    assert table.caption == "a page of 0 Messages; the last page"
    assert table.header == ["id", "from_", "to", "body", "received_at", "direction", "channel"]


# --- to_dict -------------------------------------------------------------------------------------


def test_to_dict_is_snake_case_and_json_ready() -> None:
    data = MESSAGES[0].to_dict()
    assert data == {
        "id": "msg_002",
        "from_": "+15559876543",
        "to": "+15551234567",
        "body": f"Can I move my appointment to Tuesday? {SCRIPT}",
        "received_at": "2025-01-15T12:01:00+00:00",
        "direction": None,
        "channel": None,
    }
    assert json.loads(json.dumps(data)) == data
    for model in [*CLINICS, *NUMBERS]:
        json.dumps(model.to_dict())
    assert CLINICS[2].to_dict()["created_at"] is None
    assert list(CLINICS[0].to_dict()) == [f.name for f in attrs.fields(PhoneNumber)]


def test_to_dict_reads_back_into_the_same_model() -> None:
    from nixflex._convert import structure

    for model in [*CLINICS, *NUMBERS, *MESSAGES]:
        assert structure(model.to_dict(), type(model)) == model


# --- to_pandas -----------------------------------------------------------------------------------

PHONE_NUMBER_DTYPES = {
    "phone_number": "string",
    "agent_id": "string",
    "provider": "string",
    "twilio_number_sid": "string",
    "telnyx_number_id": "string",
    "inbound_enabled": "boolean",
    "outbound_enabled": "boolean",
    "custom_prompt": "string",
    "voice_id": "string",
    "sms_prompt": "string",
    "web_prompt": "string",
    "sms_reply_enabled": "boolean",
    "voicemail_leave_enabled": "boolean",
    "voicemail_message": "string",
    "speaking_rate": "Float64",
    "dtmf_enabled": "boolean",
    "record_call": "boolean",
    "recording_source": "string",
    "created_at": "datetime64[ns, UTC]",
}


def dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {str(name): str(dtype) for name, dtype in frame.dtypes.items()}


@pytest.mark.parametrize("items", [CLINICS, list(CLINICS[2:]), ModelList((), PhoneNumber)])
def test_to_pandas_types_every_column_whatever_the_values(items: list[PhoneNumber]) -> None:
    frame = nixflex.to_pandas(items)
    assert dtypes(frame) == PHONE_NUMBER_DTYPES
    assert len(frame) == len(items)


def test_to_pandas_keeps_the_values() -> None:
    frame = nixflex.to_pandas(CLINICS)
    assert frame["created_at"][0] == pd.Timestamp("2025-01-15T10:45:00Z")
    assert frame["created_at"].isna().tolist() == [False, False, True]
    assert frame["custom_prompt"][0] == LONG_PROMPT
    assert frame["outbound_enabled"].tolist() == [True, False, pd.NA]
    assert frame.groupby("agent_id").size().to_dict() == {
        "agent_125207e452f8714a": 2,
        "agent_9f8e7d6c5b4a3210": 1,
    }
    messages = nixflex.to_pandas(MESSAGES)
    assert dtypes(messages) == {
        "id": "string",
        "from_": "string",
        "to": "string",
        "body": "string",
        "received_at": "datetime64[ns, UTC]",
        "direction": "string",
        "channel": "string",
    }


def test_to_pandas_of_a_plain_empty_list_needs_the_item_type_for_columns() -> None:
    assert nixflex.to_pandas([]).empty
    assert list(nixflex.to_pandas([]).columns) == []
    assert dtypes(nixflex.to_pandas([], Number)) == {
        "id": "string",
        "phone_number": "string",
        "country": "string",
        "status": "string",
        "agent_id": "string",
        "created_at": "datetime64[ns, UTC]",
    }


@attrs.frozen
class Counted:
    """A throwaway model with the other column types."""

    name: str
    count: int
    seen: int | None
    ratio: float | None
    flag: bool
    extra: tuple[str, ...] | None = None


def test_to_pandas_types_numbers_and_required_booleans_too() -> None:
    rows = [Counted("a", 1, None, 0.5, True, ("x",)), Counted("b", 2, 3, None, False)]
    frame = nixflex.to_pandas(rows)
    assert dtypes(frame) == {
        "name": "string",
        "count": "int64",
        "seen": "Int64",
        "ratio": "Float64",
        "flag": "bool",
        "extra": "object",
    }
    assert frame["seen"].tolist() == [pd.NA, 3]
    assert frame["extra"].tolist() == [("x",), None]
    assert to_dict(rows[0]) == {
        "name": "a",
        "count": 1,
        "seen": None,
        "ratio": 0.5,
        "flag": True,
        "extra": ["x"],
    }


def test_to_pandas_converts_other_time_zones_to_utc() -> None:
    from datetime import timedelta

    paris = timezone(timedelta(hours=1))
    message = Message(id="m", received_at=datetime(2025, 1, 15, 13, 0, tzinfo=paris))
    frame = nixflex.to_pandas([message])
    assert frame["received_at"][0] == pd.Timestamp("2025-01-15T12:00:00Z")


def test_to_pandas_without_pandas_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'nixflex[pandas]'")):
        nixflex.to_pandas(CLINICS)


async def test_a_paginator_without_pandas_fails_before_any_request(
    client: AnyClient, api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = api.get("/v1/numbers").respond(200, json={"data": [], "hasMore": False})
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'nixflex[pandas]'")):
        await run(client.numbers.list().to_pandas())
    assert route.call_count == 0


async def test_a_paginator_to_pandas_collects_every_page(
    client: AnyClient, api: respx.MockRouter
) -> None:
    rows = [{**NUMBERS[1].to_dict(), "id": f"num_{i}"} for i in range(5)]
    route = api.get("/v1/numbers").mock(side_effect=answer_numbers(rows))
    frame = await run(client.numbers.list(limit=2).to_pandas())
    assert_type(frame, pd.DataFrame)
    assert frame["id"].tolist() == [f"num_{i}" for i in range(5)]
    assert frame["agent_id"].isna().all()
    assert str(frame["agent_id"].dtype) == "string"
    assert route.call_count == 3


async def test_a_paginator_over_nothing_gives_typed_empty_columns(
    client: AnyClient, api: respx.MockRouter
) -> None:
    api.get("/v1/numbers/num_1/messages").respond(200, json={"data": [], "hasMore": False})
    frame = await run(client.numbers.messages.list("num_1").to_pandas())
    assert frame.empty
    assert dtypes(frame)["received_at"] == "datetime64[ns, UTC]"
    assert list(frame.columns) == [
        "id",
        "from_",
        "to",
        "body",
        "received_at",
        "direction",
        "channel",
    ]


# --- the guide -----------------------------------------------------------------------------------

_RENDERED = re.compile(r"<!-- render: ([\w-]+) -->\n(<table>.*?</table>)\n", re.DOTALL)


def test_the_guide_shows_what_the_code_renders() -> None:
    guide = GUIDE_PATH.read_text(encoding="utf-8")
    found = dict(_RENDERED.findall(guide))
    assert set(found) == set(GUIDE), "a marker without its table, or a table without its marker"
    for name, render in GUIDE.items():
        assert found[name] == render(), (
            f"docs/notebooks.md shows an old {name!r} table: run python -m tests.unit.test_display"
        )


def _write_guide() -> None:
    """Put what the code renders now into the guide, after each marker."""
    guide = GUIDE_PATH.read_text(encoding="utf-8")

    def fresh(match: re.Match[str]) -> str:
        return f"<!-- render: {match[1]} -->\n{GUIDE[match[1]]()}\n"

    GUIDE_PATH.write_text(_RENDERED.sub(fresh, guide), encoding="utf-8")


if __name__ == "__main__":
    _write_guide()


# --- a model inside a model: a caller's context ---------------------------------------------------

CALLER = nixflex.Caller(
    phone_number="+447446466847",
    caller_number="+447700900123",
    context=nixflex.CallerContext(name="<b>Ada</b>", last_call={"summary": "Booked"}),
)


def test_a_callers_table_gives_each_context_field_its_own_row() -> None:
    page = CALLER._repr_html_()

    rows = re.findall(r"<tr><th[^>]*>([^<]+)</th><td[^>]*>(.*?)</td></tr>", page)
    assert [name for name, _ in rows] == [
        "phone_number",
        "caller_number",
        *(f"context.{field.name}" for field in attrs.fields(nixflex.CallerContext)),
    ]
    assert dict(rows)["context.name"] == "&lt;b&gt;Ada&lt;/b&gt;"
    assert dict(rows)["context.last_call"] == "{&#x27;summary&#x27;: &#x27;Booked&#x27;}"


def test_a_callers_frame_has_a_column_per_context_field_typed_like_the_rest() -> None:
    empty = nixflex.Caller(phone_number="+447446466847", caller_number="+447700900456")

    frame = nixflex.to_pandas([CALLER, empty])

    assert list(frame.columns) == list(nixflex.to_pandas([], nixflex.Caller).columns)
    assert frame["context.name"].tolist() == ["<b>Ada</b>", pd.NA]
    assert str(frame.dtypes["context.email"]) == "string"
    assert frame["context.last_call"].tolist() == [{"summary": "Booked"}, None]
