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


def _help_example(help_all: dict, alias: str) -> str:
    description = help_all["name_to_target_type_info"][alias]["description"]
    block = description.split("Example:\n\n", 1)[1].split("\n\n`", 1)[0]
    return "\n".join(line[4:] for line in block.splitlines()) + "\n"


def test_help_examples_build(tmp_path: Path) -> None:
    """The `Example:` of each target's help (and so of docs/reference.md), in one BUILD file."""
    repo = PantsRepo(tmp_path / "repo")
    help_all = json.loads(repo.run("help-all").assert_success().stdout)
    build = "".join(_help_example(help_all, alias) for alias in ("go_module", "go_cross_binary", "go_image"))
    repo.write("svc/BUILD", build + 'files(name="assets", sources=["assets/*"])\n')
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.27\n")
    repo.write(
        "svc/cmd/server/main.go",
        'package main\n\nimport "fmt"\n\nvar version = "dev"\n\nfunc main() { fmt.Println("server", version) }\n',
    )
    repo.write("svc/assets/motd.txt", "hello\n")
    repo.run("package", "svc::").assert_success()
    assert repo.dist("svc/server/linux_arm64/server").is_file()
    image = json.loads(repo.dist("svc/image/image.image.json").read_text())
    assert image["tags"] == ["latest", "1.4.2"]
    assert [layer["created_by"] for layer in image["platforms"][0]["layers"]] == [
        "go_oci: static base", "go_oci: data /app/data", "go_oci: binary /app/server",
    ]
