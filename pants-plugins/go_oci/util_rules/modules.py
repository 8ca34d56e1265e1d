"""From a directory to the Go module (or go.work workspace) that builds it, and its third-party modules."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pants.engine.addresses import Address
from pants.engine.environment import ChosenLocalEnvironmentName, EnvironmentName
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    Paths,
    Snapshot,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.internals.build_files import AddressFamilyDir, OptionalAddressFamily
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.gomod import GoModFile, Replace, parse_go_sum, parse_go_work_uses, parse_replaces
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoModuleTarget
from go_oci.util_rules.sdk import MODCACHE_DIR, GoProcess, tool_message


class GoModuleError(Exception):
    pass


def module_file_globs(module_dir: str) -> PathGlobs:
    """Every file of a module, as the build reads it: BUILD files are Pants', and nested modules are cut after."""
    return PathGlobs(
        [join_path(module_dir, "**/*"), *(f"!{join_path(module_dir, g)}" for g in ("**/BUILD", "**/BUILD.*"))]
    )


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
    # The paths of the third-party modules the go.mod files require: `go` resolves each to the version
    # its build list selects and applies `replace` directives, exactly as a build does.
    required_modules: tuple[str, ...]
    prunes_module_graph: bool  # every go.mod says `go 1.17` or later, so it lists all the modules a build uses
    replaces: tuple[Replace, ...]  # of the go.work (if any), then of the go.mod files
    # `module version => ./dir` for each version at which one workspace module requires another: see
    # `with_workspace_pins`.
    workspace_pins: tuple[Replace, ...] = ()

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

    def package_arg(self, directory: str) -> tuple[str, str]:
        """The directory to run `go` in for the package in `directory` (its module's), and the package
        argument relative to it (`.` or `./sub/dir`)."""
        module = self.module_for_dir(directory)
        assert module is not None
        rel = os.path.relpath(directory or ".", module.dir or ".")
        return module.dir, "." if rel == "." else f"./{rel}"


@dataclass(frozen=True)
class GoBuildContextRequest:
    directory: str  # a package directory; the context is found from the nearest go.mod above it
    description_of_origin: str


@dataclass(frozen=True)
class GoModuleSourcesRequest:
    module_dir: str
    description_of_origin: str


@dataclass(frozen=True)
class GoModuleSources:
    """A go_module's target, parsed go.mod and every file of the module (nested modules excluded)."""

    info: GoModuleInfo
    go_mod: GoModFile
    snapshot: Snapshot


