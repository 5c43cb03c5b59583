"""Check runs: create `queued`, move to `in_progress` with the current step, complete with a verdict.

GitHub's limits are enforced here, before a request is sent: summary and text at most 65,535 UTF-8
**bytes** (the schema counts characters, GitHub counts bytes) clipped with a visible marker and a
link to the full report; at most 50 annotations per request, the rest appended by later PATCHes;
at most three action buttons.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from github.Repository import Repository

from workers.github.pacing import Priority
from workers.github.ratelimit import call_github

logger = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 65535
MAX_ANNOTATIONS_PER_REQUEST = 50
MAX_ACTIONS = 3
Conclusion = Literal["success", "failure", "neutral", "cancelled", "skipped", "timed_out", "action_required"]


@dataclass(frozen=True)
class Annotation:
    """One line-level finding, as GitHub's check-run annotation."""

    path: str
    start_line: int
    end_line: int
    level: Literal["notice", "warning", "failure"]
    message: str
    title: str | None = None
    raw_details: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "path": self.path,
            "start_line": max(1, self.start_line),
            "end_line": max(1, self.start_line, self.end_line),
            "annotation_level": self.level,
            "message": clip(self.message, limit=MAX_OUTPUT_BYTES),
        }
        if self.title:
            body["title"] = self.title[:255]
        if self.raw_details:
            body["raw_details"] = clip(self.raw_details, limit=MAX_OUTPUT_BYTES)
        return body


@dataclass(frozen=True)
class Action:
    """A button on the check run; GitHub sends `check_run.requested_action` with `identifier`."""

    label: str
    description: str
    identifier: str

    def to_api(self) -> dict[str, str]:
        return {
            "label": self.label[:20],
            "description": self.description[:40],
            "identifier": self.identifier[:20],
        }


# Every completed image run offers it, however it ended (verdict, error, lost job, superseded):
# GitHub sends `check_run.requested_action` with identifier "rerun", planned like a re-request.
RERUN = Action("Re-run", "Run dockgate again on this commit", "rerun")


