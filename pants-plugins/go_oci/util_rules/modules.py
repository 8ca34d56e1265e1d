"""From a directory to the Go module (or go.work workspace) that builds it, and its third-party modules."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.fs import (
    EMPTY_DIGEST,
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    Paths,
    Snapshot,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import HydratedSources, HydrateSourcesRequest, Targets
from pants.base.specs import DirGlobSpec, RawSpecs
from pants.util.logging import LogLevel

from go_oci.gomod import GoModFile, parse_go_work_uses
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoModuleSourcesField, GoModuleTarget
from go_oci.util_rules.sdk import MODCACHE_DIR, GoProcess, trim_sandbox_paths


class GoModuleError(Exception):
    pass


def ancestors(directory: str) -> list[str]:
    """`a/b/c` -> [`a/b/c`, `a/b`, `a`, ``]: nearest first. An absolute path ends at `/`."""
    result = []
    while True:
        result.append(directory)
        parent = os.path.dirname(directory)
        if not directory or parent == directory:  # `` and `/` are their own parents
            return result
        directory = parent


def join_path(directory: str, name: str) -> str:
    return os.path.join(directory, name) if directory else name


@dataclass(frozen=True)
class GoModuleInfo:
    address: Address
    dir: str
    module_path: str


@dataclass(frozen=True)
class GoBuildContext:
    """A module, or a go.work workspace of modules: what `go` resolves imports within."""

    root_dir: str  # the directory of the go.work, or of the go.mod
    workspace: bool
    modules: tuple[GoModuleInfo, ...]
    sources: Digest  # every file of every module (minus nested modules), plus go.work/go.work.sum
    module_files: Digest  # only go.mod, go.sum, go.work, go.work.sum, vendor/modules.txt: the download key
    vendored: bool
    requirements: tuple[str, ...]  # `path@version` of every third-party module the go.mod files require

    @property
    def go_env(self) -> dict[str, str]:
        """How `go` must treat this context: vendored or not, workspace or single module."""
        return {
            "GOFLAGS": "-mod=vendor" if self.vendored else "-mod=readonly",
            "GOWORK": "" if self.workspace else "off",
        }

    def module_for_dir(self, directory: str) -> GoModuleInfo | None:
        candidates = [m for m in self.modules if directory == m.dir or directory.startswith(join_path(m.dir, ""))]
        return max(candidates, key=lambda m: len(m.dir), default=None)


@dataclass(frozen=True)
class GoBuildContextRequest:
    directory: str  # a package directory; the context is found from the nearest go.mod above it
    description_of_origin: str


@dataclass(frozen=True)
class _GoModuleTargetRequest:
    module_dir: str
    description_of_origin: str


@dataclass(frozen=True)
class _GoModuleSources:
    info: GoModuleInfo
    go_mod: GoModFile
    snapshot: Snapshot


@rule
async def find_go_module_target(request: _GoModuleTargetRequest) -> _GoModuleSources:
    go_mod = join_path(request.module_dir, "go.mod")
    targets = await Get(
        Targets,
        RawSpecs(
            dir_globs=(DirGlobSpec(request.module_dir),),
            description_of_origin=request.description_of_origin,
        ),
    )
    modules = [t for t in targets if isinstance(t, GoModuleTarget)]
    if not modules:
        raise GoModuleError(
            f"{request.description_of_origin}: no `go_module` target owns {go_mod}. Add `go_module()` to "
            f"{join_path(request.module_dir, 'BUILD')}, or run `pants tailor ::`."
        )
    target = modules[0]
    hydrated = await Get(HydratedSources, HydrateSourcesRequest(target[GoModuleSourcesField]))
    snapshot = hydrated.snapshot
    nested = sorted(
        os.path.dirname(f) for f in snapshot.files if f.endswith("/go.mod") and os.path.dirname(f) != request.module_dir
    )
    if nested:
        snapshot = await Get(
            Snapshot,
            DigestSubset(snapshot.digest, PathGlobs(["**", *(f"!{join_path(d, '**')}" for d in nested)])),
        )
    contents = await Get(DigestContents, DigestSubset(snapshot.digest, PathGlobs([go_mod])))
    try:
        parsed = GoModFile.parse(contents[0].content.decode())
    except ValueError as e:
        raise GoModuleError(f"{target.address}: {go_mod} is not a valid go.mod ({e}).") from None
    if parsed.local_replaces:
        raise GoModuleError(
            f"{target.address}: {go_mod} replaces {', '.join(parsed.local_replaces)} with a local directory. "
            "go_oci builds only from declared inputs: list both modules in a go.work workspace instead."
        )
    return _GoModuleSources(GoModuleInfo(target.address, request.module_dir, parsed.module_path), parsed, snapshot)


@rule(desc="Find the Go module or workspace", level=LogLevel.DEBUG)
async def go_build_context(request: GoBuildContextRequest) -> GoBuildContext:
    dirs = ancestors(request.directory)
    found = await Get(Paths, PathGlobs([join_path(d, n) for d in dirs for n in ("go.mod", "go.work")]))
    go_mods = {os.path.dirname(f) for f in found.files if f.endswith("go.mod")}
    go_works = {os.path.dirname(f) for f in found.files if f.endswith("go.work")}
    module_dir = next((d for d in dirs if d in go_mods), None)
    if module_dir is None:
        raise GoModuleError(
            f"{request.description_of_origin}: no go.mod in {request.directory or 'the build root'} or any "
            "directory above it. Create one with `go mod init <module path>` and add `go_module()` next to it."
        )

    workspace_dir = next((d for d in ancestors(module_dir) if d in go_works), None)
    module_dirs: tuple[str, ...] = (module_dir,)
    workspace_files = EMPTY_DIGEST
    if workspace_dir is not None:
        work = await Get(DigestContents, PathGlobs([join_path(workspace_dir, "go.work")]))
        uses = tuple(os.path.normpath(join_path(workspace_dir, u)) for u in parse_go_work_uses(work[0].content.decode()))
        uses = tuple("" if u == "." else u for u in uses)
        if module_dir in uses:
            module_dirs = uses
            workspace_files = await Get(
                Digest, PathGlobs([join_path(workspace_dir, "go.work"), join_path(workspace_dir, "go.work.sum")])
            )
        else:
            workspace_dir = None

    modules = await MultiGet(
        Get(_GoModuleSources, _GoModuleTargetRequest(d, request.description_of_origin)) for d in module_dirs
    )
    sources = await Get(Digest, MergeDigests([workspace_files, *(m.snapshot.digest for m in modules)]))
    module_file_globs = [
        join_path(m.info.dir, name) for m in modules for name in ("go.mod", "go.sum", "vendor/modules.txt")
    ]
    if workspace_dir is not None:
        module_file_globs += [join_path(workspace_dir, "go.work"), join_path(workspace_dir, "go.work.sum")]
    module_files = await Get(Snapshot, DigestSubset(sources, PathGlobs(module_file_globs)))
    local_modules = {m.info.module_path for m in modules}
    requirements = sorted(
        {f"{path}@{version}" for m in modules for path, version in m.go_mod.requires if path not in local_modules}
    )
    return GoBuildContext(
        root_dir=workspace_dir if workspace_dir is not None else module_dir,
        workspace=workspace_dir is not None,
        modules=tuple(m.info for m in modules),
        sources=sources,
        module_files=module_files.digest,
        vendored=workspace_dir is None and join_path(module_dir, "vendor/modules.txt") in module_files.files,
        requirements=tuple(requirements),
    )


@dataclass(frozen=True)
class DownloadedGoModules:
    """The module cache (GOMODCACHE) of a context's third-party modules, unpacked, without zips."""

    digest: Digest


