"""A real OCI registry (Debian's docker-registry) on 127.0.0.1 for the length of a test."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

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


def _htpasswd_file(workdir: Path, users: Mapping[str, str]) -> Path:
    """The bcrypt entries docker-registry's htpasswd auth accepts (it takes no other hash)."""
    htpasswd = require_tool("htpasswd")
    path = workdir / "htpasswd"
    path.write_text(
        "".join(
            subprocess.run([htpasswd, "-nbB", user, password], check=True, capture_output=True, text=True).stdout.strip() + "\n"
            for user, password in users.items()
        )
    )
    return path


@contextmanager
def local_registry(workdir: Path, users: Mapping[str, str] | None = None) -> Iterator[Registry]:
    """A fresh, empty registry; stopped on exit, its log kept in `workdir`.

    With `users` (name -> password), every request needs HTTP Basic credentials of one of them.
    """
    binary = require_tool("docker-registry")
    port = free_port()
    storage = workdir / "registry-storage"
    storage.mkdir(parents=True, exist_ok=True)
    auth = ""
    if users:
        auth = f"auth:\n  htpasswd:\n    realm: go_oci-test\n    path: {_htpasswd_file(workdir, users)}\n"
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
        f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        + auth
    )
    address = f"127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://{address}/v2/", timeout=1) as response:
                return response.status == 200
        except urllib.error.HTTPError as error:
            return bool(users) and error.code == 401
        except OSError:
            return False

    with running([binary, "serve", str(config)], workdir / "registry.log", answers, timeout=20):
        yield Registry(address, storage)
