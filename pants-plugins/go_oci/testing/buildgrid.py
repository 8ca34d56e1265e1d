"""A real REAPI cache (buildgrid, from PyPI) on 127.0.0.1: disk CAS, LRU action cache, insecure."""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from go_oci.testing.services import free_port, listening, running
from go_oci.testing.tools import missing

BUILDGRID_REQUIREMENT = "buildgrid==0.4.4"
# Shared between test runs: installing buildgrid takes a minute, and the venv holds nothing of a test's.
_VENV = Path(os.environ.get("HOME", "/tmp")) / ".cache" / "go_oci_test_tools" / "buildgrid-0.4.4"


def _python311() -> str | None:
    """buildgrid needs Python >= 3.11: the system's python3, or any on the PATH or in pyenv."""
    names = ["python3.13", "python3.12", "python3.11", "python3"]
    candidates = [shutil.which(n) for n in names]
    pyenv_versions = Path(os.environ.get("HOME", "/root")) / ".pyenv" / "versions"
    candidates += [str(p) for p in sorted(pyenv_versions.glob("3.1[1-9]*/bin/python3"), reverse=True)]
    for candidate in filter(None, candidates):
        probe = subprocess.run(
            [candidate, "-c", "import sys, venv; assert sys.version_info >= (3, 11)"], capture_output=True
        )
        if probe.returncode == 0:
            return candidate
    return None


def buildgrid_venv() -> Path:
    bgd = _VENV / "bin" / "bgd"
    if bgd.exists():
        return bgd
    python = _python311()
    if python is None:
        missing("buildgrid needs Python >= 3.11 with the venv module")
    # A failed install leaves no bin/bgd, so the next run starts over.
    shutil.rmtree(_VENV, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(_VENV)], check=True)
    subprocess.run([str(_VENV / "bin" / "pip"), "install", "-q", BUILDGRID_REQUIREMENT], check=True)
    return bgd


@contextmanager
def buildgrid_cache(workdir: Path) -> Iterator[str]:
    """Yields `grpc://127.0.0.1:PORT` of a fresh, empty cache; stops it on exit."""
    bgd = buildgrid_venv()
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
