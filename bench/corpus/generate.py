"""Write the generated part of the lint benchmark corpus (deterministic; run from the repo root).

Each file is a plausible service Dockerfile: a language stack (base image, dependency install,
build, run command) combined with the practices teams get right or wrong (USER, HEALTHCHECK,
pinning, apt/pip/npm/apk hygiene, sudo, curl | sh, ADD, shell-form CMD, ...), so every shared
rule of dockgate and hadolint is exercised both ways. Hand-written files (`hand-*.Dockerfile`) and
the seed guides' Dockerfiles (`seed-*.Dockerfile`) sit beside them.

    .venv/bin/python bench/corpus/generate.py
"""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parents[2] / "shared" / "seeds"
COUNT = 90

STACKS = {
    "python": {
        "bases": ["python:3.11", "python:3.12-slim", "python:3.11-slim-bookworm", "python:3.10-alpine"],
        "deps": ["COPY requirements.txt .", "RUN {pip} -r requirements.txt"],
        "build": [],
        "cmd": ["gunicorn", "-b", "0.0.0.0:8000", "app:app"],
        "port": 8000,
    },
    "node": {
        "bases": ["node:18", "node:20-alpine", "node:18-bullseye-slim", "node:20"],
        "deps": ["COPY package.json package-lock.json ./", "RUN {npm}"],
        "build": ["RUN npm run build"],
        "cmd": ["node", "dist/server.js"],
        "port": 3000,
    },
    "go": {
        "bases": ["golang:1.22", "golang:1.21-alpine", "golang:1.22-bookworm"],
        "deps": ["COPY go.mod go.sum ./", "RUN go mod download"],
        "build": ["RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app"],
        "cmd": ["/usr/local/bin/app"],
        "port": 8080,
        "runtime": ["gcr.io/distroless/static-debian12", "alpine:3.19", "debian:bookworm-slim", "scratch"],
    },
    "java": {
        "bases": ["maven:3.9-eclipse-temurin-21", "gradle:8.5-jdk17"],
        "deps": ["COPY pom.xml .", "RUN mvn -B dependency:go-offline"],
        "build": ["RUN mvn -B package -DskipTests"],
        "cmd": ["java", "-jar", "/app/app.jar"],
        "port": 8080,
        "runtime": ["eclipse-temurin:21-jre", "eclipse-temurin:17-jre-alpine", "openjdk:17"],
    },
    "ruby": {
        "bases": ["ruby:3.2", "ruby:3.3-slim", "ruby:3.2-alpine"],
        "deps": ["COPY Gemfile Gemfile.lock ./", "RUN bundle install --without development test"],
        "build": [],
        "cmd": ["bundle", "exec", "puma", "-C", "config/puma.rb"],
        "port": 9292,
    },
    "php": {
        "bases": ["php:8.2-fpm", "php:8.3-fpm-alpine", "php:8.2-apache"],
        "deps": ["COPY composer.json composer.lock ./", "RUN composer install --no-dev --no-scripts"],
        "build": [],
        "cmd": ["php-fpm"],
        "port": 9000,
    },
    "static": {
        "bases": ["nginx:1.25", "nginx:1.25-alpine", "nginx:stable", "nginx"],
        "deps": [],
        "build": [],
        "cmd": ["nginx", "-g", "daemon off;"],
        "port": 80,
    },
    "tools": {
        "bases": ["debian:bookworm", "ubuntu:22.04", "ubuntu", "debian:latest", "alpine:3.19", "alpine"],
        "deps": [],
        "build": [],
        "cmd": ["/usr/local/bin/entrypoint.sh"],
        "port": 0,
    },
}
APT_PACKAGES = ["curl", "ca-certificates", "git", "libpq-dev", "gcc", "build-essential", "tini", "jq", "make"]
APK_PACKAGES = ["curl", "ca-certificates", "tini", "git", "build-base", "bash", "libpq"]
SECRETS = ["ENV DATABASE_PASSWORD=changeme123", "ARG NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789",
           "ENV API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc", "ENV SECRET_KEY_BASE=9f8e7d6c5b4a"]  # fmt: skip


def _alpine(base: str) -> bool:
    return "alpine" in base


def _system_packages(rng: random.Random, base: str) -> list[str]:
    if _alpine(base):
        pkgs = " ".join(rng.sample(APK_PACKAGES, 3))
        flag = "--no-cache " if rng.random() < 0.6 else ("--update " if rng.random() < 0.5 else "")
        return [f"RUN apk add {flag}{pkgs}"]
    pkgs = " \\\n        ".join(rng.sample(APT_PACKAGES, 3))
    recommends = "--no-install-recommends " if rng.random() < 0.55 else ""
    clean = " \\\n    && rm -rf /var/lib/apt/lists/*" if rng.random() < 0.6 else ""
    if rng.random() < 0.12:
        return ["RUN apt-get update", f"RUN apt-get install -y {recommends}\\\n        {pkgs}{clean}"]
    sudo = "sudo " if rng.random() < 0.06 else ""
    return [f"RUN {sudo}apt-get update && {sudo}apt-get install -y {recommends}\\\n        {pkgs}{clean}"]


