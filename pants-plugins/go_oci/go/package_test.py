"""From `go list -json` to the files, importcfg, embedcfg and tool runs of a package's compile, checked
against what `go build -n -trimpath` runs for the same packages (go1.27.3)."""

from __future__ import annotations

import json

import pytest

from go_oci.go.analysis import analysis_from_go_list, modinfo_from_build_n, sandbox_root_of
from go_oci.go.compile import ToolFlags, asm_defines, compile_steps, lang_version, object_files, pack, trimpath
from go_oci.go.importcfg import compile_importcfg, embed_patterns, embedcfg, link_importcfg
from go_oci.go.package import GoModule, GoPackage
from go_oci.util_rules.sdk import SANDBOX
from pants.util.frozendict import FrozenDict

# `go list -deps -json=…` of testprojects/go/features' main package, cut to a few packages (plus one of
# golang.org/x/sys with assembly), as the analysis sandbox `/sb` saw them.
GO_LIST = [
    {"Dir": "/sdk/src/fmt", "ImportPath": "fmt", "Name": "fmt", "Standard": True, "GoFiles": ["print.go"],
     "Imports": ["errors", "unsafe"]},
    {
        "Dir": "/sb/testprojects/go/features/internal/greeting",
        "ImportPath": "example.com/features/internal/greeting",
        "Name": "greeting",
        "Module": {"Path": "example.com/features", "Main": True, "GoVersion": "1.27"},
        "GoFiles": ["greeting.go"],
        "EmbedPatterns": ["assets/greeting.txt"],
        "EmbedFiles": ["assets/greeting.txt"],
        "Imports": ["embed", "strings"],
    },
    {
        "Dir": "/sb/__gomod/golang.org/x/sys@v0.30.0/unix",
        "ImportPath": "golang.org/x/sys/unix",
        "Name": "unix",
        "Module": {"Path": "golang.org/x/sys", "Version": "v0.30.0", "GoVersion": "1.18"},
        "GoFiles": ["syscall.go"],
        "SFiles": ["asm_linux_amd64.s"],
        "HFiles": ["textflag_local.h"],
        "Imports": ["syscall", "unsafe"],
        "ImportMap": {"syscall": "syscall"},
    },
    {
        "Dir": "/sb/testprojects/go/features/cmd/features",
        "ImportPath": "example.com/features/cmd/features",
        "Name": "main",
        "Module": {"Path": "example.com/features", "Main": True, "GoVersion": "1.27"},
        "GoFiles": ["edition_default.go", "main.go"],
        "Imports": ["example.com/features/internal/greeting", "fmt"],
        "DefaultGODEBUG": "httpmuxgo121=1",
    },
]
MODINFO = r'"0w\xaf\f\x92t\b\x02A\xe1\xc1\a\xe6\xd6\x18\xe6path\texample.com/features/cmd/features\n\xf92C1"'
BUILD_N = (
    "mkdir -p $WORK/b001/\n"
    "cat >$WORK/b001/importcfg.link << 'EOF' # internal\n"
    "packagefile example.com/features/cmd/features=$WORK/b001/_pkg_.a\n"
    f"modinfo {MODINFO}\n"
    "EOF\n"
)
AMD64 = FrozenDict({"GOOS": "linux", "GOARCH": "amd64"})


@pytest.fixture
def packages() -> tuple[GoPackage, ...]:
    stdout = "\n".join(json.dumps(o, indent="\t") for o in GO_LIST)
    return analysis_from_go_list(stdout, "testprojects/go/features/cmd/features", MODINFO).packages


