"""Findings and the rule table: ids, default levels and the why/fix text are a public contract.

Each rule carries two short sentences of our own, "why it matters" and "how to fix it", so a
developer reading a check run knows what to change without looking anything up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning", "info"]
LEVEL_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    title: str
    why: str
    fix: str


@dataclass(frozen=True)
class Finding:
    """One rule violation, tied to a Dockerfile line (1-based) when that can be decided."""

    rule: str
    level: str
    path: str
    line: int | None
    stage: str | None
    message: str
    fix: str

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.rule)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "level": self.level,
            "path": self.path,
            "line": self.line,
            "stage": self.stage,
            "message": self.message,
            "fix": self.fix,
        }


def _r(id_: str, level: Level, title: str, why: str, fix: str) -> Rule:
    return Rule(id_, level, title, why, fix)


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        _r("DG100", "error", "The image does not build",
           "Nothing can be checked, signed or promoted until the image builds.",
           "Fix the failing step shown in the build log at this line."),
        _r("DG101", "error", "Base image without a tag or with `latest`",
           "The build silently changes whenever the upstream image moves.",
           "Name an explicit version tag, e.g. `python:3.11-slim`."),
        _r("DG102", "warning", "Base image not pinned by digest",
           "A tag can be re-pointed, so the same Dockerfile may build from different bytes.",
           "Append the digest: `image:tag@sha256:...` (renovate/dependabot can keep it fresh)."),
        _r("DG103", "warning", "Shipped stage uses a full-size base image",
           "Full distro/language images carry compilers and tools that enlarge the attack surface.",
           "Use the slim, alpine or distroless variant for the final stage."),
        _r("DG104", "warning", "Build tools installed in the shipped stage",
           "Compilers left in a production image help an attacker build exploits inside it.",
           "Install build tools in a builder stage and COPY --from only the artifacts."),
        _r("DG105", "error", "Shipped stage runs as root",
           "A process running as root turns any container escape or RCE into root on the node.",
           "Create an unprivileged user and end the final stage with `USER <name or uid>`."),
        _r("DG106", "warning", "Shipped stage has no HEALTHCHECK",
           "Without a health check the orchestrator cannot tell a hung service from a healthy one.",
           "Add `HEALTHCHECK CMD ...` to the final stage (a builder stage's one does not ship)."),
        _r("DG107", "error", "Secret-like ENV/ARG with a literal value",
           "ENV and ARG values are stored in the image config and history for anyone who pulls it.",
           "Pass secrets at run time or with `RUN --mount=type=secret`; never bake them in."),
        _r("DG108", "warning", "ADD where COPY suffices, or ADD of a remote URL",
           "ADD silently extracts archives and fetches URLs without verification.",
           "Use COPY for local files; fetch remote files in a RUN step that verifies a checksum."),
        _r("DG109", "warning", "CMD/ENTRYPOINT in shell form",
           "Shell form runs under /bin/sh -c, so the app does not get SIGTERM and cannot stop gracefully.",
           'Use the exec (JSON) form, e.g. `CMD ["python", "app.py"]`.'),
        _r("DG110", "warning", "Whole build context copied before installing dependencies",
           "Any source change invalidates the dependency layer, so every build reinstalls everything.",
           "COPY the lockfiles first, install dependencies, then COPY the rest of the source."),
        _r("DG111", "warning", "apt lists not removed in the RUN that fetched them",
           "Package lists add tens of MB to the layer and go stale.",
           "End the RUN with `&& rm -rf /var/lib/apt/lists/*`."),
        _r("DG112", "warning", "`apt-get update` without an install in the same RUN",
           "A cached update layer leads later installs to use stale package lists.",
           "Run `apt-get update && apt-get install -y ...` in one RUN."),
        _r("DG113", "info", "apt-get install without --no-install-recommends",
           "Recommended packages bloat the image with software nobody asked for.",
           "Add `--no-install-recommends` to apt-get install."),
        _r("DG114", "info", "pip install without --no-cache-dir",
           "pip's download cache stays in the layer and only adds size.",
           "Add `--no-cache-dir` (or set `ENV PIP_NO_CACHE_DIR=1`)."),
        _r("DG115", "info", "`npm install` where `npm ci` fits",
           "`npm install` may rewrite the lockfile and resolve different versions than were tested.",
           "Use `npm ci` (with `--omit=dev` for production) to install exactly the lockfile."),
        _r("DG116", "error", "sudo in RUN",
           "sudo has unpredictable TTY and signal behaviour and hints the image keeps privilege tooling.",
           "RUN steps already run as the current USER; switch USER around privileged steps instead."),
        _r("DG117", "warning", "Build context without a proper .dockerignore",
           "Without it .git history and .env secrets are sent to the builder and can land in the image.",
           "Add a .dockerignore listing at least `.git` and `.env`."),
        _r("DG118", "warning", "Remote script piped into a shell",
           "Whatever the server returns at build time runs unverified in the build.",
           "Download to a file, verify its checksum or signature, then run it."),
        _r("DG119", "info", "Relative WORKDIR or `cd` in RUN",
           "The working directory then depends on earlier instructions and is easy to break.",
           "Use an absolute `WORKDIR /path` instead of `cd`."),
        _r("DG120", "warning", "More than one CMD or ENTRYPOINT in a stage",
           "Only the last one takes effect, so the earlier one is dead code that misleads readers.",
           "Keep a single CMD and a single ENTRYPOINT per stage."),
        _r("DG121", "info", "apk add without --no-cache",
           "The apk index cache stays in the layer.",
           "Use `apk add --no-cache ...`."),
        _r("DG122", "info", "MAINTAINER is deprecated",
           "MAINTAINER is ignored by modern tooling.",
           'Use `LABEL org.opencontainers.image.authors="..."`.'),
        _r("DG123", "warning", "chmod 777 or setuid/setgid bits in RUN",
           "World-writable or setuid files let any process in the container escalate or tamper.",
           "Grant the narrowest mode needed (e.g. 0755/0644) and avoid setuid/setgid bits."),
        _r("DG124", "error", "The Dockerfile does not parse",
           "The builder will reject it, and no other rule can be checked reliably.",
           "Fix the syntax at the reported line."),
        _r("DG201", "error", "Image runs as root",
           "A process running as root turns any container escape or RCE into root on the node.",
           "Set a non-root USER in the final stage."),
        _r("DG202", "warning", "Image has no health check",
           "The orchestrator cannot tell a hung service from a healthy one.",
           "Add a HEALTHCHECK to the final stage."),
        _r("DG203", "error", "Secret in the image config or history",
           "Env values and build commands are readable by anyone who pulls the image.",
           "Rotate the secret, then pass it at run time or with `RUN --mount=type=secret`."),
        _r("DG204", "error", "Secret file in the image filesystem",
           "Anyone who pulls the image can read it, even if a later layer deletes it.",
           "Exclude it in .dockerignore or use `RUN --mount=type=secret`; rotate the secret."),
        _r("DG205", "warning", "setuid/setgid file beyond the base distribution's own",
           "Extra setuid binaries are a classic local privilege escalation path.",
           "Remove the bit (`chmod u-s,g-s`) or the file."),
        _r("DG206", "warning", "Image larger than its size budget",
           "Big images pull slowly, cost storage and usually carry unneeded software.",
           "Use a slimmer base and multi-stage builds, or raise `size_budget_mb` deliberately."),
        _r("DG207", "warning", "Package-manager caches left in the image",
           "Caches only add size and stale metadata.",
           "Clean them in the same RUN that creates them (or use --no-cache flags)."),
        _r("DG208", "warning", "Compilers/build tools present in the image",
           "Compilers in a production image help an attacker build exploits inside it.",
           "Build in a separate stage and copy only the artifacts into the final image."),
    )
}  # fmt: skip


def make(rule: str, path: str, line: int | None, stage: str | None, detail: str) -> Finding:
    """A finding at the rule's default level; the message is the detail plus why it matters."""
    spec = RULES[rule]
    return Finding(rule, spec.level, path, line, stage, f"{detail}. {spec.why}", spec.fix)
