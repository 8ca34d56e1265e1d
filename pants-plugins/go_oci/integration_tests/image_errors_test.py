"""Malformed go_image fields and impossible images fail with one message naming the target and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from go_oci.testing.nested_pants import PantsRepo

BINARY = 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"], x_defs={"main.version": "1.0"})\n'
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n'

# Field syntax is unit-tested (target_types_test.py); these show that both kinds of error, a field that
# does not parse and one that contradicts the binary or the base, reach `pants package` as one message.
CASES = {
    "field_does_not_parse": ('go_image(name="img", binary=":bin", repository="Acme/Hello")',
                             ["m:img: invalid `repository`: Invalid repository 'Acme/Hello'", "here 'acme/hello'"]),
    "user_not_in_base": ('go_image(name="img", binary=":bin", user="root:abc")',
                         ["m:img: invalid `user`: the group 'abc' is not in the `static` base"]),
    "platform_not_built": ('go_image(name="img", binary=":bin", platforms=["linux/arm64"])',
                           ["m:img: invalid `platforms`: linux/arm64 not built by the binary m:bin (it builds linux/amd64)"]),
    "data_not_files": ('go_image(name="img", binary=":bin", data=[":bin"])',
                       ["m:img: invalid `data`: m:bin is a `go_cross_binary`; `data` takes `files`, `file`, `resources` or `resource` targets."]),
    "binary_not_go_cross_binary": ('go_image(name="img", binary=":mod")',
                                   ["m:img: invalid `binary`: m:mod is a `go_module`; it must be a `go_cross_binary`."]),
    "unknown_base": ('go_image(name="img", binary=":bin", base="ubuntu")',
                     ["m:img: invalid `base`: 'ubuntu': use 'static', 'scratch' or the address of an oci_pull target."]),
    "unparseable_base": ('go_image(name="img", binary=":bin", base="a:b:c")',
                         ["m:img: invalid `base`: 'a:b:c': use 'static', 'scratch' or the address of an oci_pull target."]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_image_field_error(tmp_path: Path, case: str) -> None:
    image, expected = CASES[case]
    repo = PantsRepo(tmp_path / "repo")
    repo.write("m/go.mod", "module example.com/m\n\ngo 1.27\n")
    repo.write("m/main.go", MAIN)
    repo.write("m/BUILD", BINARY + image + "\n")
    result = repo.run("package", "m:img").assert_failure()
    for fragment in expected:
        assert fragment in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr
    assert not (repo.root / "dist/m/img").exists()


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
