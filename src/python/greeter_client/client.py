from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class GreeterError(Exception):
    """The service answered with an error: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"greeter answered {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class GreeterClient:
    base_url: str  # e.g. "http://127.0.0.1:8080"
    timeout: float = 5.0

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base_url.rstrip("/") + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as e:
            raise GreeterError(e.code, json.loads(e.read() or b"{}").get("error", e.reason)) from None
        return json.loads(payload) if payload else None

    def health(self) -> dict[str, str]:
        return self._request("GET", "/healthz")

    def languages(self) -> list[str]:
        return self._request("GET", "/v1/languages")["languages"]

    def greet(self, name: str, lang: str = "en") -> str:
        query = urllib.parse.urlencode({"lang": lang})
        return self._request("GET", f"/v1/greet/{urllib.parse.quote(name)}?{query}")["message"]

    def set_greeting(self, lang: str, greeting: str) -> None:
        self._request("PUT", f"/v1/greetings/{urllib.parse.quote(lang)}", {"greeting": greeting})
