"""Build a go_cross_binary for one platform: analyse its packages, compile each, link.

The per-package steps live in go_oci/go/; this module turns a target into their requests and their
failures into messages that name the target. cgo binaries keep one `go build` process (see
`_build_with_cgo`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Collection, Sequence

from pants.engine.addresses import Address
from pants.engine.fs import AddPrefix, Digest, DigestContents, DigestSubset, PathGlobs, RemovePrefix, Snapshot
from pants.engine.internals.selectors import MultiGet
from pants.engine.platform import Platform as HostPlatform
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go import quoting as go_quoting
from go_oci.elf import ElfLinkage, NotElf, read_linkage
from go_oci.go.analysis import LIST_FIELDS, FallibleGoAnalysis, GoAnalysisRequest, parse_json_stream, sandbox_root_of
from go_oci.go.compile import ToolFlags
from go_oci.go.graph import CompiledGoGraph, GoPackageGraphRequest
from go_oci.go.link import LINK_OUT_DIR, GoLinkRequest, LinkedGoBinary
from go_oci.platforms import CODEGEN_ENV_VARS, InvalidPlatform, Platform, host_go_platform
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoCrossBinaryFieldSet
from go_oci.util_rules.cgo import CCompilerIdentity, CCompilerRequest
from go_oci.util_rules.modules import (
    DownloadedGoModules,
    GoBuildContext,
    GoBuildContextRequest,
    GoModuleInfo,
    join_path,
)
from go_oci.util_rules.sdk import MODCACHE_DIR, GoProcess, GoTargetPairs, tool_message


class GoBuildError(Exception):
    pass


_FILE_LISTS = (
    "GoFiles", "CgoFiles", "CFiles", "CXXFiles", "MFiles", "HFiles", "FFiles", "SFiles", "SwigFiles",
    "SwigCXXFiles", "SysoFiles", "EmbedFiles",
)


@dataclass(frozen=True)
class GoBinarySpec:
    """Everything of a go_cross_binary that decides its bytes, bar the platform."""

    address: Address
    main_dir: str
    binary_name: str
    x_defs: FrozenDict[str, str]
    ldflags: tuple[str, ...]
    gcflags: tuple[str, ...]
    asmflags: tuple[str, ...]
    tags: tuple[str, ...]
    strip: bool
    cgo: bool
    env: FrozenDict[str, str]
    platforms: tuple[Platform, ...]

    @classmethod
    def from_field_set(
        cls, field_set: GoCrossBinaryFieldSet, pairs: GoTargetPairs, go_oci: GoOciSubsystem
    ) -> "GoBinarySpec":
        address = field_set.address
        # The field made sure this stays inside the build root.
        main_dir = os.path.normpath(os.path.join(address.spec_path, field_set.main.value))
        main_dir = "" if main_dir == "." else main_dir
        env = dict(field_set.env.value or {})
        bad_env = sorted(set(env) - CODEGEN_ENV_VARS)
        if bad_env:
            raise GoBuildError(
                f"{address}: `env` may only set Go code-generation variables "
                f"({', '.join(sorted(CODEGEN_ENV_VARS))}); remove {', '.join(bad_env)}. GOOS/GOARCH come from "
                "`platforms`, CGO_ENABLED from `cgo`."
            )
        raw_platforms = field_set.platforms.value
        if raw_platforms is None:
            raw_platforms = tuple(go_oci.default_platforms)
        if not raw_platforms:
            raise GoBuildError(f"{address}: `platforms` is empty; name at least one, e.g. ['linux/amd64'].")
        try:
            platforms = tuple(sorted({Platform.parse(p, pairs.pairs) for p in raw_platforms}))
        except InvalidPlatform as e:
            raise GoBuildError(f"{address}: invalid `platforms` entry {e}") from None
        for platform in platforms:
            clash = sorted(set(platform.go_env) & set(env))
            if clash:
                raise GoBuildError(
                    f"{address}: platform {platform} already sets {', '.join(clash)}; remove it from `env`."
                )
        binary_name = field_set.binary_name.value or os.path.basename(main_dir or address.spec_path) or address.target_name
        return cls(
            address=address,
            main_dir=main_dir,
            binary_name=binary_name,
            x_defs=FrozenDict(field_set.x_defs.value or {}),
            ldflags=tuple(field_set.ldflags.value or ()),
            gcflags=tuple(field_set.gcflags.value or ()),
            asmflags=tuple(field_set.asmflags.value or ()),
            tags=tuple(field_set.tags.value or ()),
            strip=field_set.strip.value,
            cgo=field_set.cgo.value,
            env=FrozenDict(env),
            platforms=platforms,
        )


@dataclass(frozen=True)
class GoBinaryBuildRequest:
    spec: GoBinarySpec
    platform: Platform


@dataclass(frozen=True)
class BuiltGoBinary:
    digest: Digest  # one file: `<platform.dir_name>/<binary_name>`
    path: str
    platform: Platform
    linkage: ElfLinkage | None  # None for non-ELF targets (darwin, windows, wasm)


@dataclass(frozen=True)
class _PackageAnalysisRequest:
    spec: GoBinarySpec
    platform: Platform
    context: GoBuildContext
    modcache: Digest


@dataclass(frozen=True)
class _PackageAnalysis:
    """The exact files a binary's build reads: its packages' files and the modules they come from."""

    source_files: tuple[str, ...]
    module_dirs: tuple[str, ...]  # unpacked third-party modules, relative to the module cache


def _platform_env(spec: GoBinarySpec, platform: Platform, cc: CCompilerIdentity | None) -> dict[str, str]:
    env = {**spec.env, **platform.go_env}
    if cc is not None:
        # gcc finds `as` and `ld` on the PATH: cgo is the documented non-hermetic mode.
        env.update(
            CGO_ENABLED="1",
            CC=cc.path,
            GO_OCI_CC_IDENTITY=cc.identity,
            PATH=f"{os.path.dirname(cc.path)}:/usr/bin:/bin",
        )
    return env


_MISSING_PACKAGE = re.compile(r"(?:no required module provides package|cannot find module providing package) ([^\s:;]+)")
_EXCLUDED_DIR = re.compile(r"build constraints exclude all Go files in (\S+)")
_LOOKUP_DISABLED = re.compile(r"(\S+)@(\S+): module lookup disabled by GOPROXY=off")
_IMPORTS_C = re.compile(rb'^import\s*(?:\(\s*)?"C"', re.MULTILINE)


async def _explain(spec: GoBinarySpec, context: GoBuildContext, doing: str, stderr: str) -> str:
    """`explain_failure`, with the facts about the sources that its hints need (read only on failure)."""
    snapshot = await Get(Snapshot, Digest, context.sources)
    package_dirs = {os.path.dirname(f) for f in snapshot.files if f.endswith(".go")}
    cgo_files: list[str] = []
    excluded = {d for d in _EXCLUDED_DIR.findall(tool_message(stderr)) if d in package_dirs}
    if excluded and not spec.cgo:
        contents = await Get(
            DigestContents, DigestSubset(context.sources, PathGlobs([join_path(d, "*.go") for d in sorted(excluded)]))
        )
        cgo_files = sorted(f.path for f in contents if _IMPORTS_C.search(f.content))
    return explain_failure(
        spec.address,
        doing,
        stderr,
        modules=context.modules,
        required_modules=context.required_modules,
        package_dirs=package_dirs,
        cgo_files=cgo_files,
        workspace_dir=context.root_dir if context.workspace else None,
    )


@rule(desc="Analyse a cgo binary's files", level=LogLevel.DEBUG)
async def analyse_packages(request: _PackageAnalysisRequest) -> _PackageAnalysis:
    spec, context = request.spec, request.context
    cc = await Get(CCompilerIdentity, CCompilerRequest(spec.address)) if spec.cgo else None
    working_dir, package = context.package_arg(spec.main_dir)
    args = ["list", "-deps", f"-json={LIST_FIELDS}"]
    if spec.tags:
        args.append(f"-tags={','.join(spec.tags)}")
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            (*args, package),
            f"Analyse imports of {spec.address} for {request.platform}",
            context.sources,
            working_dir=working_dir,
            env={**_platform_env(spec, request.platform, cc), **context.go_env},
            modcache=request.modcache,
        ),
    )
    if result.exit_code != 0:
        raise GoBuildError(await _explain(spec, context, "analysing its imports", result.stderr.decode()))

    packages = parse_json_stream(result.stdout.decode())
    main = packages[-1] if packages else {}
    _check_main(spec, main.get("Name", ""))
    main_module_dir = main["Module"]["Dir"]
    module_info = context.module_for_dir(spec.main_dir)
    sandbox_root = sandbox_root_of(main_module_dir, module_info.dir)
    files: set[str] = set()
    module_dirs: set[str] = set()
    modcache_root = f"{os.path.join(sandbox_root, MODCACHE_DIR)}/"
    for pkg in packages:
        if pkg.get("Standard"):
            continue
        pkg_dir = pkg["Dir"]
        if pkg_dir.startswith(modcache_root):
            module_dirs.add(os.path.relpath(pkg["Module"]["Dir"], sandbox_root))
            continue
        rel_dir = os.path.relpath(pkg_dir, sandbox_root)
        for list_name in _FILE_LISTS:
            files.update(os.path.normpath(os.path.join(rel_dir, f)) for f in pkg.get(list_name) or ())
    return _PackageAnalysis(tuple(sorted(files)), tuple(sorted(module_dirs)))


def explain_failure(
    address: Address,
    doing: str,
    stderr: str,
    *,
    modules: Sequence[GoModuleInfo] = (),
    required_modules: Sequence[str] = (),
    package_dirs: Collection[str] = (),
    cgo_files: Sequence[str] = (),
    workspace_dir: str | None = None,
) -> str:
    """`go`'s own message, trimmed of sandbox paths, and a hint at the fix when the cause is known.

    `package_dirs` are the directories of the build's Go files; `cgo_files` those files (of directories
    the build excluded) that use cgo.
    """
    message = tool_message(stderr).strip()
    hint = ""
    missing = _MISSING_PACKAGE.search(message)
    lookup = _LOOKUP_DISABLED.search(message)
    workspace_module = next((m for m in modules if lookup and m.module_path == lookup.group(1)), None)
    if workspace_module is not None and workspace_dir is not None:
        path, version = lookup.groups()
        relative = os.path.relpath(workspace_module.dir or ".", workspace_dir or ".")
        hint = (
            f"\nA module of this workspace requires {path} at {version}, so `go` wants that version's go.mod, "
            f"which no proxy has. Pin it to the module's directory in {join_path(workspace_dir, 'go.work')}: "
            f"`replace {path} {version} => ./{relative}`."
        )
    elif "missing go.sum entry" in message:
        hint = "\nAdd the missing checksums: run `go mod tidy` (or `go mod download <module>`) and commit go.sum."
    elif missing:
        hint = "\n" + _missing_package_hint(missing.group(1), modules, required_modules, package_dirs)
    elif cgo_files:
        hint = (
            f"\n{', '.join(cgo_files)} use cgo (`import \"C\"`), which builds only with cgo enabled: set "
            f"`cgo=True` on {address}, or give those files a pure-Go alternative."
        )
    elif "build constraints exclude all Go files" in message:
        hint = "\nCheck those files' `//go:build` lines and file name suffixes against the target's `platforms` and `tags`."
    elif "is not in std" in message or "is not in GOROOT" in message:
        hint = "\nCheck the import path; for a package of this module, check the go.mod `module` line."
    return f"{address}: Go failed while {doing}:\n{message}{hint}"


def _missing_package_hint(
    package: str, modules: Sequence[GoModuleInfo], required_modules: Sequence[str], package_dirs: Collection[str]
) -> str:
    for module in modules:
        if package == module.module_path or package.startswith(f"{module.module_path}/"):
            where = join_path(module.dir, package[len(module.module_path) :].lstrip("/"))
            return (
                f"{package} is a package of the module {module.module_path}, but {where or 'the build root'} has "
                "no Go files: fix the import path, or add the package there."
            )
    under_required = any(package == r or package.startswith(f"{r}/") for r in required_modules)
    parts = package.split("/")
    for module in modules if not under_required else ():
        for i in range(1, len(parts)):
            local_dir = join_path(module.dir, "/".join(parts[i:]))
            if local_dir in package_dirs:
                return (
                    f"{package} looks like this module's own package {local_dir}, but "
                    f"{join_path(module.dir, 'go.mod')} says `module {module.module_path}`. If the module is "
                    f"{'/'.join(parts[:i])}, fix go.mod's `module` line to that; otherwise fix the import path."
                )
    return (
        f"{package} is in no module that go.mod requires: add its module (`go get {package}` finds it) and run "
        "`go mod tidy`, then commit go.mod and go.sum."
    )


def link_flags(spec: GoBinarySpec) -> list[str]:
    """The linker's flags, each one argument: an empty build ID, strip, -X, then the target's ldflags."""
    ldflags = ["-buildid="]
    if spec.strip:
        ldflags += ["-s", "-w"]
    ldflags += [f"-X={k}={v}" for k, v in sorted(spec.x_defs.items())]
    return [*ldflags, *spec.ldflags]


def tool_flag_args(spec: GoBinarySpec, package: str) -> list[str]:
    """The `go build` arguments that carry the tools' flags; each field item arrives as one argument."""
    args = [f"-ldflags={go_quoting.join(link_flags(spec))}"]
    for name, flags in (("gcflags", spec.gcflags), ("asmflags", spec.asmflags)):
        if flags:
            joined = go_quoting.join(flags)
            # `go build` rejects a value that starts with a quote, but takes `<pattern>=<flags>` (it reads
            # a value without a leading `-` so): there the main package is the pattern, which is the
            # set of packages the flags apply to anyway.
            args.append(f"-{name}={joined if joined.startswith('-') else f'{package}={joined}'}")
    return args


