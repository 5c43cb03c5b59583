"""The platform's API gateway: a WSGI app served by gunicorn."""