def test_packages_are_relative_to_the_sandbox(packages: tuple[GoPackage, ...]) -> None:
    fmt, greeting, unix, main = packages
    assert fmt.standard and fmt.archive_imports == ("errors",) and fmt.dir == ""
    assert greeting.dir == "testprojects/go/features/internal/greeting"
    assert greeting.files() == (
        "testprojects/go/features/internal/greeting/assets/greeting.txt",
        "testprojects/go/features/internal/greeting/greeting.go",
    )
    assert unix.dir == "__gomod/golang.org/x/sys@v0.30.0/unix"
    assert unix.files() == (
        "__gomod/golang.org/x/sys@v0.30.0/unix/asm_linux_amd64.s",
        "__gomod/golang.org/x/sys@v0.30.0/unix/syscall.go",
        "__gomod/golang.org/x/sys@v0.30.0/unix/textflag_local.h",
    )
    # What -trimpath shows for a package's files: a module's path and version, or the import path.
    assert unix.trimmed_dir == "golang.org/x/sys@v0.30.0/unix"
    assert greeting.trimmed_dir == "example.com/features/internal/greeting"
    assert main.link_path == "main" and greeting.link_path == greeting.import_path
    assert main.default_godebug == "httpmuxgo121=1"
    assert greeting.complete and not unix.complete  # assembly supplies bodies the compiler cannot see


def test_the_build_info_line_is_gos_own() -> None:
    assert modinfo_from_build_n(BUILD_N) == MODINFO
    with pytest.raises(ValueError, match="no modinfo line"):
        modinfo_from_build_n("mkdir -p $WORK/b001/\n")


def test_importcfg_names_direct_imports_only(packages: tuple[GoPackage, ...]) -> None:
    _, greeting, unix, main = packages
    assert compile_importcfg(greeting) == (
        "# import config\npackagefile embed=__pkg/embed.a\npackagefile strings=__pkg/strings.a\n"
    )
    # `unsafe` has no archive; an ImportMap entry mapping a path to itself is no importmap line.
    assert compile_importcfg(unix) == "# import config\npackagefile syscall=__pkg/syscall.a\n"
    # Packages go_oci compiles itself are read from their export data.
    assert compile_importcfg(main, {"example.com/features/internal/greeting"}).splitlines()[1:] == [
        "packagefile example.com/features/internal/greeting=__pkg/example.com/features/internal/greeting.x",
        "packagefile fmt=__pkg/fmt.a",
    ]
    link = link_importcfg(packages, MODINFO)
    assert link.splitlines() == [
        "packagefile fmt=__pkg/fmt.a",
        "packagefile example.com/features/internal/greeting=__pkg/example.com/features/internal/greeting.a",
        "packagefile golang.org/x/sys/unix=__pkg/golang.org/x/sys/unix.a",
        "packagefile example.com/features/cmd/features=__pkg/example.com/features/cmd/features.a",
        f"modinfo {MODINFO}",
    ]


def test_importmap_lines() -> None:
    package = GoPackage(
        "crypto/tls", "tls", "", True, ("tls.go",), (), (), (), 0, (), (),
        ("vendor/golang.org/x/crypto/hkdf",), FrozenDict({"golang.org/x/crypto/hkdf": "vendor/golang.org/x/crypto/hkdf"}),
        None,
    )
    assert compile_importcfg(package).splitlines()[1:] == [
        "importmap golang.org/x/crypto/hkdf=vendor/golang.org/x/crypto/hkdf",
        "packagefile vendor/golang.org/x/crypto/hkdf=__pkg/vendor/golang.org/x/crypto/hkdf.a",
    ]


def test_embedcfg(packages: tuple[GoPackage, ...]) -> None:
    greeting = packages[1]
    assert json.loads(embedcfg(greeting)) == {
        "Patterns": {"assets/greeting.txt": ["assets/greeting.txt"]},
        "Files": {"assets/greeting.txt": "testprojects/go/features/internal/greeting/assets/greeting.txt"},
    }


