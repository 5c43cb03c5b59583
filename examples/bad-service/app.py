"""The same tiny service as python-service, packaged badly on purpose."""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = json.dumps({"message": "hello", "region": os.environ.get("AWS_DEFAULT_REGION")}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(data)


HTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
