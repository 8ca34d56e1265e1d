"""Invariant 1, audited: no go_oci process's argv or env holds a path of the checkout, the home
directory or the Pants caches, so cache keys are the same on every machine (a remote cache hits)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo

# What a build of the testprojects must run (cold caches): the audit must have seen each kind.
EXPECTED_KINDS = (
    "Resolve the Go SDK",
    "Resolve certifi",
    "Resolve tzdata",
    "go tool dist list",
    "Analyse imports of",
    "Compile the Go standard library",
    "Compile example.com/",
    "Link ",
    "Build layertool",
    "Build the static base layer",
    "Build the data layer",
    "Build the binary layer",
    "Write the docker-archive",
    "Read the build info",
)


def _argv_and_env(run_script: str) -> str:
    """`__run.sh` minus its `cd <sandbox>` line: the sandbox's own path is not part of the process."""
    return "\n".join(line for line in run_script.splitlines() if not line.startswith("cd "))


def test_processes_hold_no_host_paths(tmp_path: Path) -> None:
    checkout = tmp_path / "home-of-a-developer" / "src" / "monorepo"
    store, named = tmp_path / "pants-store", tmp_path / "pants-named-caches"
    repo = PantsRepo(checkout, local_store=store, named_caches=named)
    for project in ("hello", "features", "workspace"):
        repo.copy_testproject(project)
    result = repo.run("--keep-sandboxes=always", "-ldebug", "package", "::").assert_success()

    sandboxes = re.findall(r"preserving local process execution dir `?([^`\s]+)`? for \"?([^\n\"]+)", result.stderr, re.I)
    assert sandboxes, "no sandbox was preserved: the audit saw no process"
    forbidden = {str(checkout): "the checkout", str(Path.home()): "the home directory", str(store): "the local store",
                 str(named): "the named caches"}
    seen, leaks = [], []
    try:
        for sandbox, description in sandboxes:
            seen.append(description)
            process = _argv_and_env((Path(sandbox) / "__run.sh").read_text())
            steps = Path(sandbox) / "__go_oci_steps.sh"
            if steps.exists():
                # A package's compile or a link: its tool runs are a script in its inputs (and key).
                process += "\n" + steps.read_text()
            if description.startswith("Compile example.com/"):
                # What is scanned really is the process's env and the compiler's argv.
                assert "GOTOOLCHAIN=local" in process and " compile -o __pkg/" in process, process
                assert "-trimpath " in process and '"$root"' in process, process
            leaks += [f"{description}: {what} ({path})" for path, what in forbidden.items() if path in process]
    finally:
        for sandbox, _ in sandboxes:
            shutil.rmtree(sandbox, ignore_errors=True)
    assert leaks == []
    missing = [kind for kind in EXPECTED_KINDS if not any(d.startswith(kind) for d in seen)]
    assert missing == [], f"the audit never saw these processes run: {missing}"
