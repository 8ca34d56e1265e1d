from __future__ import annotations

import pytest

from go_oci.go.source import (
    ConstraintSyntaxError,
    build_configs,
    embedded_files,
    file_name_matches,
    included_somewhere,
    parse_go_build,
    parse_go_file,
)

CONFIGS = build_configs(
    [
        (["linux/amd64", "linux/arm/v7", "android/arm64", "windows/amd64", "js/wasm"], [], False),
        (["linux/amd64"], ["premium"], True),
    ],
    "1.27.3",
)


def test_imports_in_every_form_and_nothing_after_the_declarations() -> None:
    go_file = parse_go_file(
        b"// Package p.\n/* block */ package p // trailing\n\nimport \"fmt\"\nimport s \"strings\"\n"
        b"import (\n\t. \"os\" // c\n\t_ \"embed\"; x \"example.com/a\"\n\t/* \"commented/out\" */\n\t`raw/path`\n)\n"
        b"import \"C\"\n\nvar v = \"not/an/import\"\n"
    )
    assert go_file.package == "p"
    assert go_file.imports == ("fmt", "strings", "os", "embed", "example.com/a", "raw/path", "C")
    assert parse_go_file('\ufeffpackage q\n\nimport "x"\n'.encode()).imports == ("x",)


def test_constraints_count_only_before_the_package_clause() -> None:
    assert parse_go_file(b"//go:build linux && !arm\n\npackage p\n").go_build == "linux && !arm"
    assert parse_go_file(b"package p\n\n//go:build ignore\n").go_build is None
    assert parse_go_file(b"// +build linux,amd64 darwin\n// +build !premium\n\npackage p\n").plus_build == (
        "linux,amd64 darwin",
        "!premium",
    )


@pytest.mark.parametrize(
    "expression, built",
    [
        ("ignore", False),
        ("tools", False),
        ("premium", True),  # a binary's tag
        ("premium && windows", False),  # ... but not on that binary's platforms
        ("linux && arm", True),
        ("windows && arm", False),
        ("unix && !linux", False),  # android satisfies `linux`
        ("(darwin || js) && wasm", True),
        ("go1.21 && !go1.99", True),
        ("cgo", True),
        ("gccgo", False),
    ],
)
def test_a_file_is_built_if_some_platform_and_tag_set_builds_it(expression: str, built: bool) -> None:
    assert included_somewhere("f.go", parse_go_file(f"//go:build {expression}\n\npackage p\n".encode()), CONFIGS) is built


def test_file_name_suffixes() -> None:
    linux_arm = next(c for c in CONFIGS if (c.goos, c.goarch) == ("linux", "arm"))
    android = next(c for c in CONFIGS if c.goos == "android")
    assert file_name_matches("x_linux.go", linux_arm) and file_name_matches("x_linux_test.go", linux_arm)
    assert file_name_matches("x_linux.go", android)  # android builds linux files
    assert not file_name_matches("x_windows_arm.go", linux_arm)
    assert file_name_matches("linux.go", linux_arm)  # the part before the first `_` is no constraint
    assert file_name_matches("x_unix.go", linux_arm)  # `unix` is a tag, not a name suffix
    assert not included_somewhere("x_plan9.go", parse_go_file(b"package p\n"), CONFIGS)
    no_cgo = build_configs([(["linux/amd64"], [], False)], "1.27.3")
    assert not included_somewhere("c.go", parse_go_file(b'package p\nimport "C"\n'), no_cgo)


def test_bad_constraints_raise_and_keep_the_file() -> None:
    with pytest.raises(ConstraintSyntaxError):
        parse_go_build("linux &&")
    assert included_somewhere("f.go", parse_go_file(b"//go:build (linux\n\npackage p\n"), CONFIGS)


def test_embed_patterns() -> None:
    go_file = parse_go_file(b'package p\n\n//go:embed a/*.txt "b c.txt" all:d\nvar x string\n')
    assert go_file.embeds == ("a/*.txt", "b c.txt", "all:d")
    files = ["p/a/1.txt", "p/a/x/2.txt", "p/b c.txt", "p/d/.h", "p/d/e/_f", "p/e/.g", "q/a/1.txt"]
    assert embedded_files("p", go_file.embeds, files) == ("p/a/1.txt", "p/b c.txt", "p/d/.h", "p/d/e/_f")
    assert embedded_files("p", ["e"], files) == ()
