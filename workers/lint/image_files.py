"""DG204/DG205/DG207/DG208: what the merged image filesystem contains.

Each finding names the file and points at the Dockerfile line whose layer last wrote it. Results
are capped per rule (a tree of 5,000 cache files is one problem, not 5,000 findings).
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from workers.lint.findings import Finding
from workers.lint.secrets import KEY_EXTENSIONS, SECRET_BASENAMES, SECRET_PATH_ALLOW, SECRET_PATH_PATTERNS

if TYPE_CHECKING:
    from workers.lint.image_rules import FileLike, ImageContext, ImageLike

MAX_PER_RULE = 10
# setuid/setgid programs Debian/Alpine bases ship themselves (used when the base cannot be told apart).
DISTRO_SETID = frozenset(
    {"su", "passwd", "chsh", "chfn", "newgrp", "gpasswd", "mount", "umount", "chage", "expiry", "unix_chkpwd",
     "ssh-keysign", "dbus-daemon-launch-helper", "pkexec", "ping", "wall", "write", "crontab", "ssh-agent",
     "dotlockfile", "bsd-write", "fusermount", "fusermount3", "pam_extrausers_chkpwd",
     "polkit-agent-helper-1"}
)  # fmt: skip
_TOOL = re.compile(
    r"^(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+|gfortran|tcc|make|gmake|cmake|[a-z0-9_]+-linux-gnu-gcc)(?:-\d+)?$"
)
_TOOL_DIRS = ("/usr/bin/", "/usr/local/bin/", "/bin/", "/usr/sbin/")
CACHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("apt lists", re.compile(r"^/var/lib/apt/lists/[^/]+_[^/]+$")),
    ("apt archive cache", re.compile(r"^/var/cache/apt/(?:archives/[^/]+\.deb|[^/]+\.bin)$")),
    ("pip cache", re.compile(r"^/(?:root|home/[^/]+)/\.cache/pip/")),
    ("npm cache", re.compile(r"^/(?:root|home/[^/]+)/\.npm/_cacache/")),
    ("yarn cache", re.compile(r"^/usr/local/share/\.cache/yarn/|^/(?:root|home/[^/]+)/\.cache/yarn/")),
    ("apk cache", re.compile(r"^/var/cache/apk/[^/]+\.tar\.gz$")),
)


def _capped(rule: str, items: list[tuple[str, int]], ctx: ImageContext) -> list[Finding]:
    """One finding per (path, layer) up to the cap, then one summary finding."""
    out = [ctx.finding(rule, ctx.line_of_layer(layer), detail) for detail, layer in items[:MAX_PER_RULE]]
    if len(items) > MAX_PER_RULE:
        out.append(ctx.finding(rule, None, f"{len(items) - MAX_PER_RULE} more file(s) like these"))
    return out


def _head(image: ImageLike, path: str) -> bytes:
    """The first MiB of a file; unreadable counts as empty (the path alone decides then)."""
    try:
        return image.read(path, limit=1 << 20)
    except Exception:  # noqa: BLE001 - the reader's own errors (too large, not a file) vary by source
        return b""


def _secret_file(entry: FileLike, head: Callable[[], bytes]) -> bool:
    if any(p.search(entry.path) for p in SECRET_PATH_ALLOW):
        return False
    if entry.type == "dir":
        return entry.path.endswith("/.git")
    if entry.type != "file":
        return False
    base = posixpath.basename(entry.path)
    if base == ".npmrc":
        return bool(re.search(rb"_authToken\s*=|_auth\s*=|_password\s*=", head()))
    if base in SECRET_BASENAMES or any(p.search(entry.path) for p in SECRET_PATH_PATTERNS):
        return True
    if KEY_EXTENSIONS.search(base):
        return entry.path.endswith((".p12", ".pfx")) or b"PRIVATE KEY-----" in head()
    return False


def secret_files(image: ImageLike, files: Sequence[FileLike], ctx: ImageContext) -> list[Finding]:
    """DG204: private keys, .env, credential files, tokens in .npmrc, .git directories.

    Also the ones a later layer deleted or overwrote: `RUN rm` does not take a file out of the
    layer that added it, and anyone who pulls the image can extract it from there.
    """
    hits = [
        (f"{entry.path} is in the image", entry.layer_index)
        for entry in files
        if _secret_file(entry, partial(_head, image, entry.path))
    ]
    shadowed = getattr(image, "shadowed", None)
    hits += [
        (
            f"{entry.path} was removed or replaced by a later layer but is still in the layer that"
            f" added it (layer {entry.layer_index}): anyone who pulls the image can extract it",
            entry.layer_index,
        )
        for entry in (shadowed() if shadowed is not None else ())
        if _secret_file(entry, partial(_shadowed_head, image, entry))
    ]
    return _capped("DG204", hits, ctx)


def _shadowed_head(image: ImageLike, entry: FileLike) -> bytes:
    try:
        data: bytes = image.read_shadowed(entry, limit=1 << 20)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - too large or not a file: the path alone decides
        return b""
    return data


def setid_files(files: Iterable[FileLike], ctx: ImageContext) -> list[Finding]:
    """DG205: setuid/setgid files not from the base image's own layers (nor the distro's own set)."""
    hits = []
    for entry in files:
        if entry.type != "file" or not entry.mode & 0o6000:
            continue
        if entry.layer_index in ctx.base_layers or posixpath.basename(entry.path) in DISTRO_SETID:
            continue
        bits = "setuid" if entry.mode & 0o4000 else "setgid"
        hits.append((f"{entry.path} is {bits} (mode {entry.mode & 0o7777:04o})", entry.layer_index))
    return _capped("DG205", hits, ctx)


def cache_findings(files: Iterable[FileLike], ctx: ImageContext) -> list[Finding]:
    """DG207: one finding per cache kind and layer, with the bytes it wastes."""
    sizes: dict[tuple[str, int], list[int]] = defaultdict(list)
    for entry in files:
        if entry.type != "file":
            continue
        for kind, pattern in CACHES:
            if pattern.search(entry.path):
                sizes[(kind, entry.layer_index)].append(entry.size)
                break
    items = [
        (f"{kind} left in the image ({len(s)} files, {sum(s) / 1024:.0f} KiB)", layer)
        for (kind, layer), s in sizes.items()
    ]
    return _capped("DG207", items, ctx)


def tool_files(files: Iterable[FileLike], ctx: ImageContext) -> list[Finding]:
    """DG208: compilers and build tools on the PATH of the image."""
    hits = [
        (f"{entry.path} (a compiler/build tool) is in the image", entry.layer_index)
        for entry in files
        if entry.type in ("file", "symlink", "hardlink")
        and entry.path.startswith(_TOOL_DIRS)
        and _TOOL.match(posixpath.basename(entry.path))
    ]
    return _capped("DG208", hits, ctx)