@rule
async def find_go_module_target(request: GoModuleSourcesRequest) -> GoModuleSources:
    go_mod = join_path(request.module_dir, "go.mod")
    # The BUILD file's declarations, not Targets: resolving targets would generate the go_module's
    # package targets, which are themselves found from here.
    family = await Get(OptionalAddressFamily, AddressFamilyDir(request.module_dir))
    modules = sorted(
        address
        for address, adaptor in (family.address_family.addresses_to_target_adaptors.items() if family.address_family else ())
        if adaptor.type_alias == GoModuleTarget.alias
    )
    if not modules:
        raise GoModuleError(
            f"{request.description_of_origin}: no `go_module` target owns {go_mod}. Add `go_module()` to "
            f"{join_path(request.module_dir, 'BUILD')}, or run `pants tailor ::`."
        )
    address = modules[0]
    # `go build` may read any file of the module (//go:embed takes any name), so the build's context is
    # every file below go.mod bar BUILD files and nested modules; the package targets own the subsets
    # each package reads, and the build narrows to those per binary.
    snapshot = await Get(Snapshot, PathGlobs, module_file_globs(request.module_dir))
    nested = sorted(
        os.path.dirname(f) for f in snapshot.files if f.endswith("/go.mod") and os.path.dirname(f) != request.module_dir
    )
    if nested:
        snapshot = await Get(
            Snapshot,
            DigestSubset(snapshot.digest, PathGlobs(["**", *(f"!{join_path(d, '**')}" for d in nested)])),
        )
    if go_mod not in snapshot.files:
        raise GoModuleError(
            f"{address}: there is no go.mod in {request.module_dir or 'the build root'}. A go_module belongs next "
            "to its go.mod: move it there, or create one with `go mod init <module path>`."
        )
    contents = await Get(DigestContents, DigestSubset(snapshot.digest, PathGlobs([go_mod])))
    try:
        parsed = GoModFile.parse(contents[0].content.decode())
    except ValueError as e:
        raise GoModuleError(f"{address}: {go_mod} is not a valid go.mod ({e}).") from None
    if parsed.local_replaces:
        raise GoModuleError(
            f"{address}: {go_mod} replaces {', '.join(parsed.local_replaces)} with a local directory. "
            "go_oci builds only from declared inputs: list both modules in a go.work workspace instead."
        )
    return GoModuleSources(GoModuleInfo(address, request.module_dir, parsed.module_path), parsed, snapshot)


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
    work_replaces: tuple[Replace, ...] = ()
    if workspace_dir is not None:
        go_work = join_path(workspace_dir, "go.work")
        work = await Get(DigestContents, PathGlobs([go_work]))
        work_text = work[0].content.decode()
        uses = tuple(_normalized_dir(join_path(workspace_dir, u)) for u in parse_go_work_uses(work_text))
        if module_dir in uses:
            module_dirs = uses
            try:
                work_replaces = parse_replaces(work_text)
            except ValueError as e:
                raise GoModuleError(f"{request.description_of_origin}: {go_work} is not a valid go.work ({e}).") from None
            # A workspace module's own directory is a declared input: pinning a required version of it
            # there is how a workspace whose modules require each other resolves without a proxy.
            local = sorted(
                r.old_path
                for r in work_replaces
                if r.is_local and _normalized_dir(join_path(workspace_dir, r.new_path)) not in uses
            )
            if local:
                raise GoModuleError(
                    f"{request.description_of_origin}: {go_work} replaces {', '.join(local)} with a local "
                    "directory that is not a module of the workspace. go_oci builds only from declared inputs: "
                    "add the directory to the go.work's `use` list (and give it a `go_module` target)."
                )
            workspace_files = await Get(
                Digest, PathGlobs([join_path(workspace_dir, "go.work"), join_path(workspace_dir, "go.work.sum")])
            )
        else:
            workspace_dir = None

    modules = await MultiGet(
        Get(GoModuleSources, GoModuleSourcesRequest(d, request.description_of_origin)) for d in module_dirs
    )
    sources = await Get(Digest, MergeDigests([workspace_files, *(m.snapshot.digest for m in modules)]))
    module_file_globs = [
        join_path(m.info.dir, name) for m in modules for name in ("go.mod", "go.sum", "vendor/modules.txt")
    ]
    if workspace_dir is not None:
        module_file_globs += [join_path(workspace_dir, "go.work"), join_path(workspace_dir, "go.work.sum")]
    module_files = await Get(Snapshot, DigestSubset(sources, PathGlobs(module_file_globs)))
    local_modules = {m.info.module_path: m.info.dir for m in modules}
    required_modules = sorted({path for m in modules for path, _ in m.go_mod.requires if path not in local_modules})
    workspace_pins: tuple[Replace, ...] = ()
    if workspace_dir is not None:
        already_replaced = {(r.old_path, r.old_version) for r in work_replaces}
        pins = {
            (path, version)
            for m in modules
            for path, version in m.go_mod.requires
            if path in local_modules and (path, "") not in already_replaced and (path, version) not in already_replaced
        }
        workspace_pins = tuple(
            Replace(path, version, _relative_dir(local_modules[path], workspace_dir), "") for path, version in sorted(pins)
        )
    return GoBuildContext(
        root_dir=workspace_dir if workspace_dir is not None else module_dir,
        workspace=workspace_dir is not None,
        modules=tuple(m.info for m in modules),
        sources=sources,
        module_files=module_files.digest,
        vendored=workspace_dir is None and join_path(module_dir, "vendor/modules.txt") in module_files.files,
        required_modules=tuple(required_modules),
        prunes_module_graph=all(m.go_mod.prunes_module_graph for m in modules),
        # In a workspace, the go.work's `replace`s override the go.mod files' for the same module.
        replaces=(*work_replaces, *(r for m in modules for r in m.go_mod.replaces)),
        workspace_pins=workspace_pins,
    )


def _normalized_dir(path: str) -> str:
    normalized = os.path.normpath(path)
    return "" if normalized == "." else normalized


def _relative_dir(directory: str, start: str) -> str:
    relative = os.path.relpath(directory or ".", start or ".")
    return "." if relative == "." else f"./{relative}"


@dataclass(frozen=True)
class DownloadedGoModules:
    """The module cache (GOMODCACHE) of a context's third-party modules, unpacked, without zips."""

    digest: Digest


def download_arguments(context: GoBuildContext) -> tuple[str, ...]:
    """What `go mod download` is asked for: the modules `go` itself would fetch for a build.

    Module paths without versions: `go` resolves each to its selected version in the build list and
    fetches the `replace`d module in its place, verifying both against go.sum. Before `go 1.17` a go.mod
    need not list every module a build uses, so (as `go mod download` does by itself) all of the build
    list is fetched. A bare `go mod download` is not used because in a workspace it also looks up the
    workspace's own modules.
    """
    if not context.required_modules:
        return ()
    return context.required_modules if context.prunes_module_graph else ("all",)


def with_workspace_pins(go_work: str, pins: tuple[Replace, ...]) -> str:
    """The go.work the download step runs with: each required version of a workspace module is its directory.

    `go build` never looks a workspace module up, but the full module graph `go mod download` loads
    asks the proxy for `example.com/lib v0.0.0`'s go.mod when another workspace module requires that
    version. Pinning each such version to the module's directory keeps the lookup local; the build
    list is unchanged, since a workspace module's requirements are its go.mod's either way.
    """
    if not pins:
        return go_work
    lines = "".join(f"\t{p.old_path} {p.old_version} => {p.new_path}\n" for p in pins)
    return f"{go_work.rstrip()}\n\n// go_oci: workspace modules are never looked up on the proxy.\nreplace (\n{lines})\n"


