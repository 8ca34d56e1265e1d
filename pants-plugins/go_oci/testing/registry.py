"""A real OCI registry (Debian's docker-registry) on 127.0.0.1 for the length of a test."""

from __future__ import annotations

import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from go_oci.testing.services import free_port, running
from go_oci.testing.tools import require_tool


class Registry:
    """A `docker-registry serve` (distribution 2.8) on 127.0.0.1, storing in a temporary directory."""

    def __init__(self, host: str, storage: Path) -> None:
        self.host = host  # "127.0.0.1:PORT"
        self.storage = storage

    @property
    def url(self) -> str:
        return f"http://{self.host}"


@contextmanager
def local_registry(workdir: Path) -> Iterator[Registry]:
    """A fresh, empty registry; stopped on exit, its log kept in `workdir`."""
    binary = require_tool("docker-registry")
    port = free_port()
    storage = workdir / "registry-storage"
    storage.mkdir(parents=True, exist_ok=True)
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    address = f"127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    with running([binary, "serve", str(config)], workdir / "registry.log", answers, timeout=20):
        yield Registry(address, storage)
