"""cgo is opt-in and links against the host's libc: the static-link check must see that."""

from __future__ import annotations

import subprocess
from pathlib import Path

from go_oci.elf import read_linkage
from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.tools import require_tool


def test_cgo_binary_is_dynamic_and_runs(tmp_path: Path) -> None:
    require_tool("gcc")
    repo = PantsRepo(tmp_path / "repo", extra_config='[go-oci]\ncc = "gcc"\n')
    repo.write("c/go.mod", "module example.com/c\n\ngo 1.27\n")
    repo.write(
        "c/main.go",
        'package main\n\n// int twice(int x) { return 2 * x; }\nimport "C"\n\nimport "fmt"\n\n'
        "func main() { fmt.Println(C.twice(21)) }\n",
    )
    repo.write("c/BUILD", 'go_module(name="mod")\ngo_cross_binary(name="c", cgo=True, platforms=["linux/amd64"])\n')
    repo.run("package", "c:c").assert_success()
    binary = repo.dist("c/c/linux_amd64/c")
    linkage = read_linkage(binary.read_bytes())
    assert not linkage.is_static
    assert "libc.so.6" in linkage.needed
    assert subprocess.run([binary], check=True, capture_output=True, text=True).stdout == "42\n"