_MODULE_ERROR = re.compile(r"^go: (?:(\S+@\S+) requires\n\s+)?(\S+)@(\S+): (.*)$", re.MULTILINE)


def explain_download_failure(stderr: str, context: GoBuildContext, goproxy: str) -> str:
    """What was wrong, and how to fix it, for a failed `go mod download`."""
    if "missing go.sum entry" in stderr:
        return "go.sum lacks a checksum listed above: run `go mod tidy` (or `go mod download <module>`) and commit go.sum."
    if "checksum mismatch" in stderr or "SECURITY ERROR" in stderr:
        return (
            "A module's content differs from its go.sum checksum: the proxy serves other bytes than were "
            "recorded, or go.sum was edited. Check the go.sum line against a trusted source before changing it."
        )
    if "updates to go.mod needed" in stderr:
        return "go.mod does not list what its dependencies require: run `go mod tidy` and commit go.mod and go.sum."
    if "module lookup disabled by GOPROXY=off" in stderr:
        return (
            "[go-oci].goproxy is `off`, so modules cannot be downloaded: set it to a module proxy, or vendor "
            "the modules (`go mod vendor`)."
        )
    for match in _MODULE_ERROR.finditer(stderr):
        required_by, path, version, problem = match.groups()
        if not any(s in problem for s in ("no such file", "404", "410", "not found", "unknown revision", "invalid version")):
            continue
        replacing = [str(r) for r in context.replaces if r.new_path == path and r.new_version == version]
        why = (
            f"the replacement named by `replace {replacing[0]}`"
            if replacing
            else f"required by {required_by}" if required_by else "required by go.mod"
        )
        return (
            f"{path}@{version} ({why}) is not on the module proxy {goproxy!r} ([go-oci].goproxy). Publish it "
            "there, point [go-oci].goproxy at a proxy that has it, or change go.mod to a version the proxy has."
        )
    if any(s in stderr for s in ("dial tcp", "connection refused", "no such host", "i/o timeout", "TLS handshake")):
        return f"The module proxy {goproxy!r} ([go-oci].goproxy) could not be reached: check the address and the network."
    return f"Check that `go mod download` succeeds there with GOPROXY={goproxy!r} ([go-oci].goproxy)."


@dataclass(frozen=True)
class _LocalGoModulesDownload:
    context: GoBuildContext


@rule
async def download_go_modules(context: GoBuildContext, local: ChosenLocalEnvironmentName) -> DownloadedGoModules:
    # The GOPROXY may be a file:// directory or a host only this machine reaches, and a remote-execution
    # worker needs no network: the download runs locally and reaches workers as a digest
    # (docs/architecture.md, Invariant 9).
    return await Get(
        DownloadedGoModules, {_LocalGoModulesDownload(context): _LocalGoModulesDownload, local.val: EnvironmentName}
    )


@rule(desc="Download Go modules", level=LogLevel.DEBUG)
async def download_go_modules_here(local_request: _LocalGoModulesDownload, go_oci: GoOciSubsystem) -> DownloadedGoModules:
    context = local_request.context
    arguments = download_arguments(context)
    if context.vendored or not arguments:
        return DownloadedGoModules(EMPTY_DIGEST)
    # Only go.mod/go.sum/go.work files are inputs, so this runs once per go.sum and is shared by every binary.
    inputs = context.module_files
    if context.workspace_pins:
        go_work = join_path(context.root_dir, "go.work")
        original = await Get(DigestContents, DigestSubset(inputs, PathGlobs([go_work])))
        pinned = await Get(
            Digest,
            CreateDigest([FileContent(go_work, with_workspace_pins(original[0].content.decode(), context.workspace_pins).encode())]),
        )
        others = await Get(Digest, DigestSubset(inputs, PathGlobs(["**", f"!{go_work}"])))
        inputs = await Get(Digest, MergeDigests([others, pinned]))
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            ("mod", "download", *arguments),
            f"Download Go modules of {context.root_dir or 'the root module'}",
            inputs,
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
        stderr = tool_message(result.stderr.decode())
        raise GoModuleError(
            f"{names}: downloading third-party modules failed:\n{stderr.strip()}\n"
            f"{explain_download_failure(stderr, context, go_oci.goproxy)}"
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


@dataclass(frozen=True)
class GoSumChecksums:
    """`(module path, version) -> h1:…` content hashes from a context's go.sum (and go.work.sum) files.

    Vendored builds keep go.sum, while a vendored binary's build info records no hashes: the SBOM
    takes its checksums from here.
    """

    sums: FrozenDict[tuple[str, str], str]


@rule(desc="Read go.sum checksums", level=LogLevel.DEBUG)
async def go_sum_checksums(context: GoBuildContext) -> GoSumChecksums:
    contents = await Get(DigestContents, Digest, context.module_files)
    sums: dict[tuple[str, str], str] = {}
    for file in sorted(contents, key=lambda f: f.path):
        if os.path.basename(file.path) in ("go.sum", "go.work.sum"):
            sums.update(parse_go_sum(file.content.decode()))
    return GoSumChecksums(FrozenDict(sums))


def rules():
    return collect_rules()
