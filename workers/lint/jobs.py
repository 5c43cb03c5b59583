"""What to lint for a path: the Dockerfiles, and for each its target, context, build-args and budget.

The same `.dockgate.yml` the pipeline builds from applies whether `dockgate lint` is given the
repository or one Dockerfile inside it: for a single file, the repository is found by walking up
to the nearest folder holding a `.dockgate.yml` (stopping at the `.git` folder that marks the top
of the checkout), and the image spec whose `dockerfile` is that file supplies target, context,
build-args and size budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from workers.lint.imageref import parse_ref
from workers.lint.model import parse
from workers.repoconfig import CONFIG_NAMES, DEFAULT_SIZE_BUDGET_MB, ImageSpec, LintConfig, load_repo_config

SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".tox"})


@dataclass(frozen=True)
class LintJob:
    dockerfile: Path
    target: str | None
    context: Path
    build_args: dict[str, str] = field(default_factory=dict)
    size_budget_mb: int = DEFAULT_SIZE_BUDGET_MB
    image_name: str | None = None  # the configured (or discovered) image this Dockerfile builds


@dataclass(frozen=True)
class LintPlan:
    root: Path  # artifact URIs (SARIF) are relative to it
    jobs: list[LintJob]
    config: LintConfig | None  # the repository's lint ignore/overrides, when it has a config


def is_dockerfile(path: Path) -> bool:
    name = path.name.lower()
    return name == "dockerfile" or name.startswith("dockerfile.") or name.endswith(".dockerfile")


def find_repo_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding a `.dockgate.yml`, not above a `.git` folder."""
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in CONFIG_NAMES):
            return folder
        if (folder / ".git").exists():
            return None
    return None


def _job(root: Path, spec: ImageSpec) -> LintJob:
    return LintJob(
        (root / spec.dockerfile).resolve(),
        spec.target,
        root / spec.context,
        dict(spec.build_args),
        spec.size_budget_mb,
        spec.name,
    )


def _pick(specs: Iterable[ImageSpec], target: str | None) -> ImageSpec | None:
    """The spec to use for one Dockerfile: the one building `target` if given, else the first."""
    candidates = list(specs)
    return next((s for s in candidates if target and s.target == target), None) or next(
        iter(candidates), None
    )


def plan_file(path: Path, target: str | None) -> LintPlan:
    """One Dockerfile, linted as its repository's config says (when it has one)."""
    root = find_repo_root(path.resolve().parent)
    if root is None:
        return LintPlan(path.parent, [LintJob(path, target, path.parent)], None)
    config = load_repo_config(root)
    resolved = path.resolve()
    spec = _pick((s for s in config.images if (root / s.dockerfile).resolve() == resolved), target)
    if spec is None:
        return LintPlan(root, [LintJob(path, target, path.parent)], config.lint)
    job = _job(root, spec)
    return LintPlan(root, [replace(job, dockerfile=path, target=target or job.target)], config.lint)


def plan_folder(root: Path) -> LintPlan:
    """Every configured image's Dockerfile plus every other Dockerfile-like file below `root`."""
    config = load_repo_config(root)
    jobs: dict[Path, LintJob] = {}
    for spec in config.images:
        job = _job(root, spec)
        jobs.setdefault(job.dockerfile, job)
    for path in sorted(root.rglob("*")):
        if (
            is_dockerfile(path)
            and path.is_file()
            and not SKIP_DIRS.intersection(path.relative_to(root).parts)
        ):
            jobs.setdefault(path.resolve(), LintJob(path.resolve(), None, path.parent))
    return LintPlan(root, [jobs[p] for p in sorted(jobs)], config.lint)


def image_repository(image: str) -> str | None:
    """The repository an image reference names (`registry:host/org/web:1` -> `org/web`), if any."""
    ref = image.removeprefix("registry:")
    if ref.startswith(("docker-archive:", "sha256:")):
        return None
    try:
        return parse_ref(ref).repository
    except ValueError:
        return None


def job_for_image(jobs: list[LintJob], image: str) -> LintJob | None:
    """The job whose configured image name is the repository `image` names (None if not exactly one)."""
    repo = image_repository(image)
    if repo is None:
        return None
    hits = [j for j in jobs if j.image_name and (repo == j.image_name or repo.endswith("/" + j.image_name))]
    return hits[0] if len(hits) == 1 else None


def with_target(jobs: list[LintJob], target: str) -> list[LintJob]:
    """`target` as the shipped stage of every Dockerfile that defines it (the others keep theirs)."""
    out = []
    for job in jobs:
        text = job.dockerfile.read_text(encoding="utf-8", errors="replace")
        has_stage = parse(text, str(job.dockerfile)).stage_named(target) is not None
        out.append(replace(job, target=target) if has_stage else job)
    return out
