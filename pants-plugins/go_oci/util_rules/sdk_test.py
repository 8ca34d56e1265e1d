"""The script every Go process runs: it finds its caches in the sandbox, survives a deleted build cache and
works at a remote worker's file system root; and how a tool's message is cleaned for the user."""

from __future__ import annotations

import subprocess
from pathlib import Path

from go_oci.testing.remote_execution import STATIC_SHELL
from go_oci.testing.tools import missing, require_tool
from go_oci.util_rules.sdk import _BUILD_CACHE_DIR, _RUN_SCRIPT, _RUN_SCRIPT_CONTENT, SDK_DIR, tool_message

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


def test_at_a_workers_file_system_root_paths_are_absolute_and_clean(tmp_path: Path) -> None:
    # buildbox-run makes the action's input root the file system root of a sandbox with only /bin/sh.
    bwrap = require_tool("bwrap")
    if not STATIC_SHELL.exists():
        missing("busybox (Debian's busybox-static) is not installed")
    sandbox = _sandbox(tmp_path, tmp_path / "unused")
    (sandbox / _BUILD_CACHE_DIR).unlink()  # remotely, Pants mounts no named cache: go makes the directory
    (sandbox / _BUILD_CACHE_DIR).mkdir()
    result = subprocess.run(
        [bwrap, "--bind", str(sandbox), "/", "--ro-bind", str(STATIC_SHELL), "/bin/sh", "--chdir", "/",
         "--setenv", "GO_OCI_CHDIR", "", "/bin/sh", _RUN_SCRIPT, "build"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # `/.gocache`, not `//.gocache`: the compiler names files `/dir/f.go`, and -trimpath prefixes must match.
    assert result.stdout == f"/{_BUILD_CACHE_DIR}\n"
    assert (sandbox / _BUILD_CACHE_DIR / "entry").read_text() == "entry\n"


def test_tool_message_drops_sandbox_paths_and_wrapper_noise() -> None:
    local = (
        "/tmp/immutable_inputsFuY1ND/3f2a9c/__go_sdk/pkg/tool/linux_amd64/link: -X flag requires argument\n"
        "/tmp/pants-sandbox-Ab12/m/main.go:4:10: undefined: x"
    )
    assert tool_message(local) == "__go_sdk/pkg/tool/linux_amd64/link: -X flag requires argument\nm/main.go:4:10: undefined: x"
    on_a_worker = (
        "/bin/mkdir: cannot create directory '': No such file or directory\n"
        "/__go_sdk/pkg/tool/linux_amd64/link: -X flag requires argument\n"
        "m/main.go:4:10: cannot use /__x (see /usr/lib/x)"
    )
    assert tool_message(on_a_worker) == (
        "__go_sdk/pkg/tool/linux_amd64/link: -X flag requires argument\nm/main.go:4:10: cannot use /__x (see /usr/lib/x)"
    )
