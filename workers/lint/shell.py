"""Just enough shell parsing for RUN rules: pipelines of simple commands with their argv.

RUN lines are POSIX sh, so we tokenize with `shlex` (quotes, escapes, comments) and split on
control operators. Wrappers that do not change what runs (`env`, `sudo`, `VAR=x`, `sh -c "..."`)
are unwrapped so a rule sees `apt-get install` however it is spelled. Unbalanced quotes fall back
to whitespace splitting: a lint rule must never crash on a strange RUN.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_SEPARATORS = {
    ";",
    "&&",
    "||",
    "&",
    "(",
    ")",
    ";;",
    "{",
    "}",
    "!",
    "then",
    "do",
    "else",
    "elif",
    "fi",
    "done",
}
_WRAPPERS = {"env", "time", "nice", "nohup", "exec", "command", "sudo", "xargs", "su-exec", "gosu"}
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh", "busybox"}
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


@dataclass(frozen=True)
class SimpleCommand:
    argv: tuple[str, ...]  # unwrapped: argv[0] is the program that really runs (basename)
    raw_name: str  # the first word as written (e.g. "sudo")
    pipeline: int  # commands with the same number are connected by `|`
    piped_from: bool  # True when stdin comes from the previous command of the pipeline

    @property
    def name(self) -> str:
        return self.argv[0] if self.argv else ""

    def subcommand(self) -> str | None:
        """The first non-option word after the program, e.g. `install` for `apt-get -y install x`."""
        return next((a for a in self.argv[1:] if not a.startswith("-")), None)

    def operands(self, after: str) -> list[str]:
        """Non-option words after the word `after` (packages of `apt-get install`, ...)."""
        words = list(self.argv)
        start = words.index(after) + 1 if after in words else len(words)
        out, skip = [], False
        for word in words[start:]:
            if skip:
                skip = False
            elif word in ("-o", "-t", "--virtual", "-r", "--requirement", "-c", "--constraint", "-t"):
                skip = True
            elif not word.startswith("-"):
                out.append(word)
        return out


def _tokens(script: str) -> list[str]:
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return script.split()


def _unwrap(words: list[str]) -> list[str]:
    while words:
        head = words[0].rsplit("/", 1)[-1]
        if _ASSIGN.match(words[0]):
            words = words[1:]
        elif head in _WRAPPERS:
            words = words[1:]
            while words and (words[0].startswith("-") or _ASSIGN.match(words[0])):
                words = words[1:]
        else:
            break
    if words:
        words = [words[0].rsplit("/", 1)[-1], *words[1:]]
    return words


def commands(script: str, *, _depth: int = 0) -> list[SimpleCommand]:
    """Every simple command of `script`, in order, with `sh -c "..."` bodies expanded."""
    out: list[SimpleCommand] = []
    pipeline, piped = 0, False
    words: list[str] = []

    def flush() -> None:
        nonlocal words
        if words:
            _emit(words, pipeline, piped, out, _depth)
        words = []

    text = re.sub(r"\\\n", " ", script).replace("\n", " ; ")
    for word in _tokens(text):
        if word == "|":
            flush()
            piped = True
        elif word in _SEPARATORS or set(word) <= set(";&|()"):
            flush()
            pipeline, piped = pipeline + 1, False
        else:
            words.append(word)
    flush()
    return out


def _emit(words: list[str], pipeline: int, piped: bool, out: list[SimpleCommand], depth: int) -> None:
    argv = _unwrap(words)
    if not argv:
        return
    if argv[0] in _SHELLS and "-c" in argv and depth < 3:
        body_index = argv.index("-c") + 1
        if body_index < len(argv):
            nested = commands(argv[body_index], _depth=depth + 1)
            out.extend(nested)
            return
    out.append(SimpleCommand(tuple(argv), words[0], pipeline, piped))


def run_script(args: tuple[str, ...], heredocs: tuple[str, ...], json_form: bool) -> str:
    """The shell text a RUN executes: the heredoc bodies when present, else its argument."""
    if heredocs:
        return "\n".join(heredocs)
    if json_form:
        return " ".join(shlex.quote(a) for a in args)
    return " ".join(args)
