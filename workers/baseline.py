"""The "new vulnerabilities only" baseline: what the last promoted image of the same name carried.

It is read from that image's signed vulnerability attestation in the production registry, verified
with the gate's own trust, never from a database row: a baseline excuses findings, so it must be
as trustworthy as the evidence it is compared with. Without one (first promotion, or evidence that
no longer verifies) every finding counts, which is the safe side.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any

from attestations.index import AttestationStore
from attestations.oci import RegistryClient, RegistryError, parse_reference
from attestations.policy import VerificationPolicy
from attestations.statements import IMAGE_SIGNATURE, VULNERABILITY
from attestations.verify import verify_image

logger = logging.getLogger(__name__)


def promoted_baseline(
    store: AttestationStore,
    source_repo: str,
    image: str,
    verification: VerificationPolicy,
    client: Callable[[str], RegistryClient],
) -> Mapping[str, Any] | None:
    """The scan result (`findings`, `suppressed`) attested on the last promoted `image`, verified."""
    record = store.last_promoted(source_repo, image)
    if record is None or not record.promoted_to:
        return None
    ref = parse_reference(record.promoted_to)
    policy = dataclasses.replace(verification, required_predicate_types=(IMAGE_SIGNATURE, VULNERABILITY))
    try:
        with client(ref.registry) as registry:
            report = verify_image(ref, policy, registry)
    except RegistryError as exc:
        logger.warning("baseline %s unavailable (%s): every finding counts", record.promoted_to, exc)
        return None
    statements = report.statements(VULNERABILITY) if report.ok else []
    result = statements[0].predicate.get("scanner", {}).get("result") if statements else None
    if not isinstance(result, Mapping):
        logger.warning("baseline %s has no verified vulnerability report: every finding counts", ref)
        return None
    return result