async def _build_by_package(
    spec: GoBinarySpec, platform: Platform, context: GoBuildContext, modules: DownloadedGoModules
) -> Digest:
    """Analyse, compile each package in its own process, link: the binary `go build -trimpath` makes."""
    profile = join_path(spec.main_dir, "default.pgo")
    if (await Get(Snapshot, DigestSubset(context.sources, PathGlobs([profile])))).files:
        raise GoBuildError(
            f"{spec.address}: {profile} is a profile for profile-guided optimisation, which `go build` applies "
            "to every package (-pgo=auto) and go_oci does not yet. Move it out of the main package's directory "
            "to build without it."
        )
    env = FrozenDict(_platform_env(spec, platform, None))
    working_dir, package_arg = context.package_arg(spec.main_dir)
    result = await Get(
        FallibleGoAnalysis,
        GoAnalysisRequest(
            sources=context.sources,
            modcache=modules.digest,
            working_dir=working_dir,
            package_arg=package_arg,
            main_dir=spec.main_dir,
            env=FrozenDict({**env, **context.go_env}),
            tags=spec.tags,
            build_flags=tuple(tool_flag_args(spec, package_arg)),
            description=f"Analyse imports of {spec.address} for {platform}",
        ),
    )
    if result.analysis is None:
        raise GoBuildError(await _explain(spec, context, "analysing its imports", result.stderr))
    analysis = result.analysis
    main = analysis.packages[-1]
    _check_main(spec, main.name)

    graph = await Get(
        CompiledGoGraph,
        GoPackageGraphRequest(
            analysis.packages, env, spec.tags, str(platform), context.sources, modules.digest,
            ToolFlags(spec.gcflags, spec.asmflags), main.import_path,
        ),
    )
    if graph.archives is None:
        raise GoBuildError(explain_failure(spec.address, f"compiling for {platform}", graph.failure))
    linked = await Get(
        LinkedGoBinary,
        GoLinkRequest(
            analysis, graph.archives, tuple(link_flags(spec)), spec.binary_name, env, f"Link {spec.address} for {platform}"
        ),
    )
    if linked.digest is None:
        raise GoBuildError(explain_failure(spec.address, f"linking for {platform}", linked.stderr))
    return await Get(Digest, RemovePrefix(linked.digest, LINK_OUT_DIR))


