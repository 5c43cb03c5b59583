"""The per-repository `.dockgate.yml`: which images to build, lint overrides, policy, promotion.

A pull request's config is untrusted input, so every key is validated (unknown keys rejected, paths
kept inside the repository) and every problem is reported at once with its key path, e.g.
``images[0].size_budget_mb: Input should be greater than 0``. Without `images`, Dockerfiles are
discovered from a plain list of repository paths, so the webhook side can decide from a Git tree
listing without a checkout.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic.dataclasses import dataclass

from attestations.errors import ConfigError

logger = logging.getLogger(__name__)

CONFIG_NAMES = (".dockgate.yml", ".dockgate.yaml")
DEFAULT_SIZE_BUDGET_MB = 500
Severity = Literal["critical", "high", "medium", "low", "negligible", "unknown"]
RuleLevel = Literal["error", "warning", "info", "off"]
RuleId = Annotated[str, Field(pattern=r"^DG\d{3}$")]
_STRICT = ConfigDict(extra="forbid")
_NAME_RE = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_PLATFORM_RE = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$")


def _repo_path(value: str) -> str:
    """Normalise a repository-relative POSIX path; refuse absolute paths and `..` escapes."""
    norm = posixpath.normpath(value.strip() or ".")
    if norm.startswith("/") or norm == ".." or norm.startswith("../"):
        raise ValueError(f"{value!r} must be a path inside the repository")
    return norm


@dataclass(frozen=True, config=_STRICT)
class ImageSpec:
    """One image to build. Paths are repository-relative; `dockerfile` defaults to `<context>/Dockerfile`."""

    name: str
    context: str = "."
    dockerfile: str = ""
    target: str | None = None
    build_args: dict[str, str] = field(default_factory=dict)
    platforms: tuple[str, ...] = ()
    network: bool = False  # honoured for trusted branches only (see workers.build)
    size_budget_mb: Annotated[int, Field(gt=0)] = DEFAULT_SIZE_BUDGET_MB

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(f"{value!r} is not a valid image name (lowercase letters, digits, . _ - /)")
        return value

    @field_validator("context")
    @classmethod
    def _context(cls, value: str) -> str:
        return _repo_path(value)

    @field_validator("dockerfile")
    @classmethod
    def _dockerfile_path(cls, value: str) -> str:
        return _repo_path(value) if value else value

    @field_validator("build_args", mode="before")
    @classmethod
    def _args(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, str) else _scalar(v) for k, v in value.items()}
        return value

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [p for p in value if not _PLATFORM_RE.match(p)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not os/arch[/variant], e.g. linux/amd64")
        if len(value) > 1:  # the Engine API's builder makes one platform per build
            raise ValueError(
                "multi-platform images need buildx, which dockgate does not drive yet: list one platform"
            )
        return value

    @model_validator(mode="after")
    def _dockerfile(self) -> ImageSpec:
        if not self.dockerfile:
            object.__setattr__(self, "dockerfile", _repo_path(posixpath.join(self.context, "Dockerfile")))
        return self


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


@dataclass(frozen=True, config=_STRICT)
class LintConfig:
    """Rules to skip and per-rule levels (`off` disables a rule)."""

    ignore: frozenset[RuleId] = frozenset()
    overrides: dict[RuleId, RuleLevel] = field(default_factory=dict)

    @field_validator("overrides", mode="before")
    @classmethod
    def _yaml_off(cls, value: Any) -> Any:
        """YAML 1.1 reads a bare `off` as False; accept it as the level it was meant to be."""
        if isinstance(value, dict):
            return {k: "off" if v is False else v for k, v in value.items()}
        return value

    def level_for(self, rule: str, default: str) -> str | None:
        """The effective level of `rule`, or None when it is ignored or switched off."""
        if rule in self.ignore:
            return None
        level = self.overrides.get(rule, default)
        return None if level == "off" else level


@dataclass(frozen=True, config=_STRICT)
class PolicyConfig:
    """What makes an image fail the gate."""

    fail_on: Severity = "high"
    only_fixed: bool = False
    only_new: bool = False
    required_attestations: tuple[str, ...] = ("cyclonedx", "vuln", "slsaprovenance", "lint")
    require_signature: bool = True


@dataclass(frozen=True, config=_STRICT)
class VulnException:
    """An accepted vulnerability: who owns the decision, why, and when it lapses."""

    id: str
    owner: str
    expires: dt.date
    reason: str
    purl: str | None = None

    def active(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) <= self.expires


@dataclass(frozen=True, config=_STRICT)
class VulnConfig:
    vex: tuple[str, ...] = ()
    exceptions: tuple[VulnException, ...] = ()

    @field_validator("vex")
    @classmethod
    def _vex(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_repo_path(v) for v in value)


@dataclass(frozen=True, config=_STRICT)
class PromotionConfig:
    """Branches and tag globs whose images may be promoted to production."""

    branches: tuple[str, ...] = ()  # beyond the repository's default branch
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, config=_STRICT)
class RepoConfig:
    """The whole `.dockgate.yml`; `images` empty means "discover Dockerfiles"."""

    images: tuple[ImageSpec, ...] = ()
    lint: LintConfig = field(default_factory=LintConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    vulnerabilities: VulnConfig = field(default_factory=VulnConfig)
    promotion: PromotionConfig = field(default_factory=PromotionConfig)

    @model_validator(mode="after")
    def _unique(self) -> RepoConfig:
        names = [image.name for image in self.images]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"images: duplicate image name(s) {', '.join(dupes)}")
        return self


@functools.cache
def _adapter() -> TypeAdapter[RepoConfig]:
    """Built on first use: schema building is most of this module's import time."""
    return TypeAdapter(RepoConfig)


