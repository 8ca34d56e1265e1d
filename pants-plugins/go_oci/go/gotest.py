"""`pants test` for Go packages: each package's tests in their own cached process, as `go test` runs them.

The test binary is built from the same package graph as binaries (go/graph.py): `go list -deps -test`
names the test variants and writes the test main, every package compiles in its own cached process
against its imports' export data, and the link is go's. The binary then runs in the package's
directory with the package's files (testdata/ included) beside it, on this machine's platform.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from xml.etree import ElementTree
from typing import Any, Iterable

from pants.core.goals.test import TestFieldSet, TestRequest, TestResult, TestSubsystem
from pants.core.util_rules.environments import EnvironmentField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    EMPTY_DIGEST,
    AddPrefix,
    CreateDigest,
    Digest,
    Directory,
    FileContent,
    MergeDigests,
    Snapshot,
)
from pants.engine.platform import Platform as HostPlatform
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.analysis import FallibleGoTestAnalysis, GoBinaryAnalysis, GoTestAnalysis, GoTestAnalysisRequest
from go_oci.go.cover import TESTMAIN_MODE, GoCoverageData
from go_oci.go.graph import CompiledGoGraph, GoPackageGraphRequest
from go_oci.go.link import LINK_OUT_DIR, GoLinkRequest, LinkedGoBinary
from go_oci.go.package_targets import package_dir
from go_oci.platforms import Platform, host_go_platform
from go_oci.subsystems.gotest import GoTestSubsystem
from go_oci.target_types import GoImportPathField, GoPackageSourcesField, GoPackageTarget, GoSkipTestsField
from go_oci.util_rules.build import explain_failure
from go_oci.util_rules.modules import DownloadedGoModules, GoBuildContext, GoBuildContextRequest
from go_oci.util_rules.sdk import tool_message

# `go test`'s flags for the test binary (`go help testflag`), and whether each takes a value.
_TEST_FLAGS = {
    "bench": True, "benchmem": False, "benchtime": True, "count": True, "cpu": True, "failfast": False,
    "fullpath": False, "list": True, "parallel": True, "run": True, "short": False, "shuffle": True,
    "skip": True, "timeout": True, "v": False,
}
_TEST_BINARY_DIR = "__test"
_GOCOVERDIR = "__gocoverdir"
_PROFILE = "__cover.out"


def binary_test_flags(args: Iterable[str]) -> tuple[str, ...]:
    """`go test`'s flags as the test binary takes them (`-run X` -> `-test.run=X`); others pass as they are."""
    result: list[str] = []
    pending: str | None = None
    for arg in args:
        if pending is not None:
            result.append(f"-test.{pending}={arg}")
            pending = None
            continue
        match = re.fullmatch(r"--?([a-z]+)(=.*)?", arg)
        name = match.group(1) if match else ""
        if name not in _TEST_FLAGS:
            result.append(arg)
        elif match.group(2) is not None or not _TEST_FLAGS[name]:
            result.append(f"-test.{name}{match.group(2) or ''}")
        else:
            pending = name
    if pending is not None:
        result.append(f"-test.{pending}")  # as go would: the binary reports the missing value
    return tuple(result)


_EVENT = re.compile(r"^=== (?:RUN|NAME|CONT|PAUSE)\s+(\S+)")
_RESULT = re.compile(r"^(\s*)--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)")


@dataclass(frozen=True)
class GoTestCase:
    """A top-level test or example as `go test -v` reports it (subtests are part of its log)."""

    name: str
    status: str  # PASS, FAIL or SKIP
    seconds: str
    log: tuple[str, ...]  # the lines it printed, its subtests' results included


def parse_test_cases(output: str) -> tuple[GoTestCase, ...]:
    logs: dict[str, list[str]] = {}
    results: list[tuple[str, str, str]] = []
    current = None
    for line in output.splitlines():
        event, result = _EVENT.match(line), _RESULT.match(line)
        if event:
            current = event.group(1).split("/")[0]
        elif result and not result.group(1):
            results.append((result.group(3), result.group(2), result.group(4)))
        elif current is not None and line not in ("PASS", "FAIL"):  # the binary's verdict, not the test's
            logs.setdefault(current, []).append(line)
    return tuple(GoTestCase(name, status, seconds, tuple(logs.get(name, ()))) for name, status, seconds in results)