def _check_main(spec: GoBinarySpec, name: str) -> None:
    if name != "main":
        raise GoBuildError(
            f"{spec.address}: `main` ({spec.main_dir or '.'}) is package `{name or '?'}`, not a main "
            "package. Point `main` at a directory whose files say `package main` and define `func main()`."
        )


async def _build_with_cgo(
    spec: GoBinarySpec, platform: Platform, context: GoBuildContext, modules: DownloadedGoModules
) -> Digest:
    """cgo binaries keep one `go build` process: it drives the host C compiler (the one non-hermetic
    mode, keyed by the compiler's identity) through cgo's code generation, C compiles and the external
    link, which per-package processes would have to re-implement for little gain on the host only."""
    analysis = await Get(_PackageAnalysis, _PackageAnalysisRequest(spec, platform, context, modules.digest))
    cc = await Get(CCompilerIdentity, CCompilerRequest(spec.address))

    module_file_names = ("go.mod", "go.sum", "vendor/modules.txt")
    source_globs = [*analysis.source_files, *(join_path(m.dir, n) for m in context.modules for n in module_file_names)]
    if context.workspace:
        source_globs += [join_path(context.root_dir, "go.work"), join_path(context.root_dir, "go.work.sum")]
    modcache_globs = [f"{MODCACHE_DIR}/cache/download/**", *(f"{d}/**" for d in analysis.module_dirs)]
    sources, modcache = await MultiGet(
        Get(Digest, DigestSubset(context.sources, PathGlobs(source_globs))),
        Get(Digest, DigestSubset(modules.digest, PathGlobs(modcache_globs))),
    )

    working_dir, package = context.package_arg(spec.main_dir)
    out_dir = "__out"
    out_rel = os.path.relpath(f"{out_dir}/{spec.binary_name}", working_dir or ".")
    args = ["build", "-trimpath", "-buildvcs=false", *tool_flag_args(spec, package), "-o", out_rel]
    if spec.tags:
        args.append(f"-tags={','.join(spec.tags)}")
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            (*args, package),
            f"Compile {spec.address} for {platform}",
            sources,
            working_dir=working_dir,
            env={**_platform_env(spec, platform, cc), **context.go_env},
            modcache=modcache,
            output_files=(f"{out_dir}/{spec.binary_name}",),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise GoBuildError(await _explain(spec, context, f"compiling for {platform}", result.stderr.decode()))
    return await Get(Digest, RemovePrefix(result.output_digest, out_dir))


