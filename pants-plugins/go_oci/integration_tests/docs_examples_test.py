"""The README's quick start, built exactly as documented."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo

_FILE_BLOCK = re.compile(r"```[a-z]*\n(?:#|//) file: (\S+)\n(.*?)```", re.S)


def test_quick_start_builds_and_runs(tmp_path: Path) -> None:
    files = _FILE_BLOCK.findall(Path("README.md").read_text())
    assert {path for path, _ in files} == {"services/hello/go.mod", "services/hello/main.go", "services/hello/BUILD"}
    repo = PantsRepo(tmp_path / "repo")
    for path, content in files:
        repo.write(path, content)

    repo.run("package", "services/hello::").assert_success()
    for arch in ("amd64", "arm64"):
        assert repo.dist(f"services.hello/hello/linux_{arch}/hello").is_file()
    image = json.loads(repo.dist("services.hello/image/image.image.json").read_text())
    assert [p["platform"] for p in image["platforms"]] == ["linux/amd64", "linux/arm64"]
    assert repo.run("run", "services/hello:hello").assert_success().stdout == "hello from go_oci\n"
    out = subprocess.run([repo.dist("services.hello/hello/linux_amd64/hello")], capture_output=True, text=True).stdout
    assert out == "hello from go_oci\n"
