"""Host tools the tests drive (qemu, umoci, skopeo, ...): present, skipped visibly, or required by CI."""

from __future__ import annotations

import os
import shutil


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