def test_embed_patterns_match_as_go_does() -> None:
    package = GoPackage(
        "x", "x", "d", False, ("x.go",), (), (), (), 0,
        ("static", "all:static", "*.txt", "t?.md", "[ab].json"),
        ("static/index.html", "static/.hidden", "static/_draft/a.html", "notes.txt", "t1.md", "a.json", "c.json"),
        (), FrozenDict(), None,
    )
    assert embed_patterns(package) == {
        "static": ["static/index.html"],  # a directory: its files, minus `.`/`_` names unless `all:`
        "all:static": ["static/.hidden", "static/_draft/a.html", "static/index.html"],
        "*.txt": ["notes.txt"],
        "t?.md": ["t1.md"],
        "[ab].json": ["a.json"],
    }


def test_compile_steps_are_go_builds(packages: tuple[GoPackage, ...]) -> None:
    _, greeting, unix, main = packages
    # go build -n -trimpath: compile -o … -trimpath "$DIR=>example.com/…;$WORK/b002=>" -p … -lang=go1.27
    # -complete -buildid … -goversion go1.27.3 -c=2 -nolocalimports -importcfg … -embedcfg … -pack ./…go
    # (the build ID aside: it never reaches the binary, whose own is empty), but with the export data and
    # the linker's object in two files.
    assert compile_steps(greeting, AMD64, "1.27.3", ToolFlags()) == [[
        "compile", "-o", "__pkg/example.com/features/internal/greeting.x",
        "-linkobj", "__pkg/example.com/features/internal/greeting.a",
        "-trimpath",
        f"{SANDBOX}/testprojects/go/features/internal/greeting=>example.com/features/internal/greeting;{SANDBOX}/__obj=>",
        "-p", "example.com/features/internal/greeting", "-lang=go1.27", "-complete", "-goversion", "go1.27.3",
        "-c=2", "-nolocalimports", "-importcfg", "__obj/importcfg", "-embedcfg", "__obj/embedcfg", "-pack",
        "testprojects/go/features/internal/greeting/greeting.go",
    ]]
    (main_compile,) = compile_steps(main, AMD64, "1.27.3", ToolFlags(gcflags=("-N", "-l")))
    assert main_compile[main_compile.index("-c=2") :][:3] == ["-c=2", "-N", "-l"]
    assert main_compile[main_compile.index("-p") + 1] == "main"

    symabis, compile_, assemble = compile_steps(unix, AMD64, "1.27.3", ToolFlags(asmflags=("-dynlink",)))
    asm = [
        "asm", "-p", "golang.org/x/sys/unix",
        "-trimpath", f"{SANDBOX}/__gomod/golang.org/x/sys@v0.30.0/unix=>golang.org/x/sys@v0.30.0/unix;{SANDBOX}/__obj=>",
        "-I", f"{SANDBOX}/__obj/", "-I", f"{SANDBOX}/__go_sdk/pkg/include", "-D", "GOOS_linux", "-D", "GOARCH_amd64",
        "-dynlink", "-D", "GOAMD64_v1",
    ]
    source = f"{SANDBOX}/__gomod/golang.org/x/sys@v0.30.0/unix/asm_linux_amd64.s"
    assert symabis == [*asm, "-gensymabis", "-o", "__obj/symabis", source]
    assert assemble == [*asm, "-o", "__obj/asm_linux_amd64.o", source]
    assert "-lang=go1.18" in compile_ and "-complete" not in compile_
    assert compile_[compile_.index("-symabis") + 1] == "__obj/symabis"
    assert compile_[compile_.index("-asmhdr") + 1] == "__obj/go_asm.h"
    assert object_files(unix) == ["__obj/asm_linux_amd64.o"]


