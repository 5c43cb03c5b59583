"""Fetch exactly one commit of a repository into a scratch folder.

The installation token travels as an HTTP header through git's environment-only configuration
(GIT_CONFIG_COUNT/KEY/VALUE): never in the URL, argv, the on-disk git config or a log line.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from attestations.errors import DockgateError, TransientError

logger = logging.getLogger(__name__)
_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


class CheckoutError(DockgateError):
    """The commit could not be fetched."""


def _git(args: list[str], cwd: Path, env: dict[str, str], timeout: float) -> None:
    try:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise TransientError(f"git {args[0]} timed out after {timeout:.0f}s") from exc
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise CheckoutError(f"git {args[0]} failed: {detail[0]}") from exc


def _env(clone_url: str, token: Callable[[], str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "HOME": tempfile.gettempdir()})
    if token is not None and _may_send_token(clone_url):
        basic = base64.b64encode(f"x-access-token:{token()}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            }
        )
    return env


def _may_send_token(clone_url: str) -> bool:
    """Tokens go over HTTPS only; plain HTTP is accepted for loopback (a local GHES or test server)."""
    if clone_url.startswith("https://"):
        return True
    host = urlsplit(clone_url).hostname or ""
    return clone_url.startswith("http://") and host in {"127.0.0.1", "::1", "localhost"}


@contextmanager
def checkout(
    clone_url: str, sha: str, *, token: Callable[[], str] | None = None, timeout: float = 300.0
) -> Iterator[Path]:
    """A shallow checkout of `sha` from `clone_url`, removed when the block ends."""
    if not _SHA.match(sha):
        raise CheckoutError(f"{sha!r} is not a full commit SHA")
    if "@" in clone_url.split("://", 1)[-1].split("/", 1)[0]:
        raise CheckoutError("the clone URL carries credentials: dockgate passes tokens as headers only")
    root = Path(tempfile.mkdtemp(prefix="dockgate-checkout-"))
    try:
        env = _env(clone_url, token)
        _git(["init", "-q"], root, env, timeout)
        _git(["fetch", "-q", "--depth", "1", "--no-tags", clone_url, sha], root, env, timeout)
        _git(["-c", "advice.detachedHead=false", "checkout", "-q", "FETCH_HEAD"], root, env, timeout)
        logger.info("checked out %s at %s", clone_url, sha[:12])
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
