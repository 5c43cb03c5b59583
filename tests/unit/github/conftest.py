"""The GitHub emulator's fixtures for this area (until tests/conftest.py enables the plugin)."""

from tests.github_emulator.plugin import emulated_repo, github_app_key, github_emulator, github_settings

__all__ = ["emulated_repo", "github_app_key", "github_emulator", "github_settings"]
