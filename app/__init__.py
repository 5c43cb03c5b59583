"""The Flask application, the webhook/admission/audit endpoints and the `dockgate` CLI."""

__version__ = "0.1.0"
