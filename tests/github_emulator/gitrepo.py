"""Git helpers for the emulator: make a small repository, read trees and blobs, serve smart HTTP.

A worker fetches the emulated repository from `emulator.clone_url(full_name)`
(`http://127.0.0.1:PORT/<owner>/<repo>.git`, served by `git http-backend`, requiring the
installation token as HTTP basic auth `x-access-token:<token>`, as GitHub does). Pass the token in
a header, never in the URL: `git -c http.extraHeader="Authorization: Basic <b64>" clone URL`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Emulator",
    "GIT_AUTHOR_EMAIL": "emulator@127.0.0.1",
    "GIT_COMMITTER_NAME": "Emulator",
    "GIT_COMMITTER_EMAIL": "emulator@127.0.0.1",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
}


def git(*args: str, cwd: Path | None = None, data: bytes | None = None) -> bytes:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", *args], cwd=cwd, input=data, env=env, check=True, capture_output=True
    ).stdout


def make_repo(root: Path, files: dict[str, str | bytes], *, branch: str = "main") -> tuple[Path, str]:
    """A bare repository at `root` holding one commit of `files`; returns (path, commit sha)."""
    work = root.with_name(root.name + "-work")
    work.mkdir(parents=True)
    git("init", "-q", "-b", branch, str(work))
    for name, content in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    git("clone", "-q", "--bare", str(work), str(root))
    return root, git("rev-parse", "HEAD", cwd=work).decode().strip()


def commit(
    bare: Path, files: dict[str, str | bytes], *, branch: str = "main", message: str = "change"
) -> str:
    """Add a commit on `branch` of the bare repository (via a temporary clone); returns its sha."""
    work = bare.with_name(bare.name + f"-c{len(list(bare.parent.iterdir()))}")
    git("clone", "-q", "-b", branch, str(bare), str(work))
    for name, content in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", message, cwd=work)
    git("push", "-q", "origin", branch, cwd=work)
    return git("rev-parse", "HEAD", cwd=work).decode().strip()


def resolve(bare: Path, rev: str) -> str | None:
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=bare).decode().strip()
    except subprocess.CalledProcessError:
        return None


def tree(bare: Path, sha: str) -> list[dict[str, object]]:
    """Entries of `git ls-tree -r -t -l` as GitHub's git/trees items."""
    out = git("ls-tree", "-r", "-t", "-l", "-z", sha, cwd=bare).decode()
    entries = []
    for line in filter(None, out.split("\0")):
        meta, path = line.split("\t", 1)
        mode, kind, obj, size = meta.split()
        entry: dict[str, object] = {"path": path, "mode": mode, "type": kind, "sha": obj}
        if kind == "blob":
            entry["size"] = int(size)
        entries.append(entry)
    return entries


def blob(bare: Path, sha: str, path: str) -> bytes | None:
    try:
        return git("show", f"{sha}:{path}", cwd=bare)
    except subprocess.CalledProcessError:
        return None


def archive(bare: Path, sha: str, prefix: str) -> bytes:
    return git("archive", "--format=tar.gz", f"--prefix={prefix}/", sha, cwd=bare)


def http_backend(project_root: Path, path_info: str, method: str, query: str, content_type: str, body: bytes):
    """Run `git http-backend` as CGI; returns (status, headers, body)."""
    env = {
        **os.environ,
        **GIT_ENV,
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": path_info,
        "REQUEST_METHOD": method,
        "QUERY_STRING": query,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": "x-access-token",
        "REMOTE_ADDR": "127.0.0.1",
    }
    out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=True).stdout
    head, _, rest = out.partition(b"\r\n\r\n")
    status, headers = 200, {}
    for line in head.decode().split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            headers[name.strip()] = value.strip()
    return status, headers, rest
