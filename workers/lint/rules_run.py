"""Rules about what RUN executes: package managers, pipes into shells, sudo, chmod, cd.

Each RUN is split into simple commands (workers.lint.shell), so `sudo -E apt-get -y install x`,
`sh -c "..."` and heredoc scripts are all seen as the commands that really run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from workers.lint.findings import Finding
from workers.lint.lockfiles import npm_lockfile
from workers.lint.model import Instruction, Stage
from workers.lint.rules_stage import LintContext, _f
from workers.lint.shell import SimpleCommand, commands, run_script

BUILD_TOOLS = frozenset(
    {"gcc", "g++", "clang", "make", "cmake", "build-essential", "build-base", "autoconf", "automake",
     "libtool", "gfortran", "ninja-build", "meson", "gcc-c++", "golang", "rustc", "cargo", "bison", "flex"}
)  # fmt: skip
_VERSIONED_TOOL = re.compile(r"^(?:gcc|g\+\+|clang|cpp)-\d+$")
_INSTALLERS = {"apt-get": "install", "apt": "install", "apk": "add", "yum": "install", "dnf": "install",
               "microdnf": "install", "zypper": "install"}  # fmt: skip
_REMOVERS = {"apt-get": ("purge", "remove", "autoremove"), "apt": ("purge", "remove"), "apk": ("del",),
             "yum": ("remove", "erase"), "dnf": ("remove",)}  # fmt: skip
_DEP_INSTALL = re.compile(
    r"\b(?:pip3?(?:\.\d+)? install|-m pip install|npm (?:ci|install|i)\b|yarn(?: install)?\b|pnpm install|"
    r"go mod download|bundle install|composer install|poetry install|pipenv install|uv sync|mvn|gradle)"
)
_SHELL_NAMES = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})
_CHMOD_SETID = re.compile(r"^(?:[ugoa]*[+=][rwxXt]*s[rwxXts]*|0*[2-7][0-7]{3})$")
_CHMOD_WORLD = re.compile(r"^(?:0?777|[ao]*\+rwx|ugo\+rwx|o\+w|a\+w)$")
_ONBUILD_FLAGS = re.compile(r"^\s*ONBUILD\s+RUN\s+((?:--\S+\s+)*)", re.IGNORECASE)
_INSTALL_MODE = re.compile(r"^-[bcCdDpsTvZ]*m(.*)$")  # install's short options cluster: `-Dm755`


def _pkg(word: str) -> str:
    return re.split(r"[=~<>]", word, maxsplit=1)[0].split(":", 1)[0].lower()


def _cache_mount(ins: Instruction, fragment: str) -> bool:
    return any(f.startswith("--mount=") and "type=cache" in f and fragment in f for f in ins.flags)


def _is(cmd: SimpleCommand, name: str | tuple[str, ...], sub: str | tuple[str, ...]) -> bool:
    names = (name,) if isinstance(name, str) else name
    subs = (sub,) if isinstance(sub, str) else sub
    return cmd.name in names and cmd.subcommand() in subs


def _is_pip_install(cmd: SimpleCommand) -> bool:
    if re.match(r"^pip(?:3(?:\.\d+)?)?$", cmd.name):
        return cmd.subcommand() == "install"
    if re.match(r"^python(?:3(?:\.\d+)?)?$", cmd.name) and cmd.argv[1:3] == ("-m", "pip"):
        return "install" in cmd.argv[3:4]
    return False


def _env_set(ctx: LintContext, stage: Stage, name: str, before: int) -> bool:
    for s in ctx.doc.chain(stage):
        for ins in s.instructions:
            if ins.cmd == "ENV" and (s is not stage or ins.line < before) and name in ins.args[0::2]:
                return True
    return False


def as_run(ins: Instruction) -> Instruction | None:
    """`ins` as a RUN to lint: a RUN, or the RUN an `ONBUILD RUN` trigger executes downstream."""
    if ins.cmd == "RUN":
        return ins
    if ins.cmd != "ONBUILD" or ins.sub_cmd != "RUN" or not ins.args:
        return None
    if ins.json:
        return replace(ins, cmd="RUN", sub_cmd=None)
    # The parser drops the trigger's own `--mount=...` flags: read them back from the original text.
    m = _ONBUILD_FLAGS.match(ins.original)
    flags = tuple(m.group(1).split()) if m else ()
    return replace(ins, cmd="RUN", sub_cmd=None, flags=flags)


def run_rules(ctx: LintContext) -> Iterator[Finding]:
    """Every RUN (and ONBUILD RUN) of every stage; DG104 and DG111 only where the result ships."""
    for stage in ctx.doc.stages:
        shipped = stage.index in ctx.shipped
        for ins in filter(None, map(as_run, stage.instructions)):
            cmds = commands(run_script(ins.args, ins.heredocs, ins.json))
            yield from _package_rules(ctx, stage, ins, cmds, shipped)
            yield from _misc_rules(ctx, stage, ins, cmds)
        yield from _copy_before_install(ctx, stage)


def _package_rules(
    ctx: LintContext, stage: Stage, ins: Instruction, cmds: list[SimpleCommand], shipped: bool
) -> Iterator[Finding]:
    apt_install = [c for c in cmds if _is(c, ("apt-get", "apt"), "install")]
    apt_update = any(_is(c, ("apt-get", "apt"), "update") for c in cmds)
    lists_removed = any(c.name == "rm" and any("/var/lib/apt/lists" in a for a in c.argv) for c in cmds)
    if (
        apt_update
        and not apt_install
        and not any(_is(c, ("apt-get", "apt"), ("upgrade", "dist-upgrade")) for c in cmds)
    ):
        yield _f(ctx, "DG112", ins.line, stage, "apt-get update runs without an install in the same RUN")
    if shipped and apt_update and not lists_removed and not _cache_mount(ins, "/var/lib/apt"):
        # Lists are written by `update`; a later RUN cannot remove them from this layer.
        yield _f(ctx, "DG111", ins.line, stage, "the package lists apt-get update fetched stay in this layer")
    if any(
        not any("no-install-recommends" in a or "Install-Recommends=" in a for a in c.argv)
        for c in apt_install
    ):
        yield _f(ctx, "DG113", ins.line, stage, "apt-get install pulls in recommended packages")
    pip = [c for c in cmds if _is_pip_install(c)]
    if (
        any("--no-cache-dir" not in c.argv for c in pip)
        and not _env_set(ctx, stage, "PIP_NO_CACHE_DIR", ins.line)
        and not _cache_mount(ins, "pip")
    ):
        yield _f(ctx, "DG114", ins.line, stage, "pip install keeps its download cache")
    if any(_is(c, "npm", ("install", "i")) and not c.operands(c.subcommand() or "") and "-g" not in c.argv
           for c in cmds):  # fmt: skip
        lockfile = npm_lockfile(ctx, stage, ins)  # without a lockfile `npm ci` cannot run: no advice then
        if lockfile:
            yield _f(ctx, "DG115", ins.line, stage, f"npm install ignores the lockfile: {lockfile}")
    apk_add = [c for c in cmds if _is(c, "apk", "add")]
    if any("--no-cache" not in c.argv for c in apk_add) and not _cache_mount(ins, "/var/cache/apk"):
        yield _f(ctx, "DG121", ins.line, stage, "apk add keeps its index cache")
    if shipped:
        tools = _build_tools(cmds)
        if tools:
            yield _f(
                ctx, "DG104", ins.line, stage, f"installs build tools in a shipped stage: {', '.join(tools)}"
            )


def _build_tools(cmds: list[SimpleCommand]) -> list[str]:
    installed: list[tuple[str, str | None]] = []
    removed: set[str] = set()
    for c in cmds:
        sub = c.subcommand()
        if c.name in _INSTALLERS and sub == _INSTALLERS[c.name]:
            virtual = c.argv[c.argv.index("--virtual") + 1] if "--virtual" in c.argv[:-1] else None
            installed += [
                (p, virtual)
                for p in map(_pkg, c.operands(sub))
                if p in BUILD_TOOLS or _VERSIONED_TOOL.match(p)
            ]
        elif c.name in _REMOVERS and sub in _REMOVERS[c.name]:
            removed.update(map(_pkg, c.operands(sub)))
    return list(dict.fromkeys(p for p, virtual in installed if p not in removed and virtual not in removed))


def _misc_rules(
    ctx: LintContext, stage: Stage, ins: Instruction, cmds: list[SimpleCommand]
) -> Iterator[Finding]:
    if any(c.raw_name.rsplit("/", 1)[-1] == "sudo" for c in cmds):
        yield _f(ctx, "DG116", ins.line, stage, "RUN uses sudo")
    script = run_script(ins.args, ins.heredocs, ins.json)
    fetchers = {c.pipeline for c in cmds if c.name in ("curl", "wget")}
    piped_shell = any(c.piped_from and c.pipeline in fetchers and c.name in _SHELL_NAMES for c in cmds)
    if piped_shell or re.search(
        r"(?:sh|bash)\s+(?:-\w+\s+)*(?:<\(|-c\s+[\"']?\$\()\s*(?:curl|wget)\b", script
    ):
        yield _f(ctx, "DG118", ins.line, stage, "a downloaded script is piped straight into a shell")
    if any(c.name == "cd" for c in cmds):
        yield _f(ctx, "DG119", ins.line, stage, "RUN changes directory with cd")
    for c in cmds:
        for mode in (m for part in _modes(c) for m in part.split(",")):
            if _CHMOD_WORLD.match(mode) or _CHMOD_SETID.match(mode):
                how = f"chmod {mode}" if c.name == "chmod" else f"install -m {mode}"
                yield _f(ctx, "DG123", ins.line, stage, f"{how} makes files world-writable or setuid/setgid")
                return


def _modes(cmd: SimpleCommand) -> list[str]:
    """The mode words of `chmod MODE ...` and `install -m MODE` / `-Dm4755` / `--mode=MODE`."""
    if cmd.name == "chmod":
        return [a for a in cmd.argv[1:] if not a.startswith("-")][:1]  # `-x` style modes only remove bits
    if cmd.name != "install":
        return []
    for i, word in enumerate(cmd.argv[1:], start=1):
        if word.startswith("--mode="):
            return [word.split("=", 1)[1]]
        m = _INSTALL_MODE.match(word)
        if word == "--mode" or m:
            value = m.group(1) if m and m.group(1) else None
            if value is None:
                value = cmd.argv[i + 1] if i + 1 < len(cmd.argv) else ""
            return [value] if value else []
    return []


def _copy_before_install(ctx: LintContext, stage: Stage) -> Iterator[Finding]:
    """DG110: `COPY . .` (whole context) before the stage's first dependency install."""
    whole: Instruction | None = None
    for ins in stage.instructions:
        if ins.cmd in ("COPY", "ADD") and whole is None and ins.flag("from") is None:
            if any(src in (".", "./", "*", "./*") for src in ins.args[:-1]):
                whole = ins
        elif ins.cmd == "RUN" and _DEP_INSTALL.search(run_script(ins.args, ins.heredocs, ins.json)):
            if whole is not None:
                yield _f(
                    ctx,
                    "DG110",
                    whole.line,
                    stage,
                    f"the whole context is copied before `{ins.original[:60]}`",
                )
            return
