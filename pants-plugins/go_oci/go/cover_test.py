"""Coverage as `go test -cover` does it: the cover runs, package configs, imports and test main checked
against what go itself runs and writes for testprojects/go/gotests; profile merging."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from go_oci.go.analysis import LIST_FIELDS, _TEST_FIELDS, graph_of_tests_from_go_list, parse_json_stream
from go_oci.go.compile import ToolFlags, compile_steps, cover_step
from go_oci.go.cover import CoverProfileError, UnexpectedTestmainError, cover_pkgcfg, cover_testmain, merge_profiles
from go_oci.go.importcfg import compile_importcfg
from go_oci.testing.tools import require_go
from go_oci.util_rules.sdk import SANDBOX

_GOTESTS = Path(__file__).resolve().parents[3] / "testprojects/go/gotests"


@pytest.fixture
def gotests(tmp_path: Path) -> tuple[str, Path, dict[str, str]]:
    """`go`, a copy of testprojects/go/gotests, and an offline environment with its own build cache."""
    go = require_go()
    module = tmp_path / "gotests"
    shutil.copytree(_GOTESTS, module)
    (tmp_path / "gotmp").mkdir()
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off", "GOCACHE": str(tmp_path / "cache"),
           "GOTMPDIR": str(tmp_path / "gotmp"), "GOOS": "linux", "GOARCH": "amd64", "CGO_ENABLED": "0"}
    return go, module, env


def _run(go: str, module: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([go, *args], cwd=module, env=env, capture_output=True, text=True, check=True)


def test_cover_runs_as_go_test_cover_runs_it(gotests: tuple[str, Path, dict[str, str]]) -> None:
    """A main package's tests in atomic mode: cover adds `runtime/coverage` (main) and `sync/atomic` (atomic)."""
    go, module, env = gotests
    listed = _run(go, module, env, "list", "-deps", "-test", "-cover", "-covermode=atomic",
                  f"-json={LIST_FIELDS},{_TEST_FIELDS}", "./cmd/tool")
    under_test, packages, _ = graph_of_tests_from_go_list(listed.stdout, "cmd/tool", "atomic")
    by_path = {p.import_path: p for p in packages}
    tool, testmain = by_path[under_test], packages[-1]
    assert (under_test, testmain.import_path) == ("example.com/gotests/cmd/tool", "example.com/gotests/cmd/tool.test")

    planned = _run(go, module, env, "test", "-n", "-cover", "-covermode=atomic", "./cmd/tool").stderr
    # echo '{"OutConfig":"$WORK/b149/coveragecfg",…}' > $WORK/b149/pkgcfg.txt # internal
    configs = {m.group(2): m.group(1) for m in re.finditer(r"^echo '(\{.*\})' > (\$WORK/b\d+)/pkgcfg.txt", planned, re.M)}
    # cover -pkgcfg ./pkgcfg.txt -mode atomic -var goCover_…_ -outfilelist ./coveroutfiles.txt <files>
    runs = re.findall(r"/cover -pkgcfg \./pkgcfg\.txt (-mode \S+ -var \S+) -outfilelist \./coveroutfiles\.txt (.*)$", planned, re.M)
    importcfgs = {
        m.group(1): {line.split("=")[0].split()[1] for line in m.group(2).splitlines() if line.startswith("packagefile ")}
        for m in re.finditer(r"^cat >(\$WORK/b\d+)/importcfg << 'EOF' # internal\n(.*?)^EOF$", planned, re.M | re.S)
    }
    objdirs = {}
    for objdir, config in configs.items():
        package = tool if '"PkgPath":"example.com/gotests/cmd/tool"' in config else testmain
        assert cover_pkgcfg(package, f"{objdir}/coveragecfg") == f"{config}\n"
        objdirs[package.import_path] = objdir
    assert len(objdirs) == 2

    # [cover, -pkgcfg, …, -mode, M, -var, V, -outfilelist, …, files…]
    ours = [cover_step(tool, "atomic"), cover_step(testmain, "testmain")]
    assert [(" ".join(step[3:7]), [os.path.basename(f) for f in step[9:]]) for step in ours] == [
        (flags, [os.path.basename(f) for f in files.split()]) for flags, files in runs
    ]
    assert ours[0][9:] == [f"{SANDBOX}/cmd/tool/main.go"]  # the package's own files, not its tests

    # The compiler's importcfg: go's also names `runtime`, which it adds to every main package's (every
    # program links it) and which neither compile reads.
    for package in (tool, testmain):
        own = {line.split("=")[0].split()[1] for line in compile_importcfg(package).splitlines()[1:]}
        assert own | {"runtime"} == importcfgs[objdirs[package.import_path]]
    assert {"runtime/coverage", "sync/atomic"} <= set(tool.imports)
    assert {"internal/coverage/cfile", "runtime/coverage"} <= set(testmain.imports)

    # compile … -goversion go1.27.3 -coveragecfg=$WORK/b149/coveragecfg -c=2 … -pack \
    #   $WORK/b149/covervars.go $WORK/b149/main.cover.go ./cmd/tool/main_test.go
    go_compile = re.search(rf"/compile -o {re.escape(objdirs[under_test])}/_pkg_\.a .* -pack (.*)$", planned, re.M)
    assert go_compile is not None
    (compile_,) = compile_steps(tool, {"GOOS": "linux", "GOARCH": "amd64"}, "1.27.3", ToolFlags(), covered=True)
    assert compile_[compile_.index("-goversion") + 2 :][:2] == ["-coveragecfg=__obj/coveragecfg", "-c=2"]
    files = compile_[compile_.index("-pack") + 1 :]
    assert files == ["__obj/covervars.go", "__obj/main.cover.go", "cmd/tool/main_test.go"]
    assert [os.path.basename(f) for f in files] == [os.path.basename(f) for f in go_compile.group(1).split()]