@dataclass(frozen=True)
class GoTestCounts:
    passed: int
    failed: int
    skipped: int

    @classmethod
    def of(cls, cases: Iterable[GoTestCase]) -> "GoTestCounts":
        statuses = [c.status for c in cases]
        return cls(statuses.count("PASS"), statuses.count("FAIL"), statuses.count("SKIP"))

    def __str__(self) -> str:
        return ", ".join(f"{n} {what}" for n, what in ((self.passed, "passed"), (self.failed, "failed"), (self.skipped, "skipped")) if n) or "no tests ran"


def junit_xml(import_path: str, cases: Iterable[GoTestCase], output: str, exit_code: int) -> str:
    """A JUnit report of the test cases (what `pants test --test-report` collects for CI systems), each
    with its log lines; a run that died outside any test result (a panic, a timeout) is an error case
    with the output's end."""
    suite = ElementTree.Element("testsuite", name=import_path)
    counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for test in cases:
        case = ElementTree.SubElement(suite, "testcase", classname=import_path, name=test.name, time=test.seconds)
        counts["tests"] += 1
        if test.status != "PASS":
            tag = "failure" if test.status == "FAIL" else "skipped"
            counts["failures" if test.status == "FAIL" else "skipped"] += 1
            ElementTree.SubElement(case, tag, message=f"{test.name} {tag}").text = "\n".join(test.log)
    if exit_code != 0 and counts["failures"] == 0:
        case = ElementTree.SubElement(suite, "testcase", classname=import_path, name=import_path, time="0")
        ElementTree.SubElement(case, "error", message="the test binary failed").text = "\n".join(output.splitlines()[-60:])
        counts["tests"] += 1
        counts["errors"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    testsuites = ElementTree.Element("testsuites")
    testsuites.append(suite)
    return ElementTree.tostring(testsuites, encoding="unicode")


@dataclass(frozen=True)
class GoTestFieldSet(TestFieldSet):
    required_fields = (GoPackageSourcesField, GoImportPathField)

    sources: GoPackageSourcesField
    import_path: GoImportPathField
    environment: EnvironmentField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        # Generated package targets list their files, so a package without tests is known here.
        has_tests = any(f.endswith("_test.go") for f in tgt[GoPackageSourcesField].value or ())
        return not isinstance(tgt, GoPackageTarget) or not has_tests or tgt[GoSkipTestsField].value


class GoTestRequest(TestRequest):
    tool_subsystem = GoTestSubsystem
    field_set_type = GoTestFieldSet


@dataclass(frozen=True)
class GoTestPackagesRequest:
    address: Address  # a go_oci_package
    cover_mode: str = ""  # `go test -covermode` (set, count, atomic), or "" to build without coverage


@dataclass(frozen=True)
class CompiledGoTestPackages:
    """A package compiled as `go test` and `go vet` see it, on this machine's platform: its test
    variants and every package they import, compiled; or why not (a message naming the target)."""

    analysis: GoTestAnalysis | None
    graph: CompiledGoGraph | None
    env: FrozenDict[str, str]
    failure: str = ""


@rule(desc="Compile a Go package with its tests", level=LogLevel.DEBUG)
async def compile_go_test_packages(request: GoTestPackagesRequest, host: HostPlatform) -> CompiledGoTestPackages:
    address, directory = request.address, package_dir(request.address)
    context = await Get(GoBuildContext, GoBuildContextRequest(directory, f"the tests of {address}"))
    modules = await Get(DownloadedGoModules, GoBuildContext, context)
    platform = Platform(*host_go_platform(host))
    env = FrozenDict(platform.go_env)
    working_dir, package_arg = context.package_arg(directory)
    result = await Get(
        FallibleGoTestAnalysis,
        GoTestAnalysisRequest(
            context.sources, modules.digest, working_dir, package_arg, directory,
            FrozenDict({**env, **context.go_env}), f"Analyse the tests of {address}", request.cover_mode,
        ),
    )
    if result.analysis is None:
        return CompiledGoTestPackages(None, None, env, explain_failure(address, "analysing its tests", result.stderr))
    analysis = result.analysis
    sources = context.sources
    if analysis.testmain is not None:
        sources = await Get(Digest, MergeDigests([sources, analysis.testmain]))
    cover: FrozenDict[str, str] = FrozenDict()
    if request.cover_mode and analysis.testmain is not None:
        # As `go test -cover` does: the package under test, and the test main (registration only).
        cover = FrozenDict({analysis.under_test: request.cover_mode, analysis.packages[-1].import_path: TESTMAIN_MODE})
    graph = await Get(
        CompiledGoGraph,
        GoPackageGraphRequest(analysis.packages, env, (), str(platform), sources, modules.digest, cover=cover),
    )
    if graph.archives is None:
        return CompiledGoTestPackages(analysis, None, env, explain_failure(address, "compiling its tests", graph.failure))
    return CompiledGoTestPackages(analysis, graph, env)


@dataclass(frozen=True)
class GoTestBinaryRequest:
    address: Address
    cover_mode: str = ""  # as GoTestPackagesRequest's


@dataclass(frozen=True)
class GoTestBinary:
    digest: Digest | None  # `__test/__out/<package name>.test`
    path: str
    failure: str  # why it could not be built, for the user


@rule(desc="Build a Go test binary", level=LogLevel.DEBUG)
async def build_go_test_binary(request: GoTestBinaryRequest) -> GoTestBinary:
    compiled = await Get(CompiledGoTestPackages, GoTestPackagesRequest(request.address, request.cover_mode))
    analysis, graph = compiled.analysis, compiled.graph
    if analysis is None or graph is None or graph.archives is None:
        return GoTestBinary(None, "", compiled.failure)
    if analysis.testmain is None:
        return GoTestBinary(None, "", f"{request.address}: the package has no tests (no `_test.go` files).")
    name = f"{os.path.basename(analysis.under_test)}.test"  # as `go test -c` names it
    # As `go test` links: no symbol table or DWARF, and `testing.Testing()` reports true. No build info
    # line: a test binary's `debug.ReadBuildInfo` reports none.
    linked = await Get(
        LinkedGoBinary,
        GoLinkRequest(
            GoBinaryAnalysis(analysis.packages, '""'), graph.archives, ("-s", "-w", "-X=testing.testBinary=1"),
            name, compiled.env, f"Link the tests of {request.address}",
        ),
    )
    if linked.digest is None:
        return GoTestBinary(None, "", explain_failure(request.address, "linking its tests", linked.stderr))
    binary = await Get(Digest, AddPrefix(linked.digest, _TEST_BINARY_DIR))
    return GoTestBinary(binary, f"{_TEST_BINARY_DIR}/{LINK_OUT_DIR}/{name}", "")


async def _extra_env(specs: Iterable[str]) -> dict[str, str]:
    """`NAME=value` entries as written; bare names from the environment the tests run in.

    Only names are looked up: in a remote environment Pants reads them by running `env` on a worker,
    which may offer nothing but `/bin/sh` (docs/architecture.md, Invariant 9).
    """
    literal = dict(spec.split("=", 1) for spec in specs if "=" in spec)
    names = tuple(spec for spec in specs if "=" not in spec)
    found = await Get(EnvironmentVars, EnvironmentVarsRequest(names)) if names else {}
    return {**found, **literal}


@rule(desc="Run Go tests", level=LogLevel.DEBUG)
async def run_go_tests(
    batch: GoTestRequest.Batch[GoTestFieldSet, Any],
    test_subsystem: TestSubsystem,
    test_env: TestSubsystem.EnvironmentAware,
    go_test: GoTestSubsystem,
) -> TestResult:
    field_set = batch.single_element
    address = field_set.address
    cover_mode = go_test.cover_mode.value if test_subsystem.use_coverage else ""
    binary = await Get(GoTestBinary, GoTestBinaryRequest(address, cover_mode))
    if binary.digest is None:
        # A real (uncached) process reports the failure, so the package has its line in the summary.
        reported = await Get(
            FallibleProcessResult,
            Process(
                ("/bin/sh", "-c", 'printf "%s\\n" "$1"; exit 1', "report", binary.failure),
                description=f"Report why the tests of {address} did not build",
                cache_scope=ProcessCacheScope.PER_SESSION,
                level=LogLevel.DEBUG,
            ),
        )
        return TestResult.from_fallible_process_result(reported, address, test_subsystem.output)

    files = await Get(SourceFiles, SourceFilesRequest([field_set.sources]))
    env = {**await _extra_env(test_env.extra_env_vars), **await _extra_env(go_test.extra_env_vars)}
    directory = package_dir(address)
    # Output and errors interleaved, as `go test` shows them.
    shell, working_directory = 'exec "$0" "$@" 2>&1', directory or None
    coverage_args: tuple[str, ...] = ()
    coverage_dir = EMPTY_DIGEST
    if cover_mode:
        # As `go test -cover` runs the binary: it writes coverage data to the (existing) directory and, as it
        # exits, the text profile. Both are kept out of the package's directory, where the tests could see
        # them, so in the sandbox's root; Pants collects outputs only below the working directory, so the
        # shell enters the package's.
        coverage_args = tuple(
            f"-test.{flag}={os.path.relpath(path, directory or '.')}"
            for flag, path in (("gocoverdir", _GOCOVERDIR), ("coverprofile", _PROFILE))
        )
        coverage_dir = await Get(Digest, CreateDigest([Directory(_GOCOVERDIR)]))
        if directory:
            shell, working_directory = f"cd {shlex.quote(directory)} && {shell}", None
    inputs = await Get(Digest, MergeDigests([binary.digest, files.snapshot.digest, coverage_dir]))
    args = binary_test_flags(go_test.args)
    timeout = go_test.timeout
    argv = (
        f"./{os.path.relpath(binary.path, directory or '.')}",
        "-test.paniconexit0",
        f"-test.timeout={timeout}s",
        "-test.v=true",
        *coverage_args,
        *args,
    )
    rerun = test_subsystem.force or any(a.startswith("-test.count=") for a in args)
    result = await Get(
        FallibleProcessResult,
        Process(
            ("/bin/sh", "-c", shell, *argv),
            description=f"Run the Go tests of {field_set.import_path.value}",
            input_digest=inputs,
            working_directory=working_directory,
            env=env,
            # go stops the tests at the timeout and prints where they were; this is the backstop.
            timeout_seconds=timeout + 60,
            cache_scope=ProcessCacheScope.PER_SESSION if rerun else ProcessCacheScope.SUCCESSFUL,
            output_files=(_PROFILE,) if cover_mode else (),
            level=LogLevel.DEBUG,
        ),
    )
    # The output is the profile alone, or nothing if the binary died first.
    coverage = GoCoverageData(address, field_set.import_path.value, result.output_digest) if cover_mode else None
    output = tool_message(result.stdout.decode(errors="replace"))
    cases = parse_test_cases(output)
    counts = GoTestCounts.of(cases)
    summary = f"go_oci: {field_set.import_path.value}: {counts}"
    if "panic: test timed out after" in output:
        summary += (
            f"\ngo_oci: the tests of {address} ran longer than [go-test].timeout ({timeout}s) and were stopped; "
            "the stacks above show where. Raise the timeout or fix the hang."
        )
    report = await Get(
        Snapshot,
        CreateDigest(
            [FileContent(f"{address.path_safe_spec}.xml", junit_xml(field_set.import_path.value, cases, output, result.exit_code).encode())]
        ),
    )
    return TestResult(
        xml_results=report,
        exit_code=result.exit_code,
        stdout=f"{output.rstrip()}\n{summary}\n",
        stdout_digest=result.stdout_digest,
        stderr="",
        stderr_digest=result.stderr_digest,
        addresses=(address,),
        output_setting=test_subsystem.output,
        result_metadata=result.metadata,
        coverage_data=coverage,
    )


def rules():
    return [*collect_rules(), *GoTestRequest.rules()]
