"""An HTTP proxy in front of a test registry that injects the failures registries produce (5xx, 401,
dropped connections, rewritten answers) and records every request it sees."""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Mapping, Optional, Tuple

# (status, headers, body) that the proxy answers instead of forwarding, None to forward, or
# DROP_CONNECTION to close the connection without an answer, as a crashing proxy or registry does.
DROP_CONNECTION = (0, {}, b"")
Reply = Optional[Tuple[int, Mapping[str, str], bytes]]
Intercept = Callable[[str, str, Mapping[str, str]], Reply]

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "proxy-connection",
}


class RegistryProxy:
    """An HTTP server in front of the registry. It forwards every request (Host included, so the
    registry's upload Locations point back at the proxy) unless `intercept` answers it, may rewrite
    forwarded responses' headers and body with `rewrite`, and records (method, path, status) of every request.
    """

    def __init__(
        self,
        upstream: str,
        intercept: Intercept = lambda method, path, headers: None,
        rewrite: Callable[
            [str, str, bytes, Dict[str, str], bytes], Tuple[Dict[str, str], bytes]
        ] = (lambda method, path, request_body, headers, body: (headers, body)),
    ) -> None:
        self.upstream = upstream
        self.intercept = intercept
        self.rewrite = rewrite
        self.requests: List[Tuple[str, str, int]] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.proxy = self  # type: ignore[attr-defined]
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "RegistryProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def forward(self, method: str, path: str, headers: Mapping[str, str], body: bytes):
        upstream_host, upstream_port = self.upstream.rsplit(":", 1)
        connection = http.client.HTTPConnection(upstream_host, int(upstream_port), timeout=10)
        try:
            connection.request(method, path, body=body, headers=dict(headers))
            response = connection.getresponse()
            payload = response.read()
            return response.status, {k: v for k, v in response.getheaders()}, payload
        finally:
            connection.close()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        proxy: RegistryProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        reply = proxy.intercept(self.command, self.path, headers)
        if reply is None:
            status, response_headers, payload = proxy.forward(
                self.command, self.path, headers, body
            )
            response_headers, payload = proxy.rewrite(
                self.command, self.path, body, response_headers, payload
            )
        else:
            status, response_headers, payload = reply[0], dict(reply[1]), reply[2]
        with proxy.lock:
            proxy.requests.append((self.command, self.path, status))
        if reply is DROP_CONNECTION:
            self.close_connection = True
            return
        self.send_response(status)
        for key, value in response_headers.items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        if self.command == "HEAD":
            # A HEAD answer carries the length of what GET would send, and no body.
            self.send_header("Content-Length", response_headers.get("Content-Length", "0"))
            self.end_headers()
        else:
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:
        pass


def is_manifest_put(method: str, path: str) -> bool:
    return method == "PUT" and "/manifests/" in path


def is_tag_put(method: str, path: str) -> bool:
    return is_manifest_put(method, path) and "/manifests/sha256:" not in path
