"""Fixtures: a Go SDK, the compiled layertool, and external validators (umoci, skopeo, ...).

A missing tool skips the tests that need it, with the reason shown by `pytest -rs`, unless
GO_OCI_REQUIRE_TOOLS=1, in which case it fails them: CI must not pass by skipping.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional, Sequence

import pytest

from go_oci.testing import tools
from go_oci.testing.registry import Registry, local_registry

LAYERTOOL_DIR = Path(__file__).resolve().parent.parent / "layertool"


@pytest.fixture(scope="session")
def require_tool() -> Callable[[str], str]:
    return tools.require_tool


@pytest.fixture(scope="session")
def go_env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """The environment of hermetic Go builds: no network, no toolchain switching, no cgo."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path_factory.mktemp("home")),
        "GOCACHE": os.environ.get("GOCACHE") or str(tmp_path_factory.mktemp("gocache")),
        "GOMODCACHE": str(tmp_path_factory.mktemp("gomodcache")),
        "GOFLAGS": "-trimpath -modcacherw",
        "GOTOOLCHAIN": "local",
        "GOPROXY": "off",
        "GOSUMDB": "off",
        "CGO_ENABLED": "0",
    }


@pytest.fixture(scope="session")
def go_sdk() -> str:
    return tools.require_go()


@pytest.fixture(scope="session")
def go_build(go_sdk: str, go_env: Dict[str, str]) -> Callable[..., Path]:
    """go_build(module_dir, out, goos=..., goarch=..., extra_env=...) -> path of the binary."""

    def build(
        module_dir: Path,
        out: Path,
        *,
        goos: str = "linux",
        goarch: str = "amd64",
        extra_env: Optional[Dict[str, str]] = None,
        args: Sequence[str] = (),
    ) -> Path:
        env = {**go_env, "GOOS": goos, "GOARCH": goarch, **(extra_env or {})}
        subprocess.run(
            [go_sdk, "build", "-buildvcs=false", "-ldflags=-buildid=", *args, "-o", str(out), "."],
            cwd=module_dir,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return out

    return build


@pytest.fixture(scope="session")
def layertool(go_build: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    host_arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    out = tmp_path_factory.mktemp("layertool") / "layertool"
    return go_build(LAYERTOOL_DIR, out, goos="linux", goarch=host_arch)


@pytest.fixture
def run_layertool(layertool: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run layertool with `args` in `cwd`; check=False returns failures for inspection."""

    def run(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(layertool), *args], cwd=cwd, capture_output=True, text=True, env={}
        )
        if check and result.returncode != 0:
            raise AssertionError(f"layertool {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run


# ---------------------------------------------------------------------------- a real registry


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    """A fresh, empty registry per test, so tests cannot see each other's blobs."""
    with local_registry(tmp_path) as running:
        yield running
