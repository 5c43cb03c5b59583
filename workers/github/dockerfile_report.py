"""The default pipeline until the full one is wired: read the Dockerfile and report it.

It does real, cheap work only (one contents API call) and never claims a verdict it did not
compute: the conclusion is `neutral` and the title says the build pipeline is not configured.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from github import Auth, Github

from workers.checks import CheckOutcome
from workers.github.ratelimit import call_github
from workers.jobs import ImageJobContext

FROM_RE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)", re.IGNORECASE | re.MULTILINE)


class DockerfileReport:
    """Fetch `ctx.dockerfile` at the head commit; list its base images."""

    def run(self, ctx: ImageJobContext, progress: Callable[[str], None]) -> CheckOutcome:
        progress(f"reading {ctx.dockerfile}")
        client = Github(
            auth=Auth.Token(ctx.installation_token()), base_url=ctx.api_url, retry=None, lazy=True
        )
        repo = client.get_repo(ctx.repository, lazy=True)
        content = call_github(
            "read the Dockerfile", lambda: repo.get_contents(ctx.dockerfile, ref=ctx.head_sha)
        )
        if isinstance(content, list):
            return CheckOutcome("neutral", f"{ctx.dockerfile} is a directory", "No Dockerfile to report on.")
        text = content.decoded_content.decode("utf-8", "replace")
        bases = FROM_RE.findall(text)
        summary = (
            f"Read `{ctx.dockerfile}` at `{ctx.head_sha[:12]}` ({len(text.encode())} bytes, "
            f"{len(bases)} stage(s); base images: {', '.join(f'`{b}`' for b in bases) or 'none'}).\n\n"
            "The build/lint/SBOM/scan pipeline is not configured on this dockgate instance, "
            "so no verdict was computed."
        )
        trust = "trusted branch" if ctx.trusted else "untrusted (fork) pull request"
        return CheckOutcome(
            conclusion="neutral",
            title="Dockerfile read; pipeline not configured",
            summary=summary,
            text=f"Source: {trust}.\n\n```dockerfile\n{text}\n```",
        )
