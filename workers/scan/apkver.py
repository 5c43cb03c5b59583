"""Alpine (apk) version ordering, written from apk-tools' documented version grammar.

univers rejects versions that are common in aports (`_git2024…`, `_cvs`, `_svn`), so a matcher
that relied on it would crash on real Alpine data. The grammar is Gentoo's:
``digits{.digits}[letter]{_suffix[digits]}[-r digits]``; pre-release suffixes (alpha, beta, pre,
rc) sort below the bare release and post suffixes (cvs, svn, git, hg, p) above it. A component
after a dot that starts with ``0`` compares as a decimal fraction (``1.02 < 1.1``).
"""

from __future__ import annotations

from enum import IntEnum

_PRE = ("alpha", "beta", "pre", "rc")
_POST = ("cvs", "svn", "git", "hg", "p")


class _Kind(IntEnum):
    INVALID = -1
    DOT_NUMBER = 0  # a numeric component after '.', where leading zeros matter
    NUMBER = 1
    LETTER = 2
    SUFFIX = 3
    SUFFIX_NUMBER = 4
    REVISION = 5
    END = 6


Token = tuple[_Kind, int]


def _number(text: str, pos: int) -> tuple[int, int]:
    end = pos
    while end < len(text) and text[end].isdigit():
        end += 1
    return (int(text[pos:end]) if end > pos else 0), end


def _suffix_value(text: str, pos: int) -> tuple[int, int] | None:
    for index, word in enumerate(_PRE):
        if text.startswith(word, pos):
            return index - len(_PRE), pos + len(word)
    for index, word in enumerate(_POST):
        if text.startswith(word, pos):
            return index, pos + len(word)
    return None


def _next_kind(previous: _Kind, text: str, pos: int) -> tuple[_Kind, int]:
    """The kind of the token starting at `pos` and where its value begins."""
    if pos >= len(text):
        return _Kind.END, pos
    char = text[pos]
    if previous in (_Kind.NUMBER, _Kind.DOT_NUMBER) and char.islower():
        kind, start = _Kind.LETTER, pos
    elif previous is _Kind.LETTER and char.isdigit():
        kind, start = _Kind.NUMBER, pos
    elif previous is _Kind.SUFFIX and char.isdigit():
        kind, start = _Kind.SUFFIX_NUMBER, pos
    elif char == ".":
        kind, start = _Kind.DOT_NUMBER, pos + 1
    elif char == "_":
        kind, start = _Kind.SUFFIX, pos + 1
    elif text.startswith("-r", pos):
        kind, start = _Kind.REVISION, pos + 2
    else:
        return _Kind.INVALID, pos
    allowed_backwards = {
        (_Kind.DOT_NUMBER, _Kind.NUMBER),
        (_Kind.SUFFIX, _Kind.SUFFIX_NUMBER),
        (_Kind.NUMBER, _Kind.LETTER),
    }
    if kind < previous and (kind, previous) not in allowed_backwards:
        return _Kind.INVALID, pos
    return kind, start


def tokens(version: str) -> list[Token]:
    """Split a version into (kind, value) tokens, ending with an END or INVALID token."""
    out: list[Token] = []
    kind, pos = _Kind.NUMBER, 0
    while True:
        if kind in (_Kind.END, _Kind.INVALID):
            out.append((kind, -1 if kind is _Kind.INVALID else 0))
            return out
        if kind is _Kind.DOT_NUMBER and version.startswith("0", pos):
            rest = version[pos:]
            zeros = len(rest) - len(rest.lstrip("0"))
            out.append((kind, -zeros))
            pos += zeros
            kind = _Kind.NUMBER if pos < len(version) else _Kind.END
            continue
        if kind is _Kind.LETTER:
            value, pos = ord(version[pos]), pos + 1
        elif kind is _Kind.SUFFIX:
            found = _suffix_value(version, pos)
            if found is None:  # an unknown suffix sorts like a pre-release, then stops
                out += [(_Kind.SUFFIX, -1), (_Kind.INVALID, -1)]
                return out
            value, pos = found
        else:
            value, pos = _number(version, pos)
        out.append((kind, value))
        kind, pos = _next_kind(kind, version, pos)


def is_valid(version: str) -> bool:
    """True when apk itself would accept `version`."""
    return version[:1].isdigit() and tokens(version)[-1][0] is _Kind.END


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` sorts before, equal to or after `right` in apk's order."""
    a, b = tokens(left), tokens(right)
    for (kind_a, value_a), (kind_b, value_b) in zip(a, b, strict=False):
        if kind_a != kind_b:
            return _tail_order(kind_a, value_a, kind_b, value_b)
        if value_a != value_b:
            return -1 if value_a < value_b else 1
        if kind_a in (_Kind.END, _Kind.INVALID):
            return 0
    return 0


def _tail_order(kind_a: _Kind, value_a: int, kind_b: _Kind, value_b: int) -> int:
    """Equal prefixes, different next token: a pre-release suffix is older, else the longer wins."""
    if kind_a is _Kind.SUFFIX and value_a < 0:
        return -1
    if kind_b is _Kind.SUFFIX and value_b < 0:
        return 1
    return -1 if kind_a > kind_b else 1
