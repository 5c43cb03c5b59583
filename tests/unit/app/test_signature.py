"""X-Hub-Signature-256: GitHub's documented vector, near-misses, and a property."""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.webhooks.signature import SignatureError, sign, verify

DOCS_SECRET = b"It's a Secret to Everybody"
DOCS_BODY = b"Hello, World!"
DOCS_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_docs_vector() -> None:
    assert sign(DOCS_SECRET, DOCS_BODY) == DOCS_SIGNATURE
    verify(DOCS_SECRET, DOCS_BODY, DOCS_SIGNATURE)


@pytest.mark.parametrize(
    ("secret", "body", "header"),
    [
        (
            DOCS_SECRET,
            DOCS_BODY,
            "sha256=6dcb09b5b57875f334f61aebed695e2e4193db5e",
        ),  # OpenAPI's 40-hex example
        (b"It's a Secret to Everybody!", DOCS_BODY, DOCS_SIGNATURE),  # secret off by one character
        (DOCS_SECRET, DOCS_BODY + b"\n", DOCS_SIGNATURE),  # trailing newline
        (DOCS_SECRET, DOCS_BODY, DOCS_SIGNATURE.upper().replace("SHA256=", "sha256=")),  # upper-case hex
        (DOCS_SECRET, DOCS_BODY, DOCS_SIGNATURE.removeprefix("sha256=")),  # no prefix
        (DOCS_SECRET, DOCS_BODY, "sha1=" + hmac.new(DOCS_SECRET, DOCS_BODY, hashlib.sha1).hexdigest()),
        (DOCS_SECRET, DOCS_BODY, ""),
        (DOCS_SECRET, DOCS_BODY, None),
    ],
)
def test_rejects_near_misses(secret: bytes, body: bytes, header: str | None) -> None:
    with pytest.raises(SignatureError) as err:
        verify(secret, body, header)
    assert "X-Hub-Signature-256" in err.value.diagnostics()


@given(st.binary(min_size=1, max_size=64), st.binary(max_size=512), st.binary(min_size=1, max_size=512))
def test_only_the_exact_body_verifies(secret: bytes, body: bytes, extra: bytes) -> None:
    header = sign(secret, body)
    verify(secret, body, header)
    with pytest.raises(SignatureError):
        verify(secret, body + extra, header)