@pytest.mark.parametrize(
    "env, defines",
    [
        ({"GOARCH": "amd64"}, ["GOAMD64_v1"]),
        ({"GOARCH": "amd64", "GOAMD64": "v3"}, ["GOAMD64_v3"]),
        ({"GOARCH": "arm", "GOARM": "7"}, ["GOARM_7", "GOARM_6", "GOARM_5"]),
        ({"GOARCH": "arm", "GOARM": "6"}, ["GOARM_6", "GOARM_5"]),
        ({"GOARCH": "arm", "GOARM": "5"}, ["GOARM_5"]),
        ({"GOARCH": "arm64"}, []),
        ({"GOARCH": "arm64", "GOARM64": "v8.1"}, ["GOARM64_LSE"]),
        ({"GOARCH": "arm64", "GOARM64": "v8.0,lse"}, ["GOARM64_LSE"]),
        ({"GOARCH": "ppc64le", "GOPPC64": "power9"}, ["GOPPC64_power9", "GOPPC64_power8"]),
        ({"GOARCH": "riscv64"}, ["GORISCV64_rva20u64"]),
        ({"GOARCH": "386", "GO386": "softfloat"}, ["GO386_softfloat"]),
        ({"GOARCH": "mips64le"}, ["GOMIPS64_hardfloat"]),
    ],
)
def test_asm_defines(env: dict[str, str], defines: list[str]) -> None:
    args = asm_defines(env)
    assert args[0::2] == ["-D"] * len(defines)
    assert args[1::2] == defines


def test_lang_version() -> None:
    def package(go_version: str | None) -> GoPackage:
        module = None if go_version is None else GoModule("m", "", go_version)
        return GoPackage("m", "m", "", False, (), (), (), (), 0, (), (), (), FrozenDict(), module)

    assert lang_version(package("1.21.4"), "1.27.3") == "go1.21"
    assert lang_version(package(""), "1.27.3") == "go1.16"  # no `go` line
    assert lang_version(package("1.30"), "1.27.3") == "go1.27"  # newer than the SDK: the SDK's
    assert lang_version(package(None), "1.27.3") == "go1.27"
    # Pre-releases: the language is major.minor, as gover.Lang reads it.
    assert lang_version(package("1.21rc1"), "1.27.3") == "go1.21"
    assert lang_version(package(None), "1.28rc2") == "go1.28"


def test_a_package_at_the_build_root_is_trimmed() -> None:
    # go.mod at the build root: -trimpath rewrites `$root/.`, which prefixes the files named `$root/./f`
    # even where the sandbox is a remote worker's `/` (`$root` empty; -trimpath rewrites no empty prefix).
    at_root = GoPackage(
        "m", "m", "", False, ("main.go",), ("x_amd64.s",), (), (), 0, (), (), (), FrozenDict(), GoModule("m", "", "1.27")
    )
    assert trimpath(at_root) == f"{SANDBOX}/.=>m;{SANDBOX}/__obj=>"
    steps = compile_steps(at_root, {"GOOS": "linux", "GOARCH": "amd64"}, "1.27.3", ToolFlags())
    # The symabis pass and the assembly itself both name the file under the sandbox root.
    assert [step[-1] for step in steps if step[0] == "asm"] == [f"{SANDBOX}/./x_amd64.s"] * 2
    assert [step[-1] for step in steps if step[0] == "compile"] == [f"{SANDBOX}/./main.go"]


def test_the_sandbox_root_is_read_from_gos_absolute_dirs() -> None:
    assert sandbox_root_of("/tmp/pants-sandbox-x/app/cmd", "app/cmd") == "/tmp/pants-sandbox-x"
    assert sandbox_root_of("/tmp/pants-sandbox-x", "") == "/tmp/pants-sandbox-x"
    # A remote worker's sandbox at the file system root.
    assert sandbox_root_of("/app/cmd", "app/cmd") == "/"
    assert sandbox_root_of("/", "") == "/"


def test_pack_appends_ar_members_as_go_does() -> None:
    archive = b"!<arch>\n__.PKGDEF       0           0     0     644     2         `\nxx"
    packed = pack(archive, [("__obj/asm_linux_amd64.o", b"odd"), ("d/x.syso", b"ev")])
    assert packed == (
        archive
        + b"asm_linux_amd64.0           0     0     644     3         `\nodd\0"
        + b"x.syso          0           0     0     644     2         `\nev"
    )
