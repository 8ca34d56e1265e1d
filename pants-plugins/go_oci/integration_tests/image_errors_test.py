"""An image that cannot run fails `pants package` with one message naming the target and the fix.

Field errors, and fields that contradict the binary, the base or the data, are unit tests
(target_types_test.py, util_rules/image_spec_test.py, util_rules/image_test.py); this one needs a real
cgo build and the ELF reader on its output.
"""

from __future__ import annotations

from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo


def test_dynamic_binary_on_a_static_base(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo", extra_config='[go-oci]\ncc = "gcc"\n')
    repo.write("c/go.mod", "module example.com/c\n\ngo 1.27\n")
    repo.write("c/main.go", 'package main\n\n// int one(void) { return 1; }\nimport "C"\n\nfunc main() { println(C.one()) }\n')
    repo.write(
        "c/BUILD",
        'go_module(name="mod")\ngo_cross_binary(name="bin", cgo=True, platforms=["linux/amd64"])\n'
        'go_image(name="img", binary=":bin", base="scratch")\n',
    )
    result = repo.run("package", "c:img").assert_failure()
    assert "c:img: the binary c:bin for linux/amd64 is dynamically linked" in result.stderr
    assert "Set `cgo=False` on c:bin" in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr
    assert not (repo.root / "dist/c/img").exists()
