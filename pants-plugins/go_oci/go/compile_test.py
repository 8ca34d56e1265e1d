"""The compile rule on a tiny package, with the pinned SDK's real tools: one process builds the archive
(assembly packed in) and the export data, the export data stays the same when only a body changes, a
compile error is the compiler's message without sandbox paths, and coverage instruments the package."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from go_oci.go import compile as go_compile
from go_oci.go.compile import CompiledGoPackage, GoCompileRequest
from go_oci.go.package import GoModule, GoPackage
from go_oci.testing.tools import require_go
from go_oci.util_rules import sdk
from go_oci.util_rules.sdk import GoCover, GoSdk
from pants.engine.fs import EMPTY_DIGEST, Digest, DigestContents, PathGlobs, RemovePrefix
from pants.engine.rules import Get, QueryRule, rule
from pants.testutil.rule_runner import RuleRunner
from pants.util.frozendict import FrozenDict

# Just what compiling and assembling a package without imports needs of the SDK.
_SDK_PARTS = ("bin/go", "VERSION", "go.env", "pkg/include", "src/runtime/extern.go")
_AMD64 = FrozenDict({"GOOS": "linux", "GOARCH": "amd64"})


@rule
async def local_sdk() -> GoSdk:
    digest = await Get(Digest, PathGlobs(["sdk/**"]))
    return GoSdk(await Get(Digest, RemovePrefix(digest, "sdk")), "1.27.3")


@rule
async def local_cover() -> GoCover:
    digest = await Get(Digest, PathGlobs(["sdk/pkg/tool/linux_amd64/cover"]))
    return GoCover(await Get(Digest, RemovePrefix(digest, "sdk/pkg/tool/linux_amd64")))


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *go_compile.rules(),
            sdk.setup_go_process,
            local_sdk,
            local_cover,
            QueryRule(CompiledGoPackage, [GoCompileRequest]),
            QueryRule(DigestContents, [Digest]),
        ],
    )
    root = Path(os.path.dirname(os.path.dirname(os.path.realpath(require_go()))))
    dest = Path(runner.build_root) / "sdk"
    for part in (*_SDK_PARTS, *(f"pkg/tool/linux_amd64/{t}" for t in ("compile", "asm", "cover"))):
        (dest / part).parent.mkdir(parents=True, exist_ok=True)
        if (root / part).is_dir():
            shutil.copytree(root / part, dest / part)
        else:
            shutil.copy2(root / part, dest / part)
    return runner


def _request(
    rule_runner: RuleRunner, files: dict[str, str], s_files: tuple[str, ...] = (), cover_mode: str = ""
) -> GoCompileRequest:
    rule_runner.write_files({f"m/tiny/{name}": content for name, content in files.items()})
    sources = rule_runner.request(Digest, [PathGlobs([f"m/tiny/{name}" for name in files])])
    package = GoPackage(
        "example.com/m/tiny", "tiny", "m/tiny", False, tuple(f for f in files if f.endswith(".go")), s_files, (), (),
        0, (), (), (), FrozenDict(), GoModule("example.com/m", "", "1.27"),
    )
    return GoCompileRequest(package, _AMD64, "linux/amd64", "1.27.3", sources, (), EMPTY_DIGEST, cover_mode=cover_mode)


def test_a_package_with_assembly_compiles_to_one_archive(rule_runner: RuleRunner) -> None:
    request = _request(
        rule_runner,
        {
            "tiny.go": "package tiny\n\nfunc Answer() int64\n",
            "answer_amd64.s": '#include "textflag.h"\n\nTEXT ·Answer(SB), NOSPLIT, $0-8\n\tMOVQ $42, ret+0(FP)\n\tRET\n',
        },
        s_files=("answer_amd64.s",),
    )
    compiled = rule_runner.request(CompiledGoPackage, [request])
    assert compiled.failure == "" and compiled.digest is not None and compiled.export is not None
    (archive,) = rule_runner.request(DigestContents, [compiled.digest])
    (export,) = rule_runner.request(DigestContents, [compiled.export])
    assert archive.path == "__pkg/example.com/m/tiny.a"
    assert export.path == "__pkg/example.com/m/tiny.x"
    assert export.content.startswith(b"!<arch>\n__.PKGDEF ") and b"_go_.o" not in export.content
    content = archive.content
    assert content.startswith(b"!<arch>\n_go_.o          0           0     0     644     ")  # the linker's object...
    assert b"answer_amd64.o  0           0     0     644     " in content  # ...and the assembled one, packed
    assert b"example.com/m/tiny/answer_amd64.s" in content  # file names as -trimpath shows them
    assert b"/m/tiny/" not in content.replace(b"example.com/m/tiny/", b"")


def test_a_compile_error_is_the_compilers_message(rule_runner: RuleRunner) -> None:
    request = _request(rule_runner, {"bad.go": "package tiny\n\nfunc F() int { return notDefined }\n"})
    compiled = rule_runner.request(CompiledGoPackage, [request])
    assert compiled.digest is None
    assert compiled.failure.startswith("# example.com/m/tiny\n")
    assert "m/tiny/bad.go:3:23: undefined: notDefined" in compiled.failure


def test_a_body_edit_keeps_the_export_data_that_dependents_compile_against(rule_runner: RuleRunner) -> None:
    def compiled(body: str, signature: str = "func Count(n int) int") -> CompiledGoPackage:
        source = f"package tiny\n\n//go:noinline\n{signature} {{\n{body}\n}}\n"
        result = rule_runner.request(CompiledGoPackage, [_request(rule_runner, {"tiny.go": source})])
        assert result.failure == ""
        return result

    before = compiled("\ttotal := 0\n\tfor i := 0; i < n; i++ {\n\t\ttotal += i\n\t}\n\treturn total")
    body_edit = compiled("\ttotal := 1\n\tfor i := 0; i < n; i++ {\n\t\ttotal += i * 2\n\t}\n\treturn total")
    api_edit = compiled("\treturn int(n)", signature="func Count(n int64) int")
    assert body_edit.digest != before.digest
    assert body_edit.export == before.export
    assert api_edit.export != before.export


def test_coverage_instruments_the_package_but_not_its_tests(rule_runner: RuleRunner) -> None:
    files = {
        "tiny.go": "package tiny\n\nfunc Twice(n int) int {\n\tif n < 0 {\n\t\treturn 0\n\t}\n\treturn 2 * n\n}\n",
        "tiny_test.go": "package tiny\n\nfunc helperOnlyTestsHave() int { return Twice(1) }\n",
    }
    plain = rule_runner.request(CompiledGoPackage, [_request(rule_runner, files)])
    covered = rule_runner.request(CompiledGoPackage, [_request(rule_runner, files, cover_mode="count")])
    assert covered.failure == "" and covered.digest is not None and covered.export is not None
    (archive,) = rule_runner.request(DigestContents, [covered.digest])
    (plain_archive,) = rule_runner.request(DigestContents, [plain.digest])
    # cover's counters and meta-data (`goCover_` + 12 hex digits of the import path's SHA-256).
    assert b"goCover_04a9231d04ed_" in archive.content
    assert b"goCover_" not in plain_archive.content
    assert covered.export != plain.export  # dependents compile against the instrumented package
