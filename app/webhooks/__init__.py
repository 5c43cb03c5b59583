"""GitHub webhooks: signature check, routing by event and action, and the WSGI endpoint."""
