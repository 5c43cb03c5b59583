"""The mirror rewrite and failing-step mapping (pure; the engine side is in tests/integration/build)."""

from __future__ import annotations

from workers.build_dockerfile import failing_line, prepare
from workers.lint.history import align, history_kind
from workers.lint.model import parse

MIRROR = "127.0.0.1:5001/mirror"


def test_rewrite_literal_and_arg_bases_keeps_lines() -> None:
    text = (
        "ARG BASE=python:3.11-slim\n"
        "ARG T=18\n"
        "FROM ${BASE} AS a\n"
        "FROM node:${T}-slim AS b\n"
        "FROM --platform=linux/amd64 a\n"
        "FROM 127.0.0.1:5001/team/x:1\n"
        "FROM scratch\n"
    )
    prepared = prepare(text, {"T": "20"}, MIRROR)
    lines = prepared.text.splitlines()
    assert len(lines) == len(text.splitlines())
    assert lines[3] == "FROM 127.0.0.1:5001/mirror/library/node:20-slim AS b"
    assert lines[2] == "FROM ${BASE} AS a"  # rewritten through the build arg instead
    assert prepared.build_args == {"BASE": "127.0.0.1:5001/mirror/library/python:3.11-slim"}
    assert prepared.bases == {
        "python:3.11-slim": "127.0.0.1:5001/mirror/library/python:3.11-slim",
        "node:20-slim": "127.0.0.1:5001/mirror/library/node:20-slim",
        "127.0.0.1:5001/team/x:1": "127.0.0.1:5001/team/x:1",
    }
    assert prepared.step_lines == (1, 2, 3, 4, 5, 6, 7)


def test_namespaced_and_digest_references() -> None:
    digest = "sha256:" + "c" * 64
    prepared = prepare(f"FROM bitnami/redis:7\nFROM debian@{digest}\n", {}, MIRROR)
    assert prepared.text.splitlines() == [
        "FROM 127.0.0.1:5001/mirror/bitnami/redis:7",
        f"FROM 127.0.0.1:5001/mirror/library/debian@{digest}",
    ]


def test_present_images_and_no_mirror_are_left_alone() -> None:
    text = "FROM dockgate-base/python:3.11-bookworm\n"
    assert prepare(text, {}, MIRROR, lambda ref: ref.startswith("dockgate-base/")).text == text
    assert prepare("FROM python:3.11\n", {}, None).text == "FROM python:3.11\n"


def test_failing_line_from_steps_and_parse_errors() -> None:
    steps = (1, 3, 4, 9)
    log = ["Step 1/4 : ARG X", "Step 2/4 : FROM a", " ---> 1234", "Step 3/4 : RUN false", "oops"]
    assert failing_line(log, "The command '/bin/sh -c false' returned a non-zero code: 1", steps) == 4
    assert failing_line([], "dockerfile parse error line 7: unknown instruction: FOO", steps) == 7
    assert failing_line(["no steps"], "boom", steps) is None


def test_history_alignment_skips_builder_labels_and_stops_at_base() -> None:
    doc = parse('FROM a:1\nENV A=1\nCOPY . /app\nRUN make\nCMD ["x"]\n')
    created = [
        "",  # the base image (docker import)
        "/bin/sh -c #(nop) ADD file:abc in / ",  # base history: not ours
        "/bin/sh -c #(nop)  ENV A=1",
        "/bin/sh -c #(nop) COPY dir:123 in /app ",
        "|1 X=1 /bin/sh -c make",
        '/bin/sh -c #(nop)  CMD ["x"]',
        "/bin/sh -c #(nop)  LABEL org.opencontainers.image.created=now",
    ]
    mapping = align(created, doc.stages[0].instructions)
    assert {i: ins.line for i, ins in mapping.items()} == {2: 2, 3: 3, 4: 4, 5: 5}
    assert history_kind("RUN /bin/sh -c apt-get update # buildkit") == "RUN"
    assert history_kind("COPY . . # buildkit") == "COPY"
