"""The policy verdict: does this image pass the gate, and every reason why not.

Evidence is separate from the verdict: every stage's results are attested whatever the verdict; this
module only decides the check-run conclusion and whether promotion may happen. Each reason is one
sentence a developer can act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from attestations.statements import InvalidStatement, predicate_type_for
from workers.lint import Finding as LintFinding
from workers.repoconfig import PolicyConfig
from workers.scan import GateResult


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...] = ()

    @property
    def conclusion(self) -> Literal["success", "failure"]:
        """The GitHub check-run conclusion for this verdict."""
        return "success" if self.passed else "failure"


def decide(
    policy: PolicyConfig,
    *,
    lint: Sequence[LintFinding] = (),
    build_error: str | None = None,
    gate: GateResult | None = None,
    attested: Sequence[str] = (),
    signed: bool = False,
    evidence_expected: bool = True,
) -> Verdict:
    """Combine the stage results under `policy` (from `.dockgate.yml`, with safe defaults).

    `attested` holds the predicate types attached to the image; `evidence_expected` is False for a
    dry run that does not sign (e.g. `dockgate run` without a signer), so missing signatures are
    reported as such rather than silently passing.
    """
    reasons: list[str] = []
    if build_error:
        reasons.append(f"the image did not build: {build_error}")
    errors = [f for f in lint if f.level == "error"]
    for finding in errors:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        reasons.append(f"{finding.rule} ({where}): {finding.message}")
    if gate is None and not build_error:
        reasons.append("no vulnerability scan result: the image was not scanned")
    elif gate is not None and gate.failed:
        reasons.extend(f"vulnerability at or above `{policy.fail_on}`: {r}" for r in gate.reasons)
    if evidence_expected and not build_error:
        if policy.require_signature and not signed:
            reasons.append("the image is not signed")
        have = set(attested)
        missing = [n for n in policy.required_attestations if _predicate(n) not in have]
        reasons.extend(f"required attestation `{name}` is missing" for name in missing)
    return Verdict(not reasons, tuple(reasons))


def _predicate(name: str) -> str:
    try:
        return predicate_type_for(name)
    except InvalidStatement:  # an unknown short name is taken literally (a custom predicate type)
        return name