@dataclass(frozen=True)
class CheckOutcome:
    """What a pipeline concluded for one image; rendered into the completed check run."""

    conclusion: Conclusion
    title: str
    summary: str
    text: str | None = None
    annotations: Sequence[Annotation] = ()
    actions: Sequence[Action] = field(default_factory=tuple)
    details_url: str | None = None

    def to_json(self) -> str:
        """The outcome as JSON: a verdict GitHub did not accept yet waits in Redis, not in a rerun."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> CheckOutcome:
        """The outcome :meth:`to_json` wrote (sequences come back as tuples)."""
        data = json.loads(text)
        if data["conclusion"] not in get_args(Conclusion):
            raise ValueError(f"not a check-run conclusion: {data['conclusion']!r}")
        return cls(
            conclusion=data["conclusion"],
            title=data["title"],
            summary=data["summary"],
            text=data.get("text"),
            annotations=tuple(Annotation(**a) for a in data.get("annotations", ())),
            actions=tuple(Action(**a) for a in data.get("actions", ())),
            details_url=data.get("details_url"),
        )


def with_rerun(outcome: CheckOutcome) -> CheckOutcome:
    """`outcome` offering "Re-run" first (kept within GitHub's three buttons)."""
    others = tuple(a for a in outcome.actions if a.identifier != RERUN.identifier)
    return replace(outcome, actions=(RERUN, *others)[:MAX_ACTIONS])


def clip(text: str, *, limit: int = MAX_OUTPUT_BYTES, link: str | None = None) -> str:
    """`text` cut to `limit` UTF-8 bytes with a visible marker (and a link to the full report)."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    marker = f"\n\n… truncated: {{}} bytes omitted{f'; full report: {link}' if link else ''}"
    room = limit - len(marker.format(len(raw)).encode("utf-8"))
    head = raw[: max(room, 0)].decode("utf-8", "ignore")
    return head + marker.format(len(raw) - len(head.encode("utf-8")))


def batches(
    items: Sequence[Annotation], size: int = MAX_ANNOTATIONS_PER_REQUEST
) -> Iterator[list[Annotation]]:
    """Consecutive slices of at most `size` annotations (GitHub rejects the 51st)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _now() -> datetime:
    return datetime.now(UTC)  # PyGithub formats without converting: always pass UTC


class CheckRunWriter:
    """The check-run lifecycle of one repository, each call wrapped in rate-limit handling."""

    def __init__(
        self,
        repo: Repository,
        *,
        report_url: str | None = None,
        pace: Callable[..., object] | None = None,
    ) -> None:
        self._repo = repo
        self._report_url = report_url
        self._pace: Callable[..., object] = pace or (lambda *_: 0.0)  # workers.github.pacing

    def open_runs(self, head_sha: str, name: str | None = None) -> dict[tuple[str, str], int]:
        """Not-yet-completed runs on the commit by (name, external_id), in one listing.

        A plan creates several runs: listing once for all of them, not once per image, keeps the
        `queued` runs within a second of the webhook.
        """
        kwargs = {"check_name": name} if name else {}
        runs = call_github(
            "list check runs", lambda: list(self._repo.get_commit(head_sha).get_check_runs(**kwargs))
        )
        return {(r.name, r.external_id): int(r.id) for r in runs if r.status != "completed"}

    def create_queued(
        self,
        name: str,
        head_sha: str,
        *,
        external_id: str,
        details_url: str | None = None,
        open_runs: dict[tuple[str, str], int] | None = None,
    ) -> int:
        """Create a `queued` run, or reuse a not-yet-completed one of the same name on this commit.

        `open_runs` is :meth:`open_runs` of the commit when the caller listed them already.
        """
        known = self.open_runs(head_sha, name) if open_runs is None else open_runs
        if (name, external_id) in known:
            return known[(name, external_id)]
        kwargs: dict[str, Any] = {"external_id": external_id, "status": "queued"}
        if details_url:
            kwargs["details_url"] = details_url
        self._pace(Priority.QUEUED)
        run = call_github("create a check run", lambda: self._repo.create_check_run(name, head_sha, **kwargs))
        return int(run.id)

    def _patch(self, run_id: int, what: str, *, paced: bool = True, **kwargs: Any) -> None:
        if paced:
            self._pace()
        call_github(what, lambda: self._repo.get_check_run(run_id).edit(**kwargs))

    def in_progress(self, run_id: int, step: str, *, optional: bool = False) -> bool:
        """Show the step now running; GitHub displays the title beside the spinner.

        An `optional` step is skipped (False) when the installation's write budget is short.
        """
        output = {"title": clip(step, limit=255), "summary": f"Running: {step}"}
        if optional and self._pace(Priority.OPTIONAL) is None:
            logger.debug(
                "step not shown, GitHub write budget short: %s", step, extra={"check_run_id": run_id}
            )
            return False
        self._patch(
            run_id, "mark a check run in progress", paced=not optional, status="in_progress", output=output
        )
        return True

    def status(self, run_id: int) -> str:
        """The run's current status (`queued`, `in_progress`, `completed`)."""
        return str(call_github("read a check run", lambda: self._repo.get_check_run(run_id)).status)

    def complete(
        self, run_id: int, outcome: CheckOutcome, *, on_batch: Callable[[int], None] | None = None
    ) -> None:
        """Write the outcome: annotations in batches of 50, then the conclusion with the last batch.

        GitHub appends annotations, so a caller that may post the outcome again after a failure
        learns from `on_batch(n)` how many of them GitHub took in each earlier PATCH.
        """
        link = outcome.details_url or self._report_url
        output: dict[str, Any] = {
            "title": clip(outcome.title, limit=255),
            "summary": clip(outcome.summary, link=link),
        }
        if outcome.text:
            output["text"] = clip(outcome.text, link=link)
        chunks = list(batches(outcome.annotations)) or [[]]
        for chunk in chunks[:-1]:
            self._patch(run_id, "annotate a check run", output={**output, "annotations": _api(chunk)})
            if on_batch is not None:
                on_batch(len(chunk))
        final: dict[str, Any] = {
            "status": "completed",
            "conclusion": outcome.conclusion,
            "completed_at": _now(),
        }
        if chunks[-1]:
            output["annotations"] = _api(chunks[-1])
        if outcome.actions:
            final["actions"] = [a.to_api() for a in outcome.actions[:MAX_ACTIONS]]
        if outcome.details_url:
            final["details_url"] = outcome.details_url
        self._patch(run_id, "complete a check run", output=output, **final)
        logger.info("check run %s completed: %s", run_id, outcome.conclusion, extra={"check_run_id": run_id})

    def note(self, run_id: int, line: str) -> None:
        """Append a line to a run's summary, keeping title and conclusion (completed runs may be edited)."""
        run = call_github("read a check run", lambda: self._repo.get_check_run(run_id))
        title = run.output.title or run.name
        summary = clip(f"{run.output.summary or ''}\n\n> {line}".strip())
        self._patch(run_id, "annotate a check run", output={"title": title, "summary": summary})

    def finish(
        self,
        run_id: int,
        conclusion: Conclusion,
        title: str,
        reason: str,
        *,
        actions: Sequence[Action] = (RERUN,),
    ) -> None:
        """Complete a run with a conclusion and the reason (cancellation, lost job, error).

        An image run ended this way still offers "Re-run"; runs a re-run cannot redo (a promotion,
        an invalid configuration) pass `actions=()`.
        """
        outcome = CheckOutcome(conclusion=conclusion, title=title, summary=reason, actions=actions)
        self.complete(run_id, outcome)


def _api(annotations: Sequence[Annotation]) -> list[dict[str, Any]]:
    return [a.to_api() for a in annotations]
