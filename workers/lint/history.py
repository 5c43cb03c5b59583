"""Map image history entries (and so layers) back to the Dockerfile lines that made them.

The shipped stage's instructions (its ancestors' first) each leave one history entry, so the
history tail is aligned with the instruction list from the end, comparing the instruction kind
read from `created_by` (classic builder `#(nop) ENV ...` / `/bin/sh -c ...`, BuildKit
`RUN ... # buildkit`). Instructions that may leave no entry (ARG under BuildKit) are skipped, and
so are the LABEL entries the builder appends for `--label`. On any other mismatch mapping
stops: the rest is the base image, and a wrong line is worse than none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workers.lint.model import KNOWN, Dockerfile, Instruction

_METADATA = frozenset(
    {"ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT", "EXPOSE", "USER", "HEALTHCHECK", "VOLUME", "STOPSIGNAL",
     "SHELL", "ONBUILD", "MAINTAINER", "WORKDIR"}
)  # fmt: skip


def history_kind(created_by: str) -> str:
    """The Dockerfile instruction a history entry came from ("?" when unknown)."""
    text = created_by.strip()
    if "#(nop)" in text:
        word = text.split("#(nop)", 1)[1].split(None, 1)
        return word[0].upper() if word else "?"
    text = text.removesuffix("# buildkit").strip()
    if re.match(r"^\|\d+ ", text) or text.startswith(("/bin/sh -c", "/bin/bash -c", "cmd /S /C")):
        return "RUN"
    first = text.split(None, 1)[0].upper() if text else "?"
    return first if first in KNOWN else "?"


def shipped_instructions(doc: Dockerfile, target: str | None) -> list[Instruction]:
    final = doc.final(target)
    if final is None:
        return []
    return [i for stage in reversed(doc.chain(final)) for i in stage.instructions]


def align(created_by: Sequence[str], instructions: Sequence[Instruction]) -> dict[int, Instruction]:
    """History index -> the instruction that produced it, for the entries that can be decided."""
    out: dict[int, Instruction] = {}
    i, j = len(created_by) - 1, len(instructions) - 1
    while i >= 0 and j >= 0:
        kind, ins = history_kind(created_by[i]), instructions[j]
        if kind == ins.cmd or (kind == "RUN" and ins.cmd == "RUN"):
            out[i] = ins
            i, j = i - 1, j - 1
        elif kind == "LABEL":  # `docker build --label` appends LABEL entries of its own
            i -= 1
        elif ins.cmd in _METADATA:
            j -= 1
        else:
            break
    return out


def base_boundary(created_by: Sequence[str], mapping: dict[int, Instruction]) -> int:
    """Index of the first history entry made by the Dockerfile (entries before it are the base's)."""
    return min(mapping) if mapping else len(created_by)
