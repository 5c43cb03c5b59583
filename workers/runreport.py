"""The result of one image's pipeline run, and the report people read: check run, CLI, report.md.

One value (`ImageRun`) feeds every rendering, so the check run, `dockgate run`'s report and the
dashboard can never disagree. Rendering is pure: snapshot tests pin it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from workers.lint import Finding as LintFinding
from workers.scan import ScanReport
from workers.verdict import Verdict

SEVERITIES = ("critical", "high", "medium", "low", "unknown")
LEVEL_TO_ANNOTATION = {"error": "failure", "warning": "warning", "info": "notice"}


@dataclass(frozen=True)
class StageTiming:
    name: str
    seconds: float
    status: str = "ok"  # ok | failed | skipped


@dataclass(frozen=True)
class AttachedEvidence:
    """One signed statement attached to the image."""

    predicate_type: str
    bundle_digest: str
    location: str = ""


@dataclass(frozen=True)
class ImageRun:
    """Everything one pipeline run learned about one image."""

    name: str
    dockerfile: str
    status: str  # passed | failed | cancelled | error
    verdict: Verdict
    image_id: str | None = None
    digest: str | None = None
    reference: str | None = None  # registry/repository@digest once pushed
    size_bytes: int | None = None
    layers: int | None = None
    base_images: tuple[str, ...] = ()
    build_error: str | None = None
    lint: tuple[LintFinding, ...] = ()
    components: dict[str, int] = field(default_factory=dict)  # SBOM counts by ecosystem
    scan: ScanReport | None = None
    evidence: tuple[AttachedEvidence, ...] = ()
    signature: str | None = None
    timings: tuple[StageTiming, ...] = ()
    verify_command: str | None = None
    details_url: str | None = None
    cancelled_reason: str | None = None
    build_log: str = ""  # the engine's build output (bounded by the builder: head and tail kept)

    @property
    def conclusion(self) -> Literal["success", "failure", "cancelled"]:
        if self.status == "cancelled":
            return "cancelled"
        return self.verdict.conclusion

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dockerfile": self.dockerfile,
            "status": self.status,
            "conclusion": self.conclusion,
            "reasons": list(self.verdict.reasons),
            "image_id": self.image_id,
            "digest": self.digest,
            "reference": self.reference,
            "size_bytes": self.size_bytes,
            "layers": self.layers,
            "base_images": list(self.base_images),
            "build_error": self.build_error,
            "lint": [f.as_dict() for f in self.lint],
            "components": dict(sorted(self.components.items())),
            "vulnerabilities": self.scan.to_json() if self.scan else None,
            "attestations": [e.__dict__ for e in self.evidence],
            "signature": self.signature,
            "timings": {t.name: round(t.seconds, 3) for t in self.timings},
            "verify_command": self.verify_command,
            "build_log": self.build_log,
        }


BUILD_LOG_LINES = 40  # of a failed build, in the check run (the full log is in the report)


def _count(items: Iterable[str]) -> Counter[str]:
    return Counter(items)


def title(run: ImageRun) -> str:
    """One line: the verdict and the counts that explain it."""
    if run.status == "cancelled":
        return "Cancelled: superseded by a newer commit" if not run.cancelled_reason else "Cancelled"
    if run.build_error:
        return "Failed: the image did not build"
    levels = _count(f.level for f in run.lint)
    sev = _count(f.severity for f in run.scan.findings) if run.scan else Counter()
    parts = [f"{levels['error']} lint error(s)", f"{levels['warning']} warning(s)"]
    parts += [f"{sev[s]} {s}" for s in ("critical", "high") if sev[s]]
    word = "Passed" if run.verdict.passed else "Failed"
    return f"{word}: " + ", ".join(parts)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _mb(size: int | None) -> str:
    return f"{size / 1_000_000:.1f} MB" if size is not None else "—"


def summary(run: ImageRun) -> str:
    """The check run's summary: verdict, reasons, then one section per stage."""
    lines = [f"## {'✅' if run.conclusion == 'success' else '⏹️' if run.status == 'cancelled' else '❌'} "
             f"`{run.name}` — {title(run)}", ""]  # fmt: skip
    if run.status == "cancelled":
        lines += [
            run.cancelled_reason or "A newer commit superseded this one; its run replaces this one.",
            "",
        ]
        return "\n".join(lines)
    if run.verdict.reasons:
        lines += ["### Why it failed", ""] + [f"- {r}" for r in run.verdict.reasons] + [""]
    lines += _image_section(run) + _lint_section(run) + _sbom_section(run) + _vuln_section(run)
    lines += _evidence_section(run) + _timing_section(run)
    if run.details_url:
        lines += ["", f"Full report: {run.details_url}"]
    return "\n".join(lines).rstrip() + "\n"


