"""A tag push is a release: its own image job (even for a commit built already), promoted by name."""

from __future__ import annotations

from workers.github.commits import image_job_id
from workers.service_pipeline import production_tag

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_tag_pushes_get_their_own_image_job() -> None:
    branch = image_job_id("acme/api", SHA, "app", "refs/heads/main")
    assert branch == image_job_id("acme/api", SHA, "app") == image_job_id("acme/api", SHA, "app", None)
    v1 = image_job_id("acme/api", SHA, "app", "refs/tags/v1.0.0")
    assert v1 != branch and v1 != image_job_id("acme/api", SHA, "app", "refs/tags/v1.0.1")
    assert v1 == image_job_id("acme/api", SHA, "app", "refs/tags/v1.0.0")  # redeliveries dedupe


def test_production_tag_is_the_release_name_or_the_short_sha() -> None:
    assert production_tag("refs/tags/v1.2.3", SHA) == "v1.2.3"
    assert production_tag("refs/heads/main", SHA) == SHA[:12]
    assert production_tag(None, SHA) == SHA[:12]
    assert production_tag("refs/tags/rel/2026", SHA) == SHA[:12]  # not a valid OCI tag
    assert production_tag("refs/tags/" + "v" * 200, SHA) == SHA[:12]


def test_the_reports_verify_command_names_the_trust_the_installation_signs_with() -> None:
    from workers.pipeline import PipelineConfig, _verify_command
    from workers.push import PushedImage

    pushed = PushedImage("127.0.0.1:5001", "acme/api", "v1", "sha256:" + "ab" * 32)
    key = PipelineConfig(engine=None, builder_id="b", signer=object(), verify_key="prod.pub")  # type: ignore[arg-type]
    assert f"verify {pushed.reference} --key prod.pub --type cyclonedx" in (
        _verify_command(pushed, key) or ""
    )
    keyless = PipelineConfig(
        engine=None,
        builder_id="b",
        signer=object(),  # type: ignore[arg-type]
        verify_identity=("https://github.com/apps/dockgate", "https://token.actions.githubusercontent.com"),
    )
    command = _verify_command(pushed, keyless) or ""
    assert "--key" not in command
    assert "--certificate-identity https://github.com/apps/dockgate" in command
    assert "--certificate-oidc-issuer https://token.actions.githubusercontent.com" in command
    assert _verify_command(None, key) is None