@rule(desc="Download Go modules", level=LogLevel.DEBUG)
async def download_go_modules(context: GoBuildContext, go_oci: GoOciSubsystem) -> DownloadedGoModules:
    if context.vendored or not context.requirements:
        return DownloadedGoModules(EMPTY_DIGEST)
    # Only go.mod/go.sum are inputs, so this runs once per go.sum and is shared by every binary. The
    # modules are named explicitly: with no arguments, a workspace would look up its own modules too.
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            ("mod", "download", *context.requirements),
            f"Download Go modules of {context.root_dir or 'the root module'}",
            context.module_files,
            working_dir=context.root_dir,
            env={
                "GOPROXY": go_oci.goproxy,
                "GOPRIVATE": go_oci.goprivate,
                "GONOSUMDB": go_oci.gonosumdb,
                "GOSUMDB": go_oci.gosumdb,
                **context.go_env,
            },
            output_directories=(MODCACHE_DIR,),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        names = ", ".join(str(m.address) for m in context.modules)
        raise GoModuleError(
            f"{names}: downloading third-party modules failed:\n{trim_sandbox_paths(result.stderr.decode())}\n"
            "Check [go-oci].goproxy, and that go.sum lists every module (`go mod tidy` adds missing entries)."
        )
    kept = await Get(
        Digest,
        DigestSubset(
            result.output_digest,
            PathGlobs(
                [
                    f"{MODCACHE_DIR}/**",
                    "!**/*.zip",
                    "!**/*.lock",
                    f"!{MODCACHE_DIR}/cache/download/sumdb/**",
                    f"!{MODCACHE_DIR}/cache/vcs/**",
                ]
            ),
        ),
    )
    return DownloadedGoModules(kept)


def rules():
    return collect_rules()
