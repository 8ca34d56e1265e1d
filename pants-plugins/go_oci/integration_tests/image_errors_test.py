"""Malformed go_image fields and impossible images fail with one message naming the target and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from go_oci.testing.nested_pants import PantsRepo

BINARY = 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"], x_defs={"main.version": "1.0"})\n'
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n'

CASES = {
    "platform_not_built": ('go_image(name="img", binary=":bin", platforms=["linux/arm64"])',
                           ["m:img: invalid `platforms`: linux/arm64 not built by the binary m:bin (it builds linux/amd64)"]),
    "exposed_port": ('go_image(name="img", binary=":bin", exposed_ports=["http"])',
                     ["m:img: Invalid exposed port 'http': the port must be a number from 1 to 65535"]),
    "user": ('go_image(name="img", binary=":bin", user="bad user!")', ["m:img: Invalid user 'bad user!'"]),
    "env": ('go_image(name="img", binary=":bin", env={"1BAD": "x"})', ["m:img: Invalid environment variable name '1BAD'"]),
    "label_key": ('go_image(name="img", binary=":bin", labels={"bad key": "x"})', ["m:img: Invalid label key 'bad key'"]),
    "relative_binary_path": ('go_image(name="img", binary=":bin", binary_path="app/bin")',
                             ["m:img: invalid `binary_path`: 'app/bin' must be a clean absolute path"]),
    "data_not_files": ('go_image(name="img", binary=":bin", data=[":bin"])',
                       ["m:img: invalid `data`: m:bin is a `go_cross_binary`; `data` takes `files`, `file`, `resources` or `resource` targets."]),
    "binary_not_go_cross_binary": ('go_image(name="img", binary=":mod")',
                                   ["m:img: invalid `binary`: m:mod is a `go_module`; it must be a `go_cross_binary`."]),
    "unknown_tag_placeholder": ('go_image(name="img", binary=":bin", tags=["{commit}"])',
                                ["m:img: invalid `tags`: '{commit}' uses {commit}, which is not set (known here: {version})"]),
    "bad_created": ('go_image(name="img", binary=":bin", created="yesterday")', ["m:img: Invalid timestamp 'yesterday'"]),
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
