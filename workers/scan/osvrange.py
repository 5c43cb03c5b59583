"""OSV's affected-range algorithm (https://ossf.github.io/osv-schema/#evaluation).

Events of an ECOSYSTEM or SEMVER range are sorted with the ecosystem's comparator (``"0"`` is
minus infinity); walking them in order, ``introduced`` opens an affected interval, ``fixed``
closes it exclusively and ``last_affected`` inclusively; ``limit`` caps the whole range. The
``versions[]`` list is an exact enumeration and is unioned in. GIT ranges need commit graphs we do
not have, so a record with nothing else is reported as not evaluable rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from workers.scan.versions import InvalidVersion

_EVALUABLE = frozenset({"ECOSYSTEM", "SEMVER"})
_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 1}


@dataclass(frozen=True)
class Verdict:
    """Whether one installed version is affected by one OSV `affected[]` entry."""

    affected: bool
    matched_by: str = ""  # "range" or "versions"
    fixed: tuple[str, ...] = ()
    skip_reason: str = ""


class ParsedRange:
    """One range's events, sorted once and reused for every component that meets it."""

    __slots__ = ("events", "limits")

    def __init__(self, events: list[tuple[tuple[int, Any, int], str, str]], limits: list[Any]) -> None:
        self.events = events
        self.limits = limits

    def contains(self, key: Any) -> bool:
        if any(key >= limit for limit in self.limits):
            return False
        affected = False
        for (rank, event_key, _), kind, _text in self.events:
            if rank == 0:  # introduced "0"
                affected = True
            elif kind == "introduced" and key >= event_key:
                affected = True
            elif kind == "fixed" and key >= event_key:
                affected = False
            elif kind == "last_affected" and key > event_key:
                affected = False
        return affected

    def fixed_above(self, key: Any) -> list[str]:
        return [text for (rank, ek, _), kind, text in self.events if kind == "fixed" and ek > key]


def parse_range(raw: dict[str, Any], version_key: Callable[[str], Any]) -> ParsedRange:
    """Sort one range's events; raises InvalidVersion when an event is not a valid version."""
    events: list[tuple[tuple[int, Any, int], str, str]] = []
    limits: list[Any] = []
    for event in raw.get("events", ()):
        for kind, text in event.items():
            text = str(text)
            if kind == "limit":
                if text != "*":
                    limits.append(version_key(text))
            elif kind == "introduced" and text == "0":
                events.append(((0, None, 0), kind, text))
            elif kind in _ORDER:
                events.append(((1, version_key(text), _ORDER[kind]), kind, text))
    events.sort(key=_sort_key)
    return ParsedRange(events, limits)


class _MinusInfinity:
    def __lt__(self, other: object) -> bool:
        return not isinstance(other, _MinusInfinity)

    def __gt__(self, other: object) -> bool:
        return False


_MINUS_INFINITY = _MinusInfinity()


def _sort_key(item: tuple[tuple[int, Any, int], str, str]) -> tuple[int, Any, int]:
    rank, key, order = item[0]
    return (rank, _MINUS_INFINITY if key is None else key, order)


def evaluate(
    installed: str,
    installed_key: Any,
    normalised: str,
    ranges: Sequence[ParsedRange | str],
    versions: frozenset[str],
    has_git_only: bool,
) -> Verdict:
    """Apply the OSV algorithm; `ranges` holds parsed ranges or the reason one could not be parsed."""
    if normalised in versions or installed in versions:
        fixed = sorted(
            {f for r in ranges if isinstance(r, ParsedRange) for f in r.fixed_above(installed_key)}
        )
        return Verdict(True, "versions", tuple(fixed))
    problems = [r for r in ranges if isinstance(r, str)]
    for parsed in ranges:
        if isinstance(parsed, ParsedRange) and parsed.contains(installed_key):
            return Verdict(True, "range", tuple(parsed.fixed_above(installed_key)))
    if problems:
        return Verdict(False, skip_reason=problems[0])
    if not ranges and not versions and has_git_only:
        return Verdict(False, skip_reason="only GIT ranges (commit hashes), no version range to evaluate")
    return Verdict(False)


def prepare(
    raw_ranges: Sequence[dict[str, Any]], version_key: Callable[[str], Any]
) -> tuple[list[ParsedRange | str], bool]:
    """Parse the evaluable ranges of one entry; report unparseable ones as strings and GIT-only-ness."""
    parsed: list[ParsedRange | str] = []
    git = False
    for raw in raw_ranges:
        kind = raw.get("type")
        if kind not in _EVALUABLE:
            git = git or kind == "GIT"
            continue
        try:
            parsed.append(parse_range(raw, version_key))
        except InvalidVersion as exc:
            parsed.append(f"range not evaluable: {exc}")
    return parsed, git
