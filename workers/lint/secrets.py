"""Secret detection shared by DG107 (Dockerfile ENV/ARG), DG203 (image config) and DG204 (files).

Tuned for few false positives: a name must end in a secret word (so `TOKEN_TTL` and
`PASSWORD_FILE` pass), the value must be a literal (not `$VAR`, not empty, not a boolean or small
number), and well-known token formats are recognised wherever they appear.
"""

from __future__ import annotations

import re

_SECRET_NAME = re.compile(
    r"(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|SECRET_KEY|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE_KEY|"
    r"CLIENT_SECRET|AUTH|CREDENTIALS?)$|_PWD$",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(r"(?:_FILE|_PATH|_DIR|_URL_FILE|_ENABLED|_LENGTH|_TTL)$", re.IGNORECASE)
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe secret key", re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("PyPI token", re.compile(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")),
    ("password in a URL", re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@$]+:[^/\s@${}]{3,}@[^\s/]+")),
)
_PLACEHOLDER = re.compile(r"^(?:\$.*|<.*>|\{\{.*\}\}|true|false|yes|no|none|null|\d{1,4}|x+|\*+|-+)$", re.I)


def token_kind(value: str) -> str | None:
    """The kind of a well-known credential format found in `value`, if any."""
    for kind, pattern in TOKEN_FORMATS:
        if pattern.search(value):
            return kind
    return None


def secret_reason(name: str, value: str) -> str | None:
    """Why `name=value` looks like a baked-in secret, or None when it does not."""
    kind = token_kind(value)
    if kind:
        return f"{name} holds a value in {kind} format"
    value = value.strip().strip("\"'")
    if not value or _PLACEHOLDER.match(value) or "$" in value[:1]:
        return None
    if _SECRET_NAME.search(name) and not _NOT_SECRET_NAME.search(name):
        return f"{name} is secret-like and has a literal value"
    return None


# Files whose presence in an image is a finding (DG204): exact basenames and path patterns.
SECRET_BASENAMES = frozenset(
    {
        "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".npmrc", ".pypirc", ".netrc",
        ".git-credentials", ".dockercfg", "credentials.json", "service-account.json",
    }
)  # fmt: skip
SECRET_PATH_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"/\.aws/credentials$"),
    re.compile(r"/\.docker/config\.json$"),
    re.compile(r"/\.kube/config$"),
    re.compile(r"/\.config/gcloud/.*credentials.*\.json$"),
    re.compile(r"/\.config/gcloud/(?:credentials|access_tokens)\.db$"),  # gcloud's token stores
    re.compile(
        r"/\.azure/(?:accessTokens\.json|msal_token_cache\.(?:json|bin)|service_principal_entries\.json)$"
    ),
    re.compile(r"/\.ssh/id_[a-z0-9]+$"),
    re.compile(r"/\.env\.[A-Za-z0-9_.-]+$"),
    re.compile(r"/\.git$"),
)
# Places where key-like files are expected and public (CA bundles, distro test data).
# Key-like extensions: flagged only when the content holds a private key (certificates are public).
KEY_EXTENSIONS = re.compile(r"\.(?:pem|key|p12|pfx)$")
SECRET_PATH_ALLOW: tuple[re.Pattern[str], ...] = (
    re.compile(r"^/(?:usr/share|usr/lib|etc/ssl/certs)/"),
    re.compile(r"/(?:site-packages|dist-packages|node_modules)/"),
    re.compile(r"\.env\.(?:example|sample|template|dist)$"),
)


REDACTED = "[REDACTED]"
_VALUE = r"(?P<value>\"[^\"]*\"|'[^']*'|\S+)"
_ASSIGNMENT = re.compile(r"\b(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<sep>=)" + _VALUE)
_LEGACY_ENV = re.compile(r"\bENV(?P<sep>\s+)(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+" + _VALUE)  # ENV KEY value


def redact(text: str, known: tuple[str, ...] = ()) -> str:
    """`text` (a build log, an error) without secrets: values of secret-like `NAME=value` (and
    `ENV NAME value`) assignments, well-known token formats, and the `known` secret values."""
    for value in sorted({v for v in known if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, REDACTED)

    def assignment(match: re.Match[str]) -> str:
        if secret_reason(match["name"], match["value"]):
            return match.group(0)[: match.start("value") - match.start()] + REDACTED
        return match.group(0)

    text = _ASSIGNMENT.sub(assignment, text)
    text = _LEGACY_ENV.sub(assignment, text)
    for _kind, pattern in TOKEN_FORMATS:
        text = pattern.sub(REDACTED, text)
    return text
