"""`dockgate sbom IMAGE [--format cyclonedx-json|spdx-json] [-o FILE] [--backend native|syft]`.

IMAGE is a local engine image, `docker-archive:TAR` or `registry:REF`. The document goes to stdout
(or FILE); exit 0 on success, 2 when the image cannot be read or the SBOM does not validate.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from attestations.errors import UsageError

logger = logging.getLogger(__name__)
FORMATS = ("cyclonedx-json", "spdx-json")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "sbom",
        help="write a CycloneDX SBOM of an image",
        description="Write the SBOM of IMAGE: a local engine image, docker-archive:TAR or registry:REF "
        "(plain HTTP for 127.0.0.1). Exit 0 on success, 2 when the image cannot be read.",
    )
    parser.add_argument("image", help="engine image name/id, docker-archive:TAR or registry:REF")
    parser.add_argument("--format", choices=FORMATS, default="cyclonedx-json")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the document here instead of stdout")
    parser.add_argument(
        "--backend",
        choices=("native", "syft"),  # SbomBackend's values (not imported here: the CLI starts lean)
        default=os.environ.get("DOCKGATE_SBOM_BACKEND", "native"),
        help="cataloger: dockgate's own (default) or syft ($DOCKGATE_SBOM_BACKEND)",
    )
    parser.add_argument(
        "--registry-credentials",
        type=Path,
        default=os.environ.get("DOCKGATE_REGISTRY_CREDENTIALS") or None,
        help="JSON credentials file for registry:REF ($DOCKGATE_REGISTRY_CREDENTIALS)",
    )
    parser.set_defaults(func=run)


def _import_jsonschema_lean() -> None:
    """Import jsonschema without `rfc3987_syntax`, which compiles an Earley grammar at import time
    (1-2 s, most of this command's start-up). Only the `iri`/`iri-reference` format checks depend on
    it and our SBOMs carry no IRI fields; this runs in the CLI process only, never in a library."""
    if "jsonschema" in sys.modules:
        return
    saved = sys.modules.get("rfc3987_syntax")
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # makes its import fail
    try:
        import jsonschema  # type: ignore[import-untyped]  # noqa: F401
    finally:
        if saved is None:
            del sys.modules["rfc3987_syntax"]
        else:
            sys.modules["rfc3987_syntax"] = saved


def run(args: argparse.Namespace) -> int:
    _import_jsonschema_lean()
    from workers.image import open_image
    from workers.sbom import SbomBackend, to_backend, to_json
    from workers.sbom.spdx import cyclonedx_to_spdx

    if args.image.startswith("docker-archive:") and not Path(args.image[len("docker-archive:") :]).is_file():
        raise UsageError(f"{args.image}: no such archive; create it with `docker save IMAGE -o FILE`")
    try:
        backend = SbomBackend(args.backend)
    except ValueError:
        choices = ", ".join(b.value for b in SbomBackend)
        raise UsageError(
            f"unknown SBOM backend {args.backend!r} (DOCKGATE_SBOM_BACKEND): use {choices}"
        ) from None
    generator = to_backend(backend)  # both backends: the Protocol's post-processed, validated Bom
    with open_image(args.image, registry_credentials=args.registry_credentials) as image:
        text = to_json(generator.generate(image))
    if args.format == "spdx-json":
        text = json.dumps(cyclonedx_to_spdx(json.loads(text)), indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n")
        logger.info("wrote %s", args.output)
    else:
        sys.stdout.write(text + "\n")
    return 0
