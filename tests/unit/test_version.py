"""One version everywhere: `nixflex.__version__`, the installed distribution, and CHANGELOG.md."""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

import nixflex

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"
# Keep a Changelog: `## [1.2.3] - 2026-11-23` for a release, `## [Unreleased]` above them.
RELEASE = re.compile(r"^## \[(?P<version>\d+\.\d+\.\d+[^\]]*)\] - (?P<date>\d{4}-\d{2}-\d{2})$")
HEADING = re.compile(r"^## \[(?P<name>[^\]]+)\]")
KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def _headings() -> list[str]:
    return [
        line
        for line in CHANGELOG.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]


def newest_release() -> str:
    """The version of the first release heading in CHANGELOG.md."""
    for line in _headings():
        match = RELEASE.match(line)
        if match:
            return match["version"]
    raise AssertionError("CHANGELOG.md has no release heading like '## [0.1.0] - 2026-11-23'")


def test_the_package_the_distribution_and_the_changelog_agree() -> None:
    assert nixflex.__version__ == version("nixflex"), (
        "the installed metadata is stale: reinstall with `pip install -e '.[dev]'`"
    )
    assert nixflex.__version__ == newest_release(), (
        "src/nixflex/_version.py and the newest release in CHANGELOG.md differ"
    )


def test_the_changelog_keeps_a_changelog() -> None:
    headings = _headings()
    assert headings[0] == "## [Unreleased]", "the first section is ## [Unreleased]"
    for line in headings[1:]:
        assert RELEASE.match(line), f"not a release heading: {line!r}"
    names = [match["name"] for line in headings if (match := HEADING.match(line))]
    assert len(names) == len(set(names)), "a version appears twice"
    releases = [tuple(int(part) for part in re.findall(r"\d+", name)[:3]) for name in names[1:]]
    assert releases == sorted(releases, reverse=True), "releases go newest first"
    text = CHANGELOG.read_text(encoding="utf-8")
    for kind in re.findall(r"^### (.+)$", text, flags=re.MULTILINE):
        assert kind in KINDS, f"### {kind}: Keep a Changelog's kinds are {sorted(KINDS)}"