def _key_path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_repo_config(text: str | None, *, source: str = ".dockgate.yml") -> RepoConfig:
    """Validate the YAML text of a `.dockgate.yml`; None or empty text gives the defaults."""
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}: not valid YAML{where}; fix the syntax") from exc
    if data is None:
        return RepoConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    try:
        return _adapter().validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [f"{_key_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in errors]
        raise ConfigError(f"{source}: " + "; ".join(problems)) from None


def _derived_name(path: str, default_name: str) -> tuple[str, str] | None:
    """(name, context) for a discovered Dockerfile path, or None when it does not qualify."""
    parts = path.split("/")
    base = parts[-1]
    suffix = base[len("Dockerfile.") :] if base.startswith("Dockerfile.") else None
    if len(parts) == 1 and base == "Dockerfile":
        return default_name, "."
    if len(parts) == 1 and suffix:
        return suffix, "."
    if len(parts) == 2 and base == "Dockerfile" and not parts[0].startswith("."):
        return parts[0], parts[0]
    if len(parts) == 2 and parts[0] == "docker" and suffix:
        return suffix, "."  # docker/Dockerfile.api conventionally builds from the repository root
    return None


def _sanitise(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("._-")
    return cleaned or "image"


def default_image_name(repository: str) -> str:
    """The name of a root `Dockerfile`'s image for `owner/repo`: the repository's own name.

    The webhook side (discover_images on the Git tree) and the worker (load_repo_config on a
    checkout) must pass the same `default_name`, or their image names disagree.
    """
    return _sanitise(repository.rsplit("/", 1)[-1])


def discover_images(
    paths: Sequence[str], config_text: str | None, *, default_name: str = "app"
) -> list[ImageSpec]:
    """The images of a repository from its path listing and its `.dockgate.yml` text (if any).

    Configured images must name Dockerfiles that exist in `paths`. Without configured images,
    `Dockerfile`, `Dockerfile.*`, `*/Dockerfile` and `docker/Dockerfile.*` are discovered.
    """
    listing = {posixpath.normpath(p.lstrip("/")) for p in paths}
    config = parse_repo_config(config_text)
    if config.images:
        missing = [
            f"images[{i}].dockerfile: {spec.dockerfile!r} is not in the repository"
            for i, spec in enumerate(config.images)
            if spec.dockerfile not in listing
        ]
        if missing:
            raise ConfigError(".dockgate.yml: " + "; ".join(missing))
        return list(config.images)
    found: list[ImageSpec] = []
    taken: set[str] = set()
    for path in sorted(listing):
        derived = _derived_name(path, default_name)
        if derived is None or path.endswith((".md", ".dockerignore")):
            continue
        name, context = _sanitise(derived[0]), derived[1]
        while name in taken:
            name = f"{name}-{len(taken)}"
        taken.add(name)
        found.append(ImageSpec(name=name, context=context, dockerfile=path))
    logger.debug("discovered %d Dockerfile(s)", len(found))
    return found


def _listing(root: Path) -> list[str]:
    """Only the paths discovery can match: the root and one directory level."""
    out = [p.name for p in root.iterdir() if p.is_file()]
    for sub in root.iterdir():
        if sub.is_dir() and not sub.is_symlink() and not sub.name.startswith("."):
            out.extend(f"{sub.name}/{p.name}" for p in sub.iterdir() if p.is_file())
    return out


def load_repo_config(root: Path, *, default_name: str | None = None) -> RepoConfig:
    """Read `<root>/.dockgate.yml` (defaults when absent) with `images` filled in by discovery."""
    text = None
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            text = (root / name).read_text(encoding="utf-8")
            break
    config = parse_repo_config(text)
    images = discover_images(_listing(root), text, default_name=default_name or _sanitise(root.name))
    return replace(config, images=tuple(images))
