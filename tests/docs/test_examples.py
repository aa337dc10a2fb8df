"""Every Python example in README.md and docs/ runs, and the API reference covers the surface.

The collector and the world the examples run in are described in `tests/docs/examples.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import nixflex
import nixflex.testing
from tests.docs.examples import ROOT, examples, pages, run_page

PAGES = [page for page in pages() if examples(page)]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_examples_run(page: Path, tmp_path: Path) -> None:
    run_page(page, tmp_path)


def test_the_readme_and_the_home_page_have_examples_that_run() -> None:
    for page in (ROOT / "README.md", ROOT / "docs" / "index.md"):
        assert any(example.mode == "run" for example in examples(page)), page


def test_skipped_examples_stay_rare() -> None:
    found = [example for page in pages() for example in examples(page)]
    skipped = [example.where for example in found if example.mode == "skip"]
    assert len(skipped) * 10 <= len(found), f"too many examples opted out: {skipped}"


def _documented() -> set[str]:
    text = "\n".join(path.read_text() for path in (ROOT / "docs" / "reference").glob("*.md"))
    return set(re.findall(r"^::: ([\w.]+)", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", [n for n in nixflex.__all__ if n != "__version__"])
def test_every_public_name_is_in_the_api_reference(name: str) -> None:
    assert f"nixflex.{name}" in _documented()


def test_the_emulator_is_in_the_api_reference() -> None:
    assert "nixflex.testing" in _documented()


# --- the collector itself --------------------------------------------------------------------

PAGE = """\
# A page

```python
x = 1
```

````markdown
```python
raise AssertionError("inside another fence: not an example")
```
````

!!! note
    ```python
    if x:
        y = x + 1
    ```

<!-- example: skip -->
```python
this_name_does_not_exist()
```

```py title="top-level await"
import asyncio

await asyncio.sleep(0)
```

```bash
echo not python
```
"""


def test_the_collector_finds_python_blocks_and_their_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    found = examples(page)
    assert [(example.line, example.mode) for example in found] == [
        (4, "run"),
        (15, "run"),
        (21, "skip"),
        (25, "run"),
    ]
    assert found[1].source == "if x:\n    y = x + 1\n"
    assert run_page(page, tmp_path) == 3


def test_a_failing_example_names_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Text.\n\n```python\nimport nixflex\n\n1 / 0\n```\n")
    with pytest.raises(AssertionError, match=r"page\.md:4 raised ZeroDivisionError") as failure:
        run_page(page, tmp_path)
    assert f'File "{page}", line 6' in str(failure.value)


def test_examples_cannot_reach_the_internet(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nimport nixflex\n\n"
        "with nixflex.Client(base_url='https://api.nixflex.com', max_retries=0) as client:\n"
        "    client.phone_numbers.list()\n```\n"
    )
    with pytest.raises(AssertionError, match="APIConnectionError"):
        run_page(page, tmp_path)


def test_an_unknown_marker_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- example: maybe -->\n```python\npass\n```\n")
    with pytest.raises(ValueError, match="unknown marker"):
        examples(page)


# --- what the examples print -----------------------------------------------------------------


def _page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_a_print_prints_what_its_comment_shows(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "```python\n"
        "print(1 + 1)  # 2\n"
        "print('x',\n      'y')  # x y\n"
        "print('request_id=req_8f2a')  # request_id=req_...\n"
        "# print(3)  # not a print statement\n"
        "for n in (1, 1):\n    print(n)  # 1\n"
        "```\n",
    )
    assert run_page(page, tmp_path) == 1

    page.write_text("```python\nfor n in (1, 2):\n    print(n)  # 1\n```\n")
    with pytest.raises(AssertionError, match=r"page\.md:3 printed\n +2\nbut its comment"):
        run_page(page, tmp_path)


def test_a_commented_print_must_run(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "```python\ndef show():\n    print('shown')  # shown\n\n\ndef never():\n"
        "    print('never')  # never\n```\n\n```python\nshow()\n```\n",
    )
    with pytest.raises(AssertionError, match=r"page\.md:7 never ran") as failure:
        run_page(page, tmp_path)
    assert "page.md:3" not in str(failure.value)  # called from the next block: it ran


def test_an_output_block_is_what_the_block_before_it_printed(tmp_path: Path) -> None:
    page = _page(
        tmp_path,
        "```python\nprint('a')\nprint('b', 'req_1234')\n```\n\nProse.\n\n"
        "<!-- example: output -->\n```text\na\nb req_...\n```\n",
    )
    assert run_page(page, tmp_path) == 1

    page.write_text(page.read_text().replace("b req_...", "c req_..."))
    with pytest.raises(
        AssertionError,
        match=r"(?s)page\.md:2 printed\n +a\n +b req_1234\n"
        r"but \S*page\.md:10 shows\n +a\n +c req_\.\.\.",
    ):
        run_page(page, tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "<!-- example: output -->\n```text\nno block before it\n```\n",
        "```python\npass\n```\n<!-- example: output -->\n```python\npass\n```\n",
        "<!-- example: skip -->\n```python\npass\n```\n<!-- example: output -->\n```text\n```\n",
        "```python\npass\n```\n<!-- example: output -->\n```text\n```\n"
        "<!-- example: output -->\n```text\n```\n",
    ],
)
def test_an_output_block_must_follow_a_python_block_that_runs(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="output block"):
        examples(_page(tmp_path, text))
