"""The script every Go process runs: it finds its caches in the sandbox and survives a deleted build cache."""

from __future__ import annotations

import subprocess
from pathlib import Path

from go_oci.util_rules.sdk import _BUILD_CACHE_DIR, _RUN_SCRIPT, _RUN_SCRIPT_CONTENT, SDK_DIR

# Stands in for `go`: reports the cache it was given and writes an entry into it.
_FAKE_GO = """\
#!/bin/sh
echo "$GOCACHE"
echo entry > "$GOCACHE/entry"
"""


def _sandbox(tmp_path: Path, named_cache: Path) -> Path:
    sandbox = tmp_path / "sandbox"
    (sandbox / SDK_DIR / "bin").mkdir(parents=True)
    (sandbox / _RUN_SCRIPT).write_bytes(_RUN_SCRIPT_CONTENT)
    go = sandbox / SDK_DIR / "bin" / "go"
    go.write_text(_FAKE_GO)
    go.chmod(0o755)
    # As Pants mounts an append-only cache: a symlink to the named cache's directory.
    (sandbox / _BUILD_CACHE_DIR).symlink_to(named_cache)
    return sandbox


def _run(sandbox: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/sh", _RUN_SCRIPT, "build"],
        cwd=sandbox,
        env={"GO_OCI_CHDIR": ""},
        capture_output=True,
        text=True,
    )


def test_go_uses_the_named_build_cache(tmp_path: Path) -> None:
    named_cache = tmp_path / "named_caches" / "go_oci_go_build"
    named_cache.mkdir(parents=True)
    sandbox = _sandbox(tmp_path, named_cache)
    result = _run(sandbox)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sandbox / _BUILD_CACHE_DIR}\n"
    assert (named_cache / "entry").read_text() == "entry\n"


def test_a_deleted_build_cache_is_recreated_and_used(tmp_path: Path) -> None:
    # Deleted under a running pantsd: the sandbox's link to it dangles.
    named_cache = tmp_path / "named_caches" / "go_oci_go_build"
    sandbox = _sandbox(tmp_path, named_cache)
    result = _run(sandbox)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{sandbox / _BUILD_CACHE_DIR}\n"
    assert (named_cache / "entry").read_text() == "entry\n"
    assert sorted(p.name for p in sandbox.iterdir()) == sorted([SDK_DIR, _RUN_SCRIPT, _BUILD_CACHE_DIR])


def test_a_cache_that_cannot_be_recreated_fails_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_directory"
    blocker.write_text("")
    sandbox = _sandbox(tmp_path, blocker / "go_oci_go_build")
    result = _run(sandbox)
    assert result.returncode == 1
    assert f"go_oci: the Go build cache {blocker / 'go_oci_go_build'} was deleted and cannot be recreated" in result.stderr
    assert result.stdout == ""
