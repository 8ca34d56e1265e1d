"""One binary's package graph for one platform: `go list -deps -json`, and its build info line.

This is the only Go process that sees the whole module (and module cache); every compile after it
gets one package's files. It sees each Go file as `go list` reads it (`go_list_view`: the header and
the //go:embed lines), so an edit inside a function finds its analysis in the cache.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass

from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestEntries,
    DigestSubset,
    FileContent,
    FileEntry,
    MergeDigests,
    PathGlobs,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.cover import TESTMAIN_COVER_IMPORTS, UnexpectedTestmainError, cover_imports, cover_testmain
from go_oci.go.package import TESTMAIN_DIR, GoPackage
from go_oci.go.source import go_list_view
from go_oci.util_rules.sdk import GoProcess

LIST_FIELDS = (
    "ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles,"
    "SwigFiles,SwigCXXFiles,SysoFiles,EmbedPatterns,EmbedFiles,Imports,ImportMap,DefaultGODEBUG"
)
_MODINFO = re.compile(r'^modinfo ("(?:[^"\\]|\\.)*")$', re.M)


@dataclass(frozen=True)
class GoAnalysisRequest:
    sources: Digest  # the module (or workspace) sources
    modcache: Digest
    working_dir: str  # the main package's module
    package_arg: str  # the main package, relative to working_dir (`./cmd/x`)
    main_dir: str  # the main package's directory, relative to the sandbox root
    env: FrozenDict[str, str]
    tags: tuple[str, ...]
    build_flags: tuple[str, ...]  # `go build`'s -ldflags/-gcflags/-asmflags arguments: they enter the build info
    description: str


@dataclass(frozen=True)
class GoBinaryAnalysis:
    packages: tuple[GoPackage, ...]  # dependencies before dependents; the main package last
    modinfo: str  # the `modinfo "…"` value of go's importcfg.link, quoted as go quotes it ("" if no main)


@dataclass(frozen=True)
class FallibleGoAnalysis:
    analysis: GoBinaryAnalysis | None
    stderr: str


def parse_json_stream(text: str) -> list[dict]:
    decoder = json.JSONDecoder()
    objects, index = [], 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return objects
        obj, index = decoder.raw_decode(text, index)
        objects.append(obj)


def sandbox_root_of(directory: str, relative_dir: str) -> str:
    """The sandbox's absolute path, from the absolute `directory` go reports for its `relative_dir`.

    A remote-execution worker may run the process at the file system root: the root is then "/".
    """
    if not relative_dir:
        return directory
    return directory[: len(directory) - len(relative_dir)].rstrip("/") or "/"


def analysis_from_go_list(stdout: str, main_dir: str, modinfo: str) -> GoBinaryAnalysis:
    objects = parse_json_stream(stdout)
    root = sandbox_root_of(objects[-1]["Dir"], main_dir)
    return GoBinaryAnalysis(tuple(GoPackage.from_go_list(o, root) for o in objects), modinfo)


def modinfo_from_build_n(stderr: str) -> str:
    match = _MODINFO.search(stderr)
    if not match:
        raise ValueError(f"`go build -n` printed no modinfo line:\n{stderr[-2000:]}")
    return match.group(1)


@dataclass(frozen=True)
class GoListViewRequest:
    sources: Digest
    keep_whole: tuple[str, ...] = ()  # globs of Go files `go list` must read whole (tests it lists)


@dataclass(frozen=True)
class GoListView:
    digest: Digest  # the sources, each Go file replaced by its `go_list_view`


@rule(desc="Reduce Go files to what `go list` reads", level=LogLevel.DEBUG)
async def reduce_to_go_list_view(request: GoListViewRequest) -> GoListView:
    go_files, others, whole = await MultiGet(
        Get(DigestContents, DigestSubset(request.sources, PathGlobs(["**/*.go", *(f"!{g}" for g in request.keep_whole)]))),
        Get(Digest, DigestSubset(request.sources, PathGlobs(["**", "!**/*.go"]))),
        Get(Digest, DigestSubset(request.sources, PathGlobs(request.keep_whole))),
    )
    views = await Get(
        Digest, CreateDigest([FileContent(f.path, go_list_view(f.content), f.is_executable) for f in go_files])
    )
    return GoListView(await Get(Digest, MergeDigests([views, others, whole])))


@rule(desc="Analyse a Go binary's packages", level=LogLevel.DEBUG)
async def analyse_go_binary(request: GoAnalysisRequest) -> FallibleGoAnalysis:
    tags = (f"-tags={','.join(request.tags)}",) if request.tags else ()
    common = dict(working_dir=request.working_dir, env=request.env, modcache=request.modcache)
    view = await Get(GoListView, GoListViewRequest(request.sources))
    listed, planned = await MultiGet(
        Get(
            FallibleProcessResult,
            GoProcess(
                ("list", "-deps", f"-json={LIST_FIELDS}", *tags, request.package_arg),
                request.description,
                view.digest,
                **common,
            ),
        ),
        # `go build -n` prints the commands without running them; only its build info line is used,
        # which is go's own (module versions and sums, DefaultGODEBUG, the flags), so not rebuilt here.
        Get(
            FallibleProcessResult,
            GoProcess(
                ("build", "-n", "-trimpath", "-buildvcs=false", *request.build_flags, *tags, "-o",
                 os.path.relpath("__out/binary", request.working_dir or "."), request.package_arg),
                f"{request.description} (build info)",
                view.digest,
                **common,
            ),
        ),
    )
    if listed.exit_code != 0:
        return FallibleGoAnalysis(None, listed.stderr.decode())
    analysis = analysis_from_go_list(listed.stdout.decode(), request.main_dir, "")
    if not analysis.packages[-1].is_main:
        # Not a command: there is nothing to link, and the caller says what `main` should name.
        return FallibleGoAnalysis(analysis, "")
    if planned.exit_code != 0:
        return FallibleGoAnalysis(None, planned.stderr.decode())
    modinfo = modinfo_from_build_n(planned.stderr.decode())
    return FallibleGoAnalysis(dataclasses.replace(analysis, modinfo=modinfo), "")


# The test main `go list -test` writes is a file in go's build cache: the analysis gets a cache of its
# own in the sandbox, as an output, and the file is taken from it.
_TEST_CACHE = "__testcache"
_TEST_FIELDS = "ForTest,TestEmbedPatterns,XTestEmbedPatterns"


@dataclass(frozen=True)
class GoTestAnalysisRequest:
    sources: Digest  # the module (or workspace) sources
    modcache: Digest
    working_dir: str  # the package's module
    package_arg: str  # the package, relative to working_dir (`./internal/x`)
    package_dir: str  # the package's directory, relative to the sandbox root
    env: FrozenDict[str, str]
    description: str
    cover_mode: str = ""  # `go test -covermode`: set, count or atomic; "" without coverage


@dataclass(frozen=True)
class GoTestAnalysis:
    """What the package's test binary holds: `go test`'s test variants of the package (its `_test.go`
    files compiled in), the external `_test` package, the packages that import the package recompiled
    against that variant, and the test main `go` generated; dependencies first, the test main last."""

    under_test: str  # the package's import path
    packages: tuple[GoPackage, ...]
    testmain: Digest | None  # `__testmain/_testmain.go`; None for a package without tests (only itself)


@dataclass(frozen=True)
class FallibleGoTestAnalysis:
    analysis: GoTestAnalysis | None
    stderr: str


def _without_variant(import_path: str) -> str:
    """`example.com/p [example.com/p.test]` (a package as recompiled for p's test) -> `example.com/p`."""
    return import_path.split(" [", 1)[0]


def graph_of_tests_from_go_list(
    stdout: str, package_dir: str, cover_mode: str = ""
) -> tuple[str, tuple[GoPackage, ...], str]:
    """The package under test, the packages of its test binary and the test main's file, from `go list
    -deps -test -json`; for a package without tests, the package and its dependencies, and "".

    Only the test main's dependencies are kept (the package as built for binaries is replaced by its
    test variant), so each import path names one package and the variants get the plain paths that
    go's compiler and linker see. With `cover_mode` (`go list -cover`'s listing), the package under
    test and the test main also import what coverage adds to them.
    """
    objects = parse_json_stream(stdout)
    by_id = {o["ImportPath"]: o for o in objects}
    main = objects[-1]
    if not main.get("ForTest") and main["ImportPath"].endswith(".test") and main.get("Name") == "main":
        under_test, written = main["ImportPath"][: -len(".test")], main["GoFiles"][0]
    else:
        under_test, written = main["ImportPath"], ""
    added: dict[str, tuple[str, ...]] = {}
    if cover_mode and written:
        added[main["ImportPath"]] = TESTMAIN_COVER_IMPORTS
        for obj in objects:
            if _without_variant(obj["ImportPath"]) == under_test:
                added[obj["ImportPath"]] = cover_imports(obj.get("Name", ""), under_test, cover_mode)
    needed, stack = set(), [main["ImportPath"]]
    while stack:
        current = stack.pop()
        if current not in needed:
            needed.add(current)
            stack.extend(i for i in [*(by_id[current].get("Imports") or ()), *added.get(current, ())] if i in by_id)
    tested = by_id.get(under_test) or next(o for o in objects if _without_variant(o["ImportPath"]) == under_test)
    root = sandbox_root_of(tested["Dir"], package_dir)
    packages = []
    for obj in objects:
        if obj["ImportPath"] not in needed:
            continue
        plain = dict(obj)
        plain["ImportPath"] = _without_variant(obj["ImportPath"])
        plain["Imports"] = list(
            dict.fromkeys([*(_without_variant(i) for i in obj.get("Imports") or ()), *added.get(obj["ImportPath"], ())])
        )
        plain["ImportMap"] = {
            k: _without_variant(v) for k, v in (obj.get("ImportMap") or {}).items() if k != _without_variant(v)
        }
        if obj.get("ForTest") == under_test:
            # `go list` gives a test variant its tests' embedded files but not their patterns: those are
            # the tested package's TestEmbedPatterns (internal tests) and XTestEmbedPatterns (external).
            extra = tested.get("TestEmbedPatterns" if plain["ImportPath"] == under_test else "XTestEmbedPatterns")
            plain["EmbedPatterns"] = list(dict.fromkeys([*(obj.get("EmbedPatterns") or ()), *(extra or ())]))
        package = GoPackage.from_go_list(plain, root)
        if written and obj is main:
            package = dataclasses.replace(package, dir=TESTMAIN_DIR, go_files=("_testmain.go",))
        elif plain["ImportPath"] != under_test and obj.get("Dir") == tested.get("Dir"):
            # The external `_test` package: its files are in its package's directory, shown as go shows it.
            package = dataclasses.replace(package, dir_import_path=under_test)
        packages.append(package)
    return under_test, tuple(packages), written


@rule(desc="Analyse a Go package's tests", level=LogLevel.DEBUG)
async def analyse_go_tests(request: GoTestAnalysisRequest) -> FallibleGoTestAnalysis:
    tests = f"{request.package_dir}/*_test.go" if request.package_dir else "*_test.go"
    view = await Get(GoListView, GoListViewRequest(request.sources, (tests,)))
    # `-cover` lists the coverage runtime the test binary links.
    cover = ("-cover", f"-covermode={request.cover_mode}") if request.cover_mode else ()
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            ("list", "-deps", "-test", *cover, f"-json={LIST_FIELDS},{_TEST_FIELDS}", request.package_arg),
            request.description,
            view.digest,
            working_dir=request.working_dir,
            env=request.env,
            modcache=request.modcache,
            private_build_cache=_TEST_CACHE,
            output_directories=(_TEST_CACHE,),
        ),
    )
    if result.exit_code != 0:
        return FallibleGoTestAnalysis(None, result.stderr.decode())
    under_test, packages, written = graph_of_tests_from_go_list(
        result.stdout.decode(), request.package_dir, request.cover_mode
    )
    if not written:
        return FallibleGoTestAnalysis(GoTestAnalysis(under_test, packages, None), "")
    written = written[written.index(f"/{_TEST_CACHE}/") + 1 :]
    path = f"{TESTMAIN_DIR}/_testmain.go"
    if request.cover_mode:
        # `go list` writes the test main without the coverage set-up that `go test -cover` adds.
        listed_main = await Get(DigestContents, DigestSubset(result.output_digest, PathGlobs([written])))
        try:
            source = cover_testmain(listed_main[0].content.decode(), request.cover_mode, under_test)
        except UnexpectedTestmainError as e:
            return FallibleGoTestAnalysis(None, str(e))
        main = await Get(Digest, CreateDigest([FileContent(path, source.encode())]))
        return FallibleGoTestAnalysis(GoTestAnalysis(under_test, packages, main), "")
    entries = await Get(DigestEntries, Digest, result.output_digest)
    testmain = next(e for e in entries if isinstance(e, FileEntry) and e.path == written)
    # Renamed without reading the bytes: a FileEntry names content already in the store.
    main = await Get(Digest, CreateDigest([FileEntry(path, testmain.file_digest)]))
    return FallibleGoTestAnalysis(GoTestAnalysis(under_test, packages, main), "")


def rules():
    return collect_rules()
