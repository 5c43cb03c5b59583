"""The emulator's operation handlers: `op_<operationId>` → (status, body[, headers])."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.github_emulator import gitrepo

DOCS = "https://docs.github.com/rest"
NOT_FOUND = {"message": "Not Found", "documentation_url": DOCS, "status": "404"}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Operations:
    """Mixin of :class:`Emulator`: GitHub's behaviour per operation, over the emulator's state."""

    # state provided by Emulator
    app_id: str
    base_url: str
    root: str
    installations: set[int]
    tokens: dict[str, tuple[int, float]]
    check_runs: dict[int, dict[str, Any]]
    annotations: dict[int, list[dict[str, Any]]]
    deliveries: list[dict[str, Any]]
    delivery_bodies: dict[int, tuple[dict[str, str], bytes]]
    statuses: list[dict[str, Any]]
    comments: list[dict[str, Any]]
    repos: dict[str, dict[str, Any]]
    permissions: dict[tuple[str, str], str]
    hook_sender: Any
    ids: Any

    def example(self, name: str, owner: str = "octocat", repo: str = "Hello-World") -> Any:
        raise NotImplementedError

    # ------------------------------------------------------------------ test-side API
    def attach_repo(
        self, full_name: str, bare: Path, *, installation_id: int = 1, aliases: dict[str, str] | None = None
    ) -> None:
        """Serve `bare` as `full_name`; `aliases` maps payload commit shas to real revisions."""
        self.repos[full_name] = {
            "path": Path(bare),
            "installation_id": installation_id,
            "aliases": dict(aliases or {}),
        }
        self.installations.add(installation_id)

    def clone_url(self, full_name: str) -> str:
        """Smart-HTTP URL a worker can `git clone` with basic auth `x-access-token:<installation token>`."""
        return f"{self.root}/{full_name}.git"

    def runs(self, name: str | None = None, head_sha: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.check_runs.values()
            if (name is None or r["name"] == name) and (head_sha is None or r["head_sha"] == head_sha)
        ]

    def deliver(self, event: str, body: bytes, *, guid: str | None = None, redelivery: bool = False) -> int:
        """Send a webhook delivery to `hook_sender` (signed with the webhook secret) and record it."""
        from tests.github_emulator.signing import signed_headers

        guid = guid or secrets.token_hex(16)
        headers = signed_headers(event, body, self.webhook_secret or b"", guid)  # type: ignore[attr-defined]
        started = time.time()
        try:
            status = int(self.hook_sender(headers, body)) if self.hook_sender else 0
        except Exception:  # the receiver is down: GitHub records a failed delivery
            status = 0
        payload = json.loads(body)
        delivery_id = next(self.ids)
        with self.lock:  # type: ignore[attr-defined]
            self.deliveries.insert(
                0,
                {
                    "id": delivery_id,
                    "guid": guid,
                    "delivered_at": iso(started),
                    "redelivery": redelivery,
                    "duration": round(time.time() - started, 3),
                    "status": "OK" if 200 <= status < 300 else "failed",
                    "status_code": status,
                    "event": event,
                    "action": payload.get("action"),
                    "installation_id": (payload.get("installation") or {}).get("id"),
                    "repository_id": (payload.get("repository") or {}).get("id"),
                    "throttled_at": None,
                },
            )
            self.delivery_bodies[delivery_id] = (headers, body)
        return status

    # ------------------------------------------------------------------ apps
    def op_apps_get_authenticated(self, p, q, data, entry):
        body = self.example("integration")
        body["id"] = int(self.app_id)
        return 200, body

    def op_apps_create_from_manifest(self, p, q, data, entry):
        body = self.example("integration-from-manifest")
        body.update(id=int(self.app_id), webhook_secret=secrets.token_hex(20))
        return 201, body

    def op_apps_list_webhook_deliveries(self, p, q, data, entry):
        """Newest first, `per_page` (max 100) at a time; like GitHub, the next page is named by an
        opaque `cursor` in the `Link` header (here `v1_<id of the first delivery on that page>`)."""
        per_page = max(1, min(int(q.get("per_page", 30)), 100))
        items = self.deliveries
        if q.get("status") in ("success", "failure"):
            items = [d for d in items if (d["status"] == "OK") == (q["status"] == "success")]
        start = 0
        if cursor := q.get("cursor"):
            if not re.fullmatch(r"v1_\d+", cursor):
                return 400, {"message": "Bad Request", "documentation_url": DOCS, "status": "400"}
            start = next((i for i, d in enumerate(items) if d["id"] <= int(cursor[3:])), len(items))
        page, rest = items[start : start + per_page], items[start + per_page :]
        headers = {}
        if rest:
            query = urlencode({**q, "per_page": per_page, "cursor": f"v1_{rest[0]['id']}"})
            headers["Link"] = f'<{self.base_url}/app/hook/deliveries?{query}>; rel="next"'
        return 200, page, headers

    def op_apps_get_webhook_delivery(self, p, q, data, entry):
        item = next((d for d in self.deliveries if d["id"] == int(p["delivery_id"])), None)
        if item is None:
            return 404, NOT_FOUND
        headers, body = self.delivery_bodies[item["id"]]
        return 200, {
            **item,
            "url": None,
            "request": {"headers": headers, "payload": json.loads(body)},
            "response": {"headers": {}, "payload": None},
        }

    def op_apps_redeliver_webhook_delivery(self, p, q, data, entry):
        item = next((d for d in self.deliveries if d["id"] == int(p["delivery_id"])), None)
        if item is None:
            return 404, NOT_FOUND
        _, body = self.delivery_bodies[item["id"]]
        import threading

        threading.Thread(
            target=self.deliver,
            args=(item["event"], body),
            kwargs={"guid": item["guid"], "redelivery": True},
            daemon=True,
        ).start()
        return 202, {}

    def _installation_body(self, installation_id: int) -> dict[str, Any]:
        body = self.example("installation")
        body.update(id=installation_id, app_id=int(self.app_id))
        return body

    def op_apps_list_installations(self, p, q, data, entry):
        return 200, [self._installation_body(i) for i in sorted(self.installations)]

    def op_apps_get_installation(self, p, q, data, entry):
        inst = int(p["installation_id"])
        return (200, self._installation_body(inst)) if inst in self.installations else (404, NOT_FOUND)

    def op_apps_create_installation_access_token(self, p, q, data, entry):
        inst = int(p["installation_id"])
        if inst not in self.installations:
            return 404, NOT_FOUND
        token = "ghs_" + secrets.token_hex(18)
        expires = time.time() + 3600
        self.tokens[token] = (inst, expires)
        body = self.example("installation-token")
        body.update(token=token, expires_at=iso(expires))
        return 201, body

    def op_apps_get_repo_installation(self, p, q, data, entry):
        repo = self.repos.get(f"{p['owner']}/{p['repo']}")
        return (200, self._installation_body(repo["installation_id"])) if repo else (404, NOT_FOUND)

    # ------------------------------------------------------------------ repositories and git
    def _repo(self, p, entry) -> dict[str, Any] | None:
        repo = self.repos.get(f"{p['owner']}/{p['repo']}")
        auth = entry.get("auth") or {}
        if repo is None or auth.get("installation_id") != repo["installation_id"]:
            return None
        return repo

    def _resolve(self, repo: dict[str, Any], rev: str) -> str | None:
        return gitrepo.resolve(repo["path"], repo["aliases"].get(rev, rev))

    def op_repos_get(self, p, q, data, entry):
        if self._repo(p, entry) is None:
            return 404, NOT_FOUND
        body = self.example("full-repository-default-response", p["owner"], p["repo"])
        body.update(name=p["repo"], full_name=f"{p['owner']}/{p['repo']}", language=None)
        body["owner"]["login"] = p["owner"]
        return 200, body

    def op_repos_get_content(self, p, q, data, entry):
        repo = self._repo(p, entry)
        sha = self._resolve(repo, q.get("ref", "HEAD")) if repo else None
        content = gitrepo.blob(repo["path"], sha, p["path"]) if repo and sha else None
        if content is None:
            return 404, NOT_FOUND
        body = self.example("content-file-response-if-content-is-a-file", p["owner"], p["repo"])
        body.update(
            path=p["path"],
            name=p["path"].rsplit("/", 1)[-1],
            size=len(content),
            content=base64.encodebytes(content).decode(),
            encoding="base64",
        )
        return 200, body

    def op_git_get_ref(self, p, q, data, entry):
        repo = self._repo(p, entry)
        sha = gitrepo.resolve(repo["path"], "refs/" + p["ref"]) if repo else None
        if sha is None:
            return 404, NOT_FOUND
        body = self.example("git-ref", p["owner"], p["repo"])
        body["ref"] = "refs/" + p["ref"]
        body["url"] = f"{self.base_url}/repos/{p['owner']}/{p['repo']}/git/refs/{p['ref']}"
        body["object"].update(
            sha=sha, url=f"{self.base_url}/repos/{p['owner']}/{p['repo']}/git/commits/{sha}"
        )
        return 200, body

    def op_git_get_tree(self, p, q, data, entry):
        repo = self._repo(p, entry)
        sha = self._resolve(repo, p["tree_sha"]) if repo else None
        if sha is None:
            return 404, NOT_FOUND
        entries = gitrepo.tree(repo["path"], sha)
        if "recursive" not in q:
            entries = [e for e in entries if "/" not in str(e["path"])]
        base = f"{self.base_url}/repos/{p['owner']}/{p['repo']}/git"
        for e in entries:
            e["url"] = f"{base}/{'blobs' if e['type'] == 'blob' else 'trees'}/{e['sha']}"
        return 200, {"sha": sha, "url": f"{base}/trees/{sha}", "tree": entries, "truncated": False}

    def op_repos_download_tarball_archive(self, p, q, data, entry):
        repo = self._repo(p, entry)
        sha = self._resolve(repo, p["ref"]) if repo else None
        if sha is None:
            return 404, NOT_FOUND
        return 302, None, {"Location": f"{self.root}/_codeload/{p['owner']}/{p['repo']}/{sha}"}

    def serve_codeload(self, path: str) -> tuple[int, dict[str, str], bytes]:
        _, _, owner, name, sha = path.split("/", 4)
        repo = self.repos.get(f"{owner}/{name}")
        if repo is None:
            return 404, {}, b""
        return 200, {}, gitrepo.archive(repo["path"], sha, f"{owner}-{name}-{sha[:7]}")

    def serve_git(self, h, url, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        owner, rest = url.path.lstrip("/").split("/", 1)
        name, _, tail = rest.partition(".git/")
        repo = self.repos.get(f"{owner}/{name}")
        scheme, _, cred = h.headers.get("Authorization", "").partition(" ")
        user, _, token = base64.b64decode(cred or b"").decode(errors="replace").partition(":")
        if repo is None or scheme.lower() != "basic" or not self.token_valid(token):  # type: ignore[attr-defined]
            return 401, {"WWW-Authenticate": 'Basic realm="GitHub"'}, b""
        if tail.endswith("git-receive-pack") or "service=git-receive-pack" in url.query:
            return 403, {}, b"read-only"
        path = repo["path"]
        return gitrepo.http_backend(
            path.parent, f"/{path.name}/{tail}", h.command, url.query, h.headers.get("Content-Type", ""), raw
        )

    def op_repos_get_collaborator_permission_level(self, p, q, data, entry):
        if self._repo(p, entry) is None:
            return 404, NOT_FOUND
        level = self.permissions.get((f"{p['owner']}/{p['repo']}", p["username"]), "read")
        body = self.example("repository-collaborator-permission-response-if-user-has-admin-permissions")
        body.update(permission=level, role_name=level)
        body["user"].update(login=p["username"], role_name=level)  # the example lacks the required field
        return 200, body

    # ------------------------------------------------------------------ checks
    def _too_long(self, data) -> dict[str, Any] | None:
        out = data.get("output") or {}
        for field in ("summary", "text"):
            if len((out.get(field) or "").encode("utf-8")) > 65535:
                return {
                    "message": "Validation Failed",
                    "documentation_url": DOCS,
                    "status": "422",
                    "errors": [
                        {
                            "resource": "CheckRun",
                            "code": "custom",
                            "field": field,
                            "message": f"{field} exceeds a maximum bytesize of 65535",
                        }
                    ],
                }
        for a in out.get("annotations", []):
            if len(a.get("title", "")) > 255 or any(
                len(a.get(k, "").encode()) > 65536 for k in ("message", "raw_details")
            ):
                return {
                    "message": "Invalid request.\n\nannotation too long",
                    "documentation_url": DOCS,
                    "status": "422",
                }
        return None

    def _apply(self, run, data, owner, repo) -> None:
        for key in ("name", "details_url", "external_id", "started_at", "completed_at"):
            if key in data:
                run[key] = data[key]
        if "status" in data:
            run["status"] = data["status"]
        if "conclusion" in data:
            run["conclusion"], run["status"] = data["conclusion"], "completed"
        if run["status"] == "completed":
            run["completed_at"] = run.get("completed_at") or iso(time.time())
        else:
            run["conclusion"], run["completed_at"] = None, None
        if "output" in data:
            anns = self.annotations.setdefault(run["id"], [])
            anns.extend(data["output"].get("annotations", []))
            run["output"].update(
                {k: data["output"].get(k) for k in ("title", "summary", "text") if k in data["output"]}
            )
            run["output"]["annotations_count"] = len(anns)
        if "actions" in data:
            run["actions"] = data["actions"]
        run["output"]["annotations_url"] = (
            f"{self.base_url}/repos/{owner}/{repo}/check-runs/{run['id']}/annotations"
        )
        run.setdefault("history", []).append(run["status"])
        run.setdefault("titles", []).append((data.get("output") or {}).get("title"))

    def op_checks_create(self, p, q, data, entry):
        if self._repo(p, entry) is None:
            return 404, NOT_FOUND
        if err := self._too_long(data):
            return 422, err
        if data.get("status") == "completed" and "conclusion" not in data:
            return 422, {
                "message": 'Invalid request.\n\n"conclusion" wasn\'t supplied.',
                "documentation_url": DOCS,
            }
        run = self.example("check-run", p["owner"], p["repo"])
        run_id = next(self.ids)
        run.update(
            id=run_id,
            node_id=base64.b64encode(f"CheckRun{run_id}".encode()).decode(),
            url=f"{self.base_url}/repos/{p['owner']}/{p['repo']}/check-runs/{run_id}",
            html_url=f"{self.root}/{p['owner']}/{p['repo']}/runs/{run_id}",
            head_sha=data["head_sha"],
            status="queued",
            conclusion=None,
            started_at=iso(time.time()),
            completed_at=None,
            external_id="",
            details_url=None,
            repository_full_name=f"{p['owner']}/{p['repo']}",
            output={"title": None, "summary": None, "text": None, "annotations_count": 0},
        )
        self._apply(run, data, p["owner"], p["repo"])
        self.check_runs[run_id] = run
        return 201, self._public(run)

    @staticmethod
    def _public(run: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v for k, v in run.items() if k not in ("history", "titles", "actions", "repository_full_name")
        }

    def op_checks_get(self, p, q, data, entry):
        run = self.check_runs.get(int(p["check_run_id"]))
        if run is None or self._repo(p, entry) is None:
            return 404, NOT_FOUND
        return 200, self._public(run)

    def op_checks_update(self, p, q, data, entry):
        run = self.check_runs.get(int(p["check_run_id"]))
        if run is None or self._repo(p, entry) is None:
            return 404, NOT_FOUND
        if err := self._too_long(data):
            return 422, err
        self._apply(run, data, p["owner"], p["repo"])
        return 200, self._public(run)

    def op_checks_list_for_ref(self, p, q, data, entry):
        repo = self._repo(p, entry)
        if repo is None:
            return 404, NOT_FOUND
        full = f"{p['owner']}/{p['repo']}"
        runs = [
            r
            for r in self.check_runs.values()
            if r["head_sha"] == p["ref"] and r["repository_full_name"] == full
        ]
        if "check_name" in q:
            runs = [r for r in runs if r["name"] == q["check_name"]]
        return 200, {"total_count": len(runs), "check_runs": [self._public(r) for r in runs]}

    def op_checks_rerequest_suite(self, p, q, data, entry):
        return 201, {}

    def op_repos_create_commit_status(self, p, q, data, entry):
        body = self.example("status", p["owner"], p["repo"])
        body.update({k: data.get(k) for k in ("state", "target_url", "description")})
        body.update(context=data.get("context", "default"), id=next(self.ids))
        self.statuses.append(body)
        return 201, body

    def op_issues_create_comment(self, p, q, data, entry):
        body = self.example("issue-comment", p["owner"], p["repo"])
        body.update(body=data["body"], id=next(self.ids))
        self.comments.append(body)
        return 201, body