@rule(desc="Build a Go binary", level=LogLevel.DEBUG)
async def build_go_binary(request: GoBinaryBuildRequest, host: HostPlatform) -> BuiltGoBinary:
    spec, platform = request.spec, request.platform
    if spec.cgo and (platform.os, platform.arch) != host_go_platform(host):
        raise GoBuildError(
            f"{spec.address}: `cgo=True` builds only for this machine's platform "
            f"({'/'.join(host_go_platform(host))}), not {platform}: there is no cross C toolchain. "
            "Drop the other platforms, or set `cgo=False` (most Go code needs no cgo)."
        )
    context = await Get(
        GoBuildContext, GoBuildContextRequest(spec.main_dir, f"the `main` of {spec.address}")
    )
    modules = await Get(DownloadedGoModules, GoBuildContext, context)
    if spec.cgo:
        binary = await _build_with_cgo(spec, platform, context, modules)
    else:
        binary = await _build_by_package(spec, platform, context, modules)
    binary = await Get(Digest, AddPrefix(binary, platform.dir_name))
    path = f"{platform.dir_name}/{spec.binary_name}"
    contents = await Get(DigestContents, Digest, binary)
    try:
        linkage = read_linkage(contents[0].content)
    except NotElf:
        linkage = None
    return BuiltGoBinary(binary, path, platform, linkage)


def rules():
    return collect_rules()
