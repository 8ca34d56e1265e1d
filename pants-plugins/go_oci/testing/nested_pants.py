"""Runs the go_oci plugin in a real, separate Pants: a fresh build root at a path of the test's choosing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import go_oci
import pants_entry

PLUGIN_PARENT = Path(go_oci.__file__).resolve().parent.parent
TESTPROJECTS = Path("testprojects/go")


@dataclass(frozen=True)
class PantsResult:
    exit_code: int
    stdout: str
    stderr: str

    def assert_success(self) -> "PantsResult":
        assert self.exit_code == 0, f"pants failed ({self.exit_code}):\n{self.stderr[-6000:]}"
        return self

    def assert_failure(self) -> "PantsResult":
        assert self.exit_code != 0, f"pants unexpectedly succeeded:\n{self.stderr[-3000:]}"
        return self

    def executed(self, description_prefix: str) -> list[str]:
        """Descriptions of processes that really ran (cache hits log nothing)."""
        return re.findall(rf"Starting: ({re.escape(description_prefix)}[^\n]*)", self.stderr)

    def counter(self, name: str) -> int:
        match = re.search(rf"^\s*{name}: (\d+)$", self.stderr, re.M)
        assert match, f"no `{name}` in --stats-log output"
        return int(match.group(1))


class PantsRepo:
    """A build root with the plugin enabled; `local_store`/`named_caches` isolate it from other runs."""

    def __init__(
        self,
        root: Path,
        *,
        local_store: Path | None = None,
        named_caches: Path | None = None,
        extra_config: str = "",
    ) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        cache_options = ""
        if local_store is not None:
            cache_options += f'local_store_dir = "{local_store}"\n'
        if named_caches is not None:
            cache_options += f'named_caches_dir = "{named_caches}"\n'
        self.write(
            "pants.toml",
            f"""\
[GLOBAL]
pants_version = "2.17.1"
pythonpath = ["{PLUGIN_PARENT}"]
backend_packages = ["go_oci"]
pantsd = false
{cache_options}
[anonymous-telemetry]
enabled = false

[python-bootstrap]
search_path = ["<PATH>", "<PYENV>"]

{extra_config}
""",
        )

    def write(self, relpath: str, content: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        return path

    def copy_testproject(self, name: str, dest: str | None = None) -> str:
        dest = dest or f"testprojects/go/{name}"
        shutil.copytree(TESTPROJECTS / name, self.root / dest)
        return dest

    def run(self, *args: str, timeout: int = 900) -> PantsResult:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PEX_", "PANTS_")) or k.startswith("PANTS_PEX_CLI_")}
        env["NO_SCIE_WARNING"] = "1"
        proc = subprocess.run(
            [sys.executable, pants_entry.__file__, "--no-dynamic-ui", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return PantsResult(proc.returncode, proc.stdout, proc.stderr)

    def dist(self, relpath: str) -> Path:
        return self.root / "dist" / relpath