def _deps(rng: random.Random, stack: dict[str, object]) -> list[str]:
    pip = "pip install --no-cache-dir" if rng.random() < 0.55 else "pip install"
    npm = rng.choice(["npm ci --omit=dev", "npm ci", "npm install", "npm install --production"])
    return [line.format(pip=pip, npm=npm) for line in stack["deps"]]  # type: ignore[attr-defined]


def _cmd(rng: random.Random, argv: list[str]) -> str:
    if rng.random() < 0.3:
        return f"CMD {' '.join(argv)}"
    return "CMD [" + ", ".join(f'"{a}"' for a in argv) + "]"


def _tail(rng: random.Random, stack: dict[str, object], user_created: bool) -> list[str]:
    out: list[str] = []
    port = stack["port"]
    if port:
        out.append(f"EXPOSE {port}")
    if rng.random() < 0.5:
        out.append(
            f"HEALTHCHECK --interval=30s CMD wget -qO- http://127.0.0.1:{port or 8080}/health || exit 1"
        )
    roll = rng.random()
    if roll < 0.5 and user_created:
        out.append("USER app")
    elif roll < 0.62:
        out.append("USER root")
    elif roll < 0.7:
        out.append("USER 10001:10001")
    if rng.random() < 0.08:
        out.append('CMD ["sh", "-c", "echo starting"]')
    if rng.random() < 0.06:
        out.append('ENTRYPOINT ["/usr/bin/tini", "--"]')
        out.append('ENTRYPOINT ["/sbin/tini", "--"]')
    out.append(_cmd(rng, stack["cmd"]))  # type: ignore[arg-type]
    return out


def _user(base: str) -> str:
    if _alpine(base):
        return "RUN addgroup -S app && adduser -S -G app app"
    return "RUN groupadd --system app && useradd --system --gid app --no-create-home app"


def _from(rng: random.Random, base: str, alias: str = "") -> str:
    if rng.random() < 0.12 and ":" in base:
        base = f"{base}@sha256:{rng.getrandbits(256):064x}"
    return f"FROM {base}" + (f" AS {alias}" if alias else "")


def _extras(rng: random.Random) -> list[str]:
    picks = [
        (0.08, "MAINTAINER ops@example.com"),
        (0.08, "ADD . /app"),
        (0.06, "ADD https://example.com/tools/cli.tar.gz /tmp/"),
        (0.05, "ADD vendor.tar.gz /opt/vendor/"),
        (0.07, "RUN curl -fsSL https://get.example.com/install.sh | sh"),
        (0.06, "RUN chmod -R 777 /app"),
        (0.05, "RUN chmod u+s /usr/local/bin/helper"),
        (0.06, "RUN cd /app && ./configure --prefix=/usr/local"),
        (0.05, "WORKDIR src"),
        (0.06, rng.choice(SECRETS)),
        (0.04, "RUN sudo mkdir -p /var/run/app"),
    ]
    return [line for p, line in picks if rng.random() < p]


def dockerfile(rng: random.Random, name: str) -> str:
    stack_name = rng.choice(sorted(STACKS))
    stack = STACKS[stack_name]
    base = rng.choice(stack["bases"])  # type: ignore[arg-type]
    lines = [f"# {name}: {stack_name} service (generated for the dockgate lint benchmark)"]
    multi = "runtime" in stack or (stack["build"] and rng.random() < 0.6)
    lines.append(_from(rng, base, "build" if multi else ""))
    lines.append("WORKDIR /app")
    lines += _system_packages(rng, base) if rng.random() < 0.75 else []
    early_copy = rng.random() < 0.25
    if early_copy:
        lines.append("COPY . .")
    lines += _deps(rng, stack)
    if not early_copy:
        lines.append("COPY . .")
    lines += stack["build"]  # type: ignore[operator]
    lines += _extras(rng)
    if multi:
        runtime = rng.choice(stack.get("runtime", [base]))  # type: ignore[attr-defined]
        lines += ["", _from(rng, runtime), "WORKDIR /app"]
        if runtime != "scratch" and "distroless" not in runtime:
            lines.append(_user(runtime))
        lines.append(
            "COPY --from=build /app /app"
            if stack_name != "go"
            else "COPY --from=build /out/app /usr/local/bin/app"
        )
        lines += _tail(rng, stack, runtime != "scratch" and "distroless" not in runtime)
    else:
        lines.append(_user(base))
        lines += _tail(rng, stack, True)
    return "\n".join(lines) + "\n"


def seed_dockerfiles() -> dict[str, str]:
    """The Dockerfiles of the two seed guides (blocks with a FROM), as they are written there."""
    out: dict[str, str] = {}
    for seed in sorted(SEEDS.glob("0*.txt")):
        text = seed.read_text(encoding="utf-8", errors="replace")
        for index, block in enumerate(re.findall(r"```dockerfile\n(.*?)```", text, re.S)):
            block = textwrap.dedent(block)
            if re.search(r"^FROM ", block, re.M):
                out[f"seed-{seed.name[:3]}-{index:02d}.Dockerfile"] = block
    return out


def main() -> None:
    rng = random.Random(20261123)
    for i in range(COUNT):
        name = f"gen-{i:03d}"
        (HERE / f"{name}.Dockerfile").write_text(dockerfile(rng, name))
    for name, text in seed_dockerfiles().items():
        (HERE / name).write_text(text)


if __name__ == "__main__":
    main()