def _image_section(run: ImageRun) -> list[str]:
    rows: list[tuple[str, object]] = [("Dockerfile", f"`{run.dockerfile}`")]
    rows.append(("Digest", f"`{run.digest}`" if run.digest else "—"))
    rows += [("Size", _mb(run.size_bytes)), ("Layers", run.layers if run.layers is not None else "—")]
    rows += [("Base images", ", ".join(f"`{b}`" for b in run.base_images) or "—")]
    if run.build_error:
        rows.append(("Build error", run.build_error))
    lines = ["### Image", "", *_table(("", ""), rows), ""]
    if run.build_error and run.build_log:
        tail = run.build_log.rstrip("\n").splitlines()[-BUILD_LOG_LINES:]
        text = "\n".join(line[:500] for line in tail).replace("`", "'")
        lines += [f"<details open><summary>Build log (last {len(tail)} lines)</summary>", "",
                  "```text", text, "```", "", "</details>", ""]  # fmt: skip
    return lines


def _lint_section(run: ImageRun) -> list[str]:
    levels = _count(f.level for f in run.lint)
    lines = ["### Best practices", "", *_table(("error", "warning", "info"), [
        (levels["error"], levels["warning"], levels["info"])]), ""]  # fmt: skip
    ordered = sorted(run.lint, key=lambda f: ({"error": 0, "warning": 1}.get(f.level, 2), f.sort_key()))
    if ordered:
        rows = [(f.level, f.rule, f"{f.path}:{f.line}" if f.line else f.path, f.message) for f in ordered]
        lines += [*_table(("level", "rule", "where", "finding"), rows), ""]
    return lines


def _sbom_section(run: ImageRun) -> list[str]:
    if not run.components:
        return []
    rows = sorted(run.components.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(run.components.values())
    return ["### SBOM", "", *_table(("ecosystem", "components"), [*rows, ("**total**", total)]), ""]


def _vuln_section(run: ImageRun) -> list[str]:
    if run.scan is None:
        return []
    sev = _count(f.severity for f in run.scan.findings)
    snapshot = run.scan.db.get("snapshot") or "unknown"
    lines = ["### Vulnerabilities", "", f"Database snapshot: {snapshot}", ""]
    lines += _table(SEVERITIES, [tuple(sev[s] for s in SEVERITIES)]) + [""]
    ranked = sorted(run.scan.findings, key=lambda f: (SEVERITIES.index(_sev(f.severity)), f.package, f.id))
    if ranked:
        rows = [(f.severity, f.id, f"`{f.purl}`", ", ".join(f.fixed_versions) or "no fix") for f in ranked]
        lines += [*_table(("severity", "id", "package", "fixed in"), rows), ""]
    if run.scan.suppressed:
        lines += [f"{len(run.scan.suppressed)} finding(s) suppressed by VEX or exceptions.", ""]
    return lines


def _sev(value: str) -> str:
    return value if value in SEVERITIES else "unknown"


def _evidence_section(run: ImageRun) -> list[str]:
    lines = ["### Signature and attestations", ""]
    rows = [("signature", f"`{run.signature}`" if run.signature else "not signed")]
    rows += [(e.predicate_type, f"`{e.bundle_digest}`") for e in run.evidence]
    lines += [*_table(("statement", "bundle digest"), rows), ""]
    if run.verify_command:
        lines += ["Verify it yourself:", "", "```sh", run.verify_command, "```", ""]
    return lines


def _timing_section(run: ImageRun) -> list[str]:
    if not run.timings:
        return []
    rows = [(t.name, f"{t.seconds:.2f} s", t.status) for t in run.timings]
    total = sum(t.seconds for t in run.timings)
    return [
        "### Timings",
        "",
        *_table(("stage", "time", "status"), [*rows, ("**total**", f"{total:.2f} s", "")]),
    ]


def check_annotations(run: ImageRun) -> list[dict[str, Any]]:
    """Check-run annotations for every finding tied to a Dockerfile line."""
    out = []
    for f in sorted(run.lint, key=LintFinding.sort_key):
        if not f.line:
            continue
        out.append({
            "path": f.path, "start_line": f.line, "end_line": f.line,
            "annotation_level": LEVEL_TO_ANNOTATION.get(f.level, "notice"),
            "title": f"{f.rule} ({f.level})", "message": f.message + (f"\n\nFix: {f.fix}" if f.fix else ""),
        })  # fmt: skip
    return out
