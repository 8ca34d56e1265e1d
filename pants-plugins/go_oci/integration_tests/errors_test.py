"""A Go failure ends in one message that names the target and the fix (docs/architecture.md, Errors):
go's own message from the real SDK, with go_oci's hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from go_oci.testing.nested_pants import PantsRepo

GO_MOD = "module example.com/bad\n\ngo 1.27\n"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n'

# Malformed fields are unit-tested (target_types_test.py), and so are what go_oci refuses before go runs
# (util_rules/build_errors_test.py); these need go's own output.
CASES = {
    "not_a_main_package": (
        {
            "m/go.mod": GO_MOD,
            "m/lib/lib.go": "package lib\n\nfunc X() {}\n",
            "m/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="bin", main="./lib", platforms=["linux/amd64"])\n',
        },
        "m:bin",
        ["m:bin: `main` (m/lib) is package `lib`, not a main package."],
    ),
    "compile_error": (
        {
            "m/go.mod": GO_MOD,
            "m/main.go": 'package main\n\nfunc main() {\n\tprintln(notDefined)\n}\n',
            "m/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"])\n',
        },
        "m:bin",
        ["m:bin: Go failed while compiling for linux/amd64:", "main.go:4:10: undefined: notDefined"],
    ),
    "missing_import": (
        {
            "m/go.mod": GO_MOD,
            "m/main.go": 'package main\n\nimport "example.com/bad/nothere"\n\nfunc main() { nothere.X() }\n',
            "m/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"])\n',
        },
        "m:bin",
        [
            "m:bin: Go failed while analysing its imports:",
            "example.com/bad/nothere is a package of the module example.com/bad, but m/nothere has no Go files",
        ],
    ),
    "wrong_module_line": (
        {
            "m/go.mod": GO_MOD,
            "m/greet/greet.go": 'package greet\n\nconst Hi = "hi"\n',
            "m/main.go": 'package main\n\nimport "example.com/good/greet"\n\nfunc main() { println(greet.Hi) }\n',
            "m/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"])\n',
        },
        "m:bin",
        [
            "example.com/good/greet looks like this module's own package m/greet, but m/go.mod says "
            "`module example.com/bad`. If the module is example.com/good, fix go.mod's `module` line",
        ],
    ),
    "cgo_files_without_cgo": (
        {
            "m/go.mod": GO_MOD,
            "m/two/two.go": 'package two\n\n// int two(void) { return 2; }\nimport "C"\n\nfunc Two() int { return int(C.two()) }\n',
            "m/main.go": 'package main\n\nimport "example.com/bad/two"\n\nfunc main() { println(two.Two()) }\n',
            "m/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"])\n',
        },
        "m:bin",
        ['m/two/two.go use cgo (`import "C"`), which builds only with cgo enabled: set `cgo=True` on m:bin'],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_message(tmp_path: Path, case: str) -> None:
    files, target, expected = CASES[case]
    repo = PantsRepo(tmp_path / "repo")
    for path, content in files.items():
        repo.write(path, content)
    result = repo.run("package", target).assert_failure()
    for fragment in expected:
        assert fragment in result.stderr
    # The message is the user's, not the engine's: no sandbox paths, no Python traceback.
    assert "pants-sandbox-" not in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr
    assert not (repo.root / "dist").exists() or not any((repo.root / "dist").rglob("bin"))