def test_the_test_main_is_the_one_go_test_cover_writes(gotests: tuple[str, Path, dict[str, str]]) -> None:
    go, module, env = gotests
    listed = _run(go, module, env, "list", "-test", "-cover", "-json=ImportPath,GoFiles", "./calc")
    (written,) = (p["GoFiles"][0] for p in parse_json_stream(listed.stdout) if p["ImportPath"].endswith(".test"))
    # go writes the test main before it runs any tool, so a tool run that fails stops it just after.
    stopped = subprocess.run([go, "test", "-c", "-cover", "-work", "-toolexec=false", "-o", os.devnull, "./calc"],
                             cwd=module, env=env, capture_output=True, text=True)
    work = re.search(r"^WORK=(.*)$", stopped.stderr, re.M)
    assert work is not None
    expected = (Path(work.group(1)) / "b001/_testmain.go").read_text()
    assert "testdeps.CoverMode" not in Path(written).read_text()
    assert cover_testmain(Path(written).read_text(), "set", "example.com/gotests/calc") == expected


def test_a_test_main_of_another_template_is_an_error() -> None:
    with pytest.raises(UnexpectedTestmainError, match="func init"):
        cover_testmain('import (\n\t"testing/internal/testdeps"\n)\n', "set", "example.com/m")


def test_merged_profiles_have_one_mode_line_and_blocks_sorted_as_go_sorts_them() -> None:
    inner = "mode: set\nexample.com/m/a/b/y.go:3.2,4.3 1 1\nexample.com/m/a/b/x.go:12.2,12.9 1 0\n"
    outer = "mode: set\nexample.com/m/a/z.go:9.1,9.5 2 1\nexample.com/m/a/z.go:10.1,10.5 1 0\n"
    # By package (a before a/b, though `a/b/` sorts before `a/z`), file, then line numerically.
    assert merge_profiles([inner, outer]) == (
        "mode: set\n"
        "example.com/m/a/z.go:9.1,9.5 2 1\n"
        "example.com/m/a/z.go:10.1,10.5 1 0\n"
        "example.com/m/a/b/x.go:12.2,12.9 1 0\n"
        "example.com/m/a/b/y.go:3.2,4.3 1 1\n"
    )


def test_a_block_in_several_profiles_is_merged_by_mode() -> None:
    block = "example.com/m/a.go:3.2,4.3 1"
    assert merge_profiles([f"mode: set\n{block} 1\n", f"mode: set\n{block} 0\n"]) == f"mode: set\n{block} 1\n"
    assert merge_profiles([f"mode: count\n{block} 2\n", f"mode: count\n{block} 3\n"]) == f"mode: count\n{block} 5\n"
    assert merge_profiles([f"mode: atomic\n{block} 2\n", f"mode: atomic\n{block} 3\n"]) == f"mode: atomic\n{block} 5\n"
    # A test binary that ran nothing of its package writes the header alone.
    assert merge_profiles(["mode: set\n", f"mode: set\n{block} 1"]) == f"mode: set\n{block} 1\n"
    assert merge_profiles([]) == ""


def test_profiles_that_cannot_be_merged() -> None:
    with pytest.raises(CoverProfileError, match="modes `set` and `count`"):
        merge_profiles(["mode: set\n", "mode: count\n"])
    with pytest.raises(CoverProfileError, match="not a cover profile block"):
        merge_profiles(["mode: set\nexample.com/m/a.go:3.2,4.3 1\n"])
    with pytest.raises(CoverProfileError, match="starts with `mode: `"):
        merge_profiles(["example.com/m/a.go:3.2,4.3 1 1\n"])
