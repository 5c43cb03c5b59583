"""Which npm lockfile a `RUN npm install` could install exactly (DG115 fires only then).

`npm ci` needs package-lock.json or npm-shrinkwrap.json next to package.json; recommending it
where there is no lockfile would be advice that breaks the build. So we look at what the stage
copies in (COPY/ADD sources, bind mounts of the RUN) and, when the build context folder is
known, at the files in the context those sources name.
"""

from __future__ import annotations

import itertools
import posixpath
from pathlib import Path

from workers.lint.model import Instruction, Stage
from workers.lint.rules_stage import LintContext

LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
_MAX_MATCHES = 200  # a COPY glob over a huge context: enough to decide, bounded work


def _sources(ins: Instruction) -> list[str]:
    """Local sources of a COPY/ADD (not --from, not URLs, not heredocs), context-relative."""
    if ins.flag("from") is not None:
        return []
    out = []
    for src in ins.args[:-1]:
        norm = posixpath.normpath(src.lstrip("/") or ".")
        if src.startswith(("<<", "http://", "https://", "git@")) or norm == ".." or norm.startswith("../"):
            continue
        out.append(norm)
    return out


def _in_context(context: Path, src: str) -> str | None:
    """A lockfile in the context that copying `src` brings along (or that sits by its package.json)."""
    try:
        matches = [context] if src == "." else list(itertools.islice(context.glob(src), _MAX_MATCHES))
    except (ValueError, OSError):  # a pattern pathlib refuses, an unreadable folder: not known
        return None
    copied = {m for m in matches if m.name in LOCKFILES}
    for match in matches:
        folder = match if match.is_dir() else match.parent
        if match.is_dir() or match.name in ("package.json", *LOCKFILES):
            for name in LOCKFILES:
                lockfile = folder / name
                if lockfile.is_file():
                    rel = lockfile.relative_to(context).as_posix()
                    if match.is_dir() or lockfile in copied:
                        return f"{rel} is copied in with package.json"
                    return f"{rel} is in the build context next to package.json (COPY it in too)"
    return None


def npm_lockfile(ctx: LintContext, stage: Stage, run: Instruction) -> str | None:
    """Why a lockfile is available to `run` (a RUN of `stage`), or None when none is known to be."""
    for flag in run.flags:
        if flag.startswith("--mount=") and any(name in flag for name in LOCKFILES):
            return "a lockfile is mounted into this RUN"
    for s in reversed(ctx.doc.chain(stage)):
        for ins in s.instructions:
            if s is stage and ins.line >= run.line:
                break
            if ins.cmd not in ("COPY", "ADD"):
                continue
            for src in _sources(ins):
                if posixpath.basename(src) in LOCKFILES:
                    return f"{src} is copied into the image"
                found = _in_context(ctx.context, src) if ctx.context is not None else None
                if found:
                    return found
    return None
