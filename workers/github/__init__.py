"""The GitHub App client: App JWT, cached installation tokens, rate-limit handling, deliveries.

Only jobs import this package (never analyzers); the webhook handler never calls GitHub inline.
"""

from workers.github.auth import GitHubApp, InstallationTokenCache
from workers.github.errors import GitHubApiError
from workers.github.ratelimit import call_github

__all__ = ["GitHubApiError", "GitHubApp", "InstallationTokenCache", "call_github"]
