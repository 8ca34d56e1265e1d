"""A real REAPI cache (buildgrid, from PyPI) on 127.0.0.1: disk CAS, LRU action cache, insecure."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from go_oci.testing.services import free_port, listening, running
from go_oci.testing.tools import python311_venv

BUILDGRID_REQUIREMENT = "buildgrid==0.4.4"


@contextmanager
def buildgrid_cache(workdir: Path) -> Iterator[str]:
    """Yields `grpc://127.0.0.1:PORT` of a fresh, empty cache; stops it on exit."""
    bgd = python311_venv(BUILDGRID_REQUIREMENT) / "bin" / "bgd"
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "buildgrid.yml"
    config.write_text(
        f"""\
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
storages:
  - !disk-storage &cas
    path: {workdir / "cas"}
caches:
  - !lru-action-cache &action-cache
    storage: *cas
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: ""
    services:
      - !action-cache
        cache: *action-cache
      - !cas
        storage: *cas
      - !bytestream
        storage: *cas
# Pants uploads many blobs at once; the default limit answers ResourceExhausted.
thread-pool-size: 64
limiter:
  !limiter
  concurrent-request-limit: 512
"""
    )

    with running([str(bgd), "server", "start", str(config)], workdir / "buildgrid.log", lambda: listening(port)):
        yield f"grpc://127.0.0.1:{port}"
