from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from go_oci.go.analysis import LIST_FIELDS, parse_json_stream
from go_oci.go.source import (
    ConstraintSyntaxError,
    build_configs,
    embedded_files,
    file_name_matches,
    go_list_view,
    included_somewhere,
    parse_go_build,
    parse_go_file,
)
from go_oci.testing.tools import require_go

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
    go_file = parse_go_file(b'package p\n\nimport _ "embed"\n\n//go:embed a/*.txt "b c.txt" all:d\nvar x string\n')
    assert go_file.embeds == ("a/*.txt", "b c.txt", "all:d")
    # go/build reads //go:embed only in files that import "embed", and only in real comments.
    assert parse_go_file(b'package p\n\n//go:embed a/*.txt\nvar x string\n').embeds == ()
    assert parse_go_file(b'package p\n\nimport _ "embed"\n\nvar (\n\t//go:embed a/*.txt\n\tx string\n)\n').embeds == ("a/*.txt",)
    files = ["p/a/1.txt", "p/a/x/2.txt", "p/b c.txt", "p/d/.h", "p/d/e/_f", "p/e/.g", "q/a/1.txt"]
    assert embedded_files("p", go_file.embeds, files) == ("p/a/1.txt", "p/b c.txt", "p/d/.h", "p/d/e/_f")
    assert embedded_files("p", ["e"], files) == ()


_TRICKY = (
    "//go:build linux || darwin\n"
    "//go:debug panicnil=1\n\n"
    "// Package tricky.\n"
    "package tricky\n\n"
    "import (\n\t_ \"embed\"\n\t\"strings\" // trailing\n)\n\n"
    "//go:embed greeting.txt\n"
    "var greeting string\n\n"
    "/* a block comment that says\n//go:embed not-a-directive.txt\n*/\n"
    "var (\n\t//go:embed farewell.txt\n\tfarewell string\n)\n\n"
    "var raw = `\n//go:embed also-not.txt\n`\n\n"
    "func Upper() string { return strings.ToUpper(greeting) + \"é\" } //go:embed trailing.txt\n"
)


def test_the_go_list_view_keeps_what_go_list_reads() -> None:
    view = go_list_view(_TRICKY.encode()).decode()
    head = _TRICKY[: _TRICKY.index("var greeting")]
    # Constraints, directives, the package clause, the imports and the comments up to the first
    # declaration: all kept as they are.
    assert view.startswith(head)
    lines, original = view.split("\n"), _TRICKY.split("\n")
    assert len(lines) == len(original)  # every line keeps its number, so go's messages point at the source
    kept = {n: line for n, line in enumerate(lines) if line and n >= head.count("\n")}
    assert kept == {
        original.index("\t//go:embed farewell.txt"): "\t//go:embed farewell.txt",
        next(n for n, line in enumerate(original) if "trailing.txt" in line): "//go:embed trailing.txt",
    }
    assert parse_go_file(view.encode()) == parse_go_file(_TRICKY.encode())


def test_the_go_list_view_ignores_what_go_list_does_not_read() -> None:
    edited = _TRICKY.replace('+ "é"', '+ "a longer literal, on a longer line"')
    assert go_list_view(edited.encode()) == go_list_view(_TRICKY.encode())
    without_embed = "package p\n\nimport \"fmt\"\n\nvar s string\n\n//go:embed x.txt\nvar t string\n"
    assert go_list_view(without_embed.encode()) == b'package p\n\nimport "fmt"\n\n\n\n\n\n'
    # Not understood (no declaration after the imports, not UTF-8, not Go): kept whole.
    for content in (b'package p\n\nimport "fmt"\n', b"package p\n\nvar s = \"\xff\"\n", b"not go at all"):
        assert go_list_view(content) == content


def test_go_list_reads_the_same_from_the_views(tmp_path: Path) -> None:
    """`go list` itself, on real packages and on their views, answers the same."""
    go = require_go()
    root = Path(__file__).resolve().parents[3]
    tricky = tmp_path / "tricky"
    tricky.mkdir()
    (tricky / "go.mod").write_text("module example.com/tricky\n\ngo 1.22\n")
    (tricky / "tricky.go").write_text(_TRICKY)
    (tricky / "greeting.txt").write_text("hi\n")
    (tricky / "trailing.txt").write_text("hi\n")
    (tricky / "farewell.txt").write_text("bye\n")
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off", "GOCACHE": str(tmp_path / "cache"),
           "GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "0"}

    def listed(module: Path) -> list[dict]:
        proc = subprocess.run([go, "list", "-deps", f"-json={LIST_FIELDS}", "./..."], cwd=module, env=env,
                              capture_output=True, text=True, check=True)
        return [{k: v for k, v in p.items() if k not in ("Dir", "Module")} for p in parse_json_stream(proc.stdout)]

    for module in (root / "src/go/greeter", root / "testprojects/go/hello", tricky):
        view = tmp_path / "views" / module.name
        shutil.copytree(module, view)
        go_files = list(view.rglob("*.go"))
        for go_file in go_files:
            go_file.write_bytes(go_list_view(go_file.read_bytes()))
        assert any(f.read_bytes() != (module / f.relative_to(view)).read_bytes() for f in go_files)
        assert listed(view) == listed(module)
