"""Reference parsing: docker's rules for registry detection, tags and digests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attestations.oci import ImageReference, InvalidReference, parse_reference

D = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:5001/team/app:v1", ImageReference("127.0.0.1:5001", "team/app", "v1", None)),
        (f"127.0.0.1:5001/app@{D}", ImageReference("127.0.0.1:5001", "app", None, D)),
        (f"localhost/app:1.0@{D}", ImageReference("localhost", "app", "1.0", D)),
        ("busybox", ImageReference("docker.io", "library/busybox", None, None)),
        ("user/app:latest", ImageReference("docker.io", "user/app", "latest", None)),
        ("ghcr.io/o/r/x:tag", ImageReference("ghcr.io", "o/r/x", "tag", None)),
        ("[::1]:5000/app:v2", ImageReference("[::1]:5000", "app", "v2", None)),
    ],
)
def test_parse(text: str, expected: ImageReference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", " app", "App/X", "127.0.0.1:5001/app@sha256:123", "app:bad tag", "127.0.0.1:5001/app:-x", "a//b"],
)
def test_rejects(text: str) -> None:
    with pytest.raises(InvalidReference):
        parse_reference(text)


def test_reference_prefers_digest_and_names() -> None:
    ref = parse_reference(f"127.0.0.1:5001/app:v1@{D}")
    assert ref.reference == D and ref.name == "127.0.0.1:5001/app"
    assert parse_reference("127.0.0.1:5001/app").reference == "latest"


component = st.from_regex(r"[a-z0-9]{1,8}([._-][a-z0-9]{1,8})?", fullmatch=True)


@given(
    repo=st.lists(component, min_size=1, max_size=3).map("/".join),
    tag=st.none() | st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    digest=st.none() | st.from_regex(r"sha256:[a-f0-9]{64}", fullmatch=True),
)
def test_round_trip(repo: str, tag: str | None, digest: str | None) -> None:
    ref = ImageReference("127.0.0.1:5001", repo, tag, digest)
    assert parse_reference(str(ref)) == ref
