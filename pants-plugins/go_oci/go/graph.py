"""Compile a package graph for one platform: the standard library in one batch, every other package in
its own process, each against its direct imports' export data.

Binaries, test binaries and `go vet` all start from a `go list -deps` of the packages they need; this
is the one place that turns such a list into compiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import EMPTY_DIGEST, Digest, DigestSubset, MergeDigests, PathGlobs
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.compile import CompiledGoPackage, GoCompileRequest, ToolFlags
from go_oci.go.package import GoPackage
from go_oci.go.stdlib import GoStdlibArchives, GoStdlibRequest
from go_oci.util_rules.sdk import MODCACHE_DIR, GoSdk


@dataclass(frozen=True)
class GoPackageGraphRequest:
    packages: tuple[GoPackage, ...]  # dependencies before dependents, import paths unique
    env: FrozenDict[str, str]  # GOOS, GOARCH and the platform's code-generation variables
    tags: tuple[str, ...]
    platform: str  # for descriptions only
    sources: Digest  # first-party files (and generated ones, such as a test main) at their sandbox paths
    modcache: Digest  # the downloaded modules: third-party packages' files
    # `go build -gcflags=…` applies to the packages named on its command line: the main package.
    flags: ToolFlags = ToolFlags()
    flags_for: str = ""  # the import path that gets `flags`
    # `go test -cover`: the packages to instrument, by import path, and how (GoCompileRequest.cover_mode).
    cover: FrozenDict[str, str] = FrozenDict()


@dataclass(frozen=True)
class CompiledGoGraph:
    """Every package compiled: `__pkg/<import path>.a` for each (what the linker reads), or the first
    failure (the compiler's message)."""

    archives: Digest | None
    packages: tuple[CompiledGoPackage, ...]  # the non-standard packages, in the request's order
    stdlib: Digest  # the standard packages' archives, which are also their export data
    failure: str = ""


@rule(desc="Compile a Go package graph", level=LogLevel.DEBUG)
async def compile_package_graph(request: GoPackageGraphRequest, sdk: GoSdk) -> CompiledGoGraph:
    # The standard library in one process (go's own compile of exactly this set). Measured on 2 shared
    # cores, a cold 2-platform build of src/go/greeter spent 56/50/38 s compiling this way against
    # 89/43/40 s with one process per standard package (~200 per platform): even when the machine is
    # quiet, far slower when it is busy; and one such per-package run stalled.
    standard = sorted(p.import_path for p in request.packages if p.standard)
    own = [p for p in request.packages if not p.standard]
    stdlib = await Get(GoStdlibArchives, GoStdlibRequest(tuple(standard), request.env, request.tags, request.platform))
    if stdlib.digest is None:
        return CompiledGoGraph(None, (), EMPTY_DIGEST, stdlib.failure)
    modcache_prefix = f"{MODCACHE_DIR}/"
    sources = await MultiGet(
        Get(
            Digest,
            DigestSubset(request.modcache if p.dir.startswith(modcache_prefix) else request.sources, PathGlobs(p.files())),
        )
        for p in own
    )
    requests: dict[str, GoCompileRequest] = {}
    for package, package_sources in zip(own, sources):  # dependencies come first
        requests[package.import_path] = GoCompileRequest(
            package=package,
            env=request.env,
            platform=request.platform,
            sdk_version=sdk.version,
            sources=package_sources,
            dependencies=tuple(requests[i] for i in package.imports if i in requests),
            prebuilt=stdlib.digest,
            flags=request.flags if package.import_path == request.flags_for else ToolFlags(),
            cover_mode=request.cover.get(package.import_path, ""),
        )
    compiled = await MultiGet(Get(CompiledGoPackage, GoCompileRequest, r) for r in requests.values())
    failed = next((c for c in compiled if c.digest is None), None)
    if failed is not None:
        return CompiledGoGraph(None, tuple(compiled), stdlib.digest, failed.failure)
    archives = await Get(Digest, MergeDigests([stdlib.digest, *(c.digest for c in compiled if c.digest)]))
    return CompiledGoGraph(archives, tuple(compiled), stdlib.digest)


def rules():
    return collect_rules()
