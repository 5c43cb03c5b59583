"""Check-run writing against the strict emulator: lifecycle, byte limits, 50-annotation batches."""

from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest
from github import Auth, Github, GithubIntegration
from hypothesis import given
from hypothesis import strategies as st

from tests.github_emulator.plugin import APP_ID
from tests.github_emulator.server import Emulator
from workers.checks import (
    MAX_OUTPUT_BYTES,
    RERUN,
    Action,
    Annotation,
    CheckOutcome,
    CheckRunWriter,
    Conclusion,
    batches,
    clip,
    with_rerun,
)

FILES = {"Dockerfile": "FROM scratch\n"}


@given(st.text(max_size=3000), st.integers(min_value=120, max_value=2000))
def test_clip_stays_within_the_byte_limit_and_marks_the_cut(text: str, limit: int) -> None:
    clipped = clip(text, limit=limit, link="https://dockgate.example/r/1")
    assert len(clipped.encode()) <= limit
    if len(text.encode()) <= limit:
        assert clipped == text
    else:
        assert "truncated" in clipped and clipped.endswith("https://dockgate.example/r/1")


_text = st.text(max_size=200)
_annotations = st.builds(
    Annotation,
    path=_text,
    start_line=st.integers(0, 10_000),
    end_line=st.integers(0, 10_000),
    level=st.sampled_from(["notice", "warning", "failure"]),
    message=_text,
    title=st.none() | _text,
    raw_details=st.none() | _text,
)
_actions = st.builds(Action, label=_text, description=_text, identifier=_text)
_outcomes = st.builds(
    CheckOutcome,
    conclusion=st.sampled_from(list(get_args(Conclusion))),
    title=_text,
    summary=_text,
    text=st.none() | _text,
    annotations=st.lists(_annotations, max_size=3).map(tuple),
    actions=st.lists(_actions, max_size=3).map(tuple),
    details_url=st.none() | _text,
)


@given(_outcomes)
def test_outcome_survives_the_json_a_deferred_verdict_waits_in(outcome: CheckOutcome) -> None:
    assert CheckOutcome.from_json(outcome.to_json()) == outcome
    assert CheckOutcome.from_json(outcome.to_json().encode()) == outcome  # as Redis gives it back


def test_outcome_from_json_refuses_an_unknown_conclusion() -> None:
    stored = CheckOutcome("success", "t", "s").to_json().replace('"success"', '"passed"')
    with pytest.raises(ValueError, match="passed"):
        CheckOutcome.from_json(stored)


def test_batches_of_fifty() -> None:
    anns = [Annotation("Dockerfile", i, i, "notice", "m") for i in range(1, 121)]
    assert [len(b) for b in batches(anns)] == [50, 50, 20]
    assert list(batches([])) == []


@pytest.fixture
def writer(
    github_emulator: Emulator, emulated_repo: Callable, github_app_key: tuple[Path, str]
) -> CheckRunWriter:
    emulated_repo("octo/app", FILES)
    auth = Auth.AppAuth(APP_ID, github_app_key[0].read_text())
    token = (
        GithubIntegration(auth=auth, base_url=github_emulator.base_url, lazy=True).get_access_token(1).token
    )
    client = Github(
        auth=Auth.Token(token), base_url=github_emulator.base_url, lazy=True, seconds_between_writes=None
    )
    return CheckRunWriter(client.get_repo("octo/app", lazy=True), report_url="https://dockgate.example/r/1")


def test_lifecycle_queued_in_progress_completed(writer: CheckRunWriter, github_emulator: Emulator) -> None:
    sha = "a" * 40
    run_id = writer.create_queued("dockgate/app", sha, external_id="job-1")
    assert writer.create_queued("dockgate/app", sha, external_id="job-1") == run_id  # reused, not duplicated
    writer.in_progress(run_id, "building")
    assert writer.status(run_id) == "in_progress"
    actions = [
        Action("Re-run", "Run the checks again", "rerun"),
        Action("Promote", "Copy to prod", "promote"),
    ]
    writer.complete(run_id, CheckOutcome("success", "ok", "all good", actions=actions))
    run = github_emulator.check_runs[run_id]
    assert run["history"] == ["queued", "in_progress", "completed"]
    assert (run["conclusion"], run["output"]["title"], run["external_id"]) == ("success", "ok", "job-1")
    assert [a["identifier"] for a in run["actions"]] == ["rerun", "promote"]
    assert len(github_emulator.runs("dockgate/app")) == 1


def test_long_output_and_many_annotations_fit_githubs_limits(
    writer: CheckRunWriter, github_emulator: Emulator
) -> None:
    run_id = writer.create_queued("dockgate/app", "b" * 40, external_id="job-2")
    anns = [Annotation("Dockerfile", i, i, "warning", f"finding {i}", title="t" * 300) for i in range(1, 124)]
    outcome = CheckOutcome("failure", "123 findings", "😀" * 40000, text="x" * 200_000, annotations=anns)
    writer.complete(run_id, outcome)
    run = github_emulator.check_runs[run_id]
    assert run["conclusion"] == "failure"
    assert len(run["output"]["summary"].encode()) <= MAX_OUTPUT_BYTES
    assert run["output"]["text"].endswith("full report: https://dockgate.example/r/1")
    assert len(github_emulator.annotations[run_id]) == 123
    patches = github_emulator.calls("checks/update")
    assert len(patches) == 3  # 50 + 50 + (23 with the conclusion)


def test_with_rerun_puts_rerun_first_once_within_three_buttons() -> None:
    promote = Action("Promote", "Copy to prod", "promote")
    extra = [Action(f"B{i}", "more", f"b{i}") for i in range(3)]
    assert [a.identifier for a in with_rerun(CheckOutcome("success", "t", "s")).actions] == ["rerun"]
    twice = CheckOutcome("success", "t", "s", actions=[promote, RERUN])
    assert [a.identifier for a in with_rerun(twice).actions] == ["rerun", "promote"]
    many = CheckOutcome("success", "t", "s", actions=[promote, *extra])
    assert [a.identifier for a in with_rerun(many).actions] == ["rerun", "promote", "b0"]


def test_finish_offers_rerun_unless_told_not_to(writer: CheckRunWriter, github_emulator: Emulator) -> None:
    lost = writer.create_queued("dockgate/app", "c" * 40, external_id="job-3")
    writer.finish(lost, "failure", "dockgate could not finish this check", "the job was lost")
    promotion = writer.create_queued("dockgate/promote/app", "c" * 40, external_id="promote-1")
    writer.finish(promotion, "failure", "Promotion failed", "registry down", actions=())
    assert [a["identifier"] for a in github_emulator.check_runs[lost]["actions"]] == ["rerun"]
    assert not github_emulator.check_runs[promotion].get("actions")
