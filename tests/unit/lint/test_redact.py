"""Build logs and errors reach reports and check runs only after secrets are taken out."""

from __future__ import annotations

from workers.lint.secrets import REDACTED, redact

AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
GH = "ghp_" + "Zz09Yy18Xx27" * 3


def test_secret_assignments_tokens_and_known_values_are_redacted() -> None:
    log = "\n".join(
        [
            f"Step 2/9 : ENV AWS_SECRET_ACCESS_KEY={AWS}",
            f"Step 3/9 : ENV GITHUB_TOKEN {GH}",
            "Step 4/9 : ARG DB_PASSWORD='hunter2hunter2'",
            "Step 5/9 : RUN echo using s3cr3t-build-arg-value",
            "Step 6/9 : ENV PORT=8080 TOKEN_TTL=3600 NODE_ENV=production",
            "Step 7/9 : RUN curl https://user:pa55word@example.com/x",
        ]
    )
    out = redact(log, known=("s3cr3t-build-arg-value",))
    for secret in (AWS, GH, "hunter2hunter2", "s3cr3t-build-arg-value", "pa55word"):
        assert secret not in out, out
    assert f"AWS_SECRET_ACCESS_KEY={REDACTED}" in out
    assert "PORT=8080 TOKEN_TTL=3600 NODE_ENV=production" in out  # nothing secret is touched
    assert redact("Step 1/2 : FROM busybox:1.35") == "Step 1/2 : FROM busybox:1.35"
