"""Compile one Go package for one platform in its own cached process.

Its inputs are the package's files, an importcfg naming its direct imports, those imports' export data
and the SDK (an immutable input), so an edit re-runs only that package, and its dependents only when
its export data (its API, and the bodies it lets them inline) changes. The compiler writes the export
data and the linker's object to two files (`-linkobj`, as rules_go does); the tool arguments are
otherwise the ones `go build -trimpath` passes (cmd/go/internal/work/gc.go), so the linked binary is
byte for byte the one go would build.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from pants.engine.fs import (
    EMPTY_DIGEST,
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.cover import cover_pkgcfg, cover_var, covered_files
from go_oci.go.importcfg import compile_importcfg, embedcfg, import_files
from go_oci.go.package import OBJ_DIR, TESTMAIN_DIR, GoPackage, archive_path, export_path
from go_oci.util_rules.sdk import SANDBOX, SDK_DIR, GoCover, GoProcess, script_line

# The compiler's backend concurrency (`-c`), fixed so the argv is the same on every machine; the output
# does not depend on it.
_CONCURRENCY = "-c=2"

_DEFAULTS = {
    "GO386": "sse2", "GOAMD64": "v1", "GOARM": "7", "GOARM64": "v8.0", "GOMIPS": "hardfloat",
    "GOMIPS64": "hardfloat", "GOPPC64": "power8", "GORISCV64": "rva20u64",
}


def _setting(env: Mapping[str, str], name: str) -> str:
    return env.get(name) or _DEFAULTS[name]


def asm_defines(env: Mapping[str, str]) -> list[str]:
    """The -D flags go gives the assembler for the target's variant (cmd/go/internal/work/gc.go asmArgs)."""
    arch = env["GOARCH"]
    defines: list[str] = []
    if arch == "386":
        defines.append(f"GO386_{_setting(env, 'GO386')}")
    elif arch == "amd64":
        defines.append(f"GOAMD64_{_setting(env, 'GOAMD64')}")
    elif arch in ("mips", "mipsle"):
        defines.append(f"GOMIPS_{_setting(env, 'GOMIPS')}")
    elif arch in ("mips64", "mips64le"):
        defines.append(f"GOMIPS64_{_setting(env, 'GOMIPS64')}")
    elif arch in ("ppc64", "ppc64le"):
        levels = {"power10": ["power10", "power9", "power8"], "power9": ["power9", "power8"]}
        defines += [f"GOPPC64_{v}" for v in levels.get(_setting(env, "GOPPC64"), ["power8"])]
    elif arch == "riscv64":
        defines.append(f"GORISCV64_{_setting(env, 'GORISCV64')}")
    elif arch == "arm":
        goarm = _setting(env, "GOARM")
        versions = ["7", "6", "5"] if "7" in goarm else ["6", "5"] if "6" in goarm else ["5"]
        defines += [f"GOARM_{v}" for v in versions]
    elif arch == "arm64":
        goarm64 = _setting(env, "GOARM64")
        version, _, options = goarm64.partition(",")
        if "lse" in options.split(",") or version not in ("v8.0", "v8"):
            defines.append("GOARM64_LSE")
    return [arg for d in defines for arg in ("-D", d)]


_LANG = re.compile(r"(\d+)(?:\.(\d+))?")


def _language(version: str) -> tuple[int, int]:
    """A Go version's language part, as gover.Lang reads it: `1.21rc1` and `1.21.4` are both (1, 21)."""
    match = _LANG.match(version)
    if match is None:
        raise ValueError(f"not a Go version: {version!r}")
    return int(match.group(1)), int(match.group(2) or 0)


def lang_version(package: GoPackage, sdk_version: str) -> str:
    """`-lang`: the module's go.mod `go` version (1.16 if none), capped at the SDK's, as major.minor."""
    language = _language(sdk_version)
    if package.module is not None:
        language = min(language, _language(package.module.go_version or "1.16"))
    return f"go{language[0]}.{language[1]}"


def source_dir(package: GoPackage) -> str:
    """A standard package's sources are in the SDK mounted at SDK_DIR; others were copied in at `dir`."""
    return f"{SDK_DIR}/src/{package.import_path}" if package.standard else package.dir


def in_sandbox(relpath: str) -> str:
    """The absolute form of `relpath`; `$root/.` for the sandbox itself, whose files are named `$root/./f`.

    -trimpath rewrites a prefix only where a `/` follows it, and never an empty one: a remote worker's
    sandbox may be `/` (`$root` empty), and `/.` is still a prefix of `/./f`.
    """
    return f"{SANDBOX}/{relpath}" if relpath else f"{SANDBOX}/."


def trimpath(package: GoPackage) -> str:
    return f"{in_sandbox(source_dir(package))}=>{package.trimmed_dir};{SANDBOX}/{OBJ_DIR}=>"


@dataclass(frozen=True)
class ToolFlags:
    gcflags: tuple[str, ...] = ()
    asmflags: tuple[str, ...] = ()


_COVER_DIR = "__cover"
_PKGCFG = f"{OBJ_DIR}/pkgcfg.txt"
_COVER_OUTFILES = f"{OBJ_DIR}/coveroutfiles.txt"
_COVERAGECFG = f"{OBJ_DIR}/coveragecfg"


def _instrumented(name: str) -> str:
    return f"{OBJ_DIR}/{name[: -len('.go')]}.cover.go"


def cover_step(package: GoPackage, mode: str) -> list[str]:
    """The cover run `go test -cover` starts before compiling the package: it writes `covervars.go`, then
    an instrumented copy of each file, and the `coveragecfg`."""
    src = source_dir(package)
    return [
        f"{SANDBOX}/{_COVER_DIR}/{GoCover.exe}", "-pkgcfg", _PKGCFG, "-mode", mode, "-var",
        cover_var(package.import_path), "-outfilelist", _COVER_OUTFILES,
        *(f"{in_sandbox(src)}/{f}" for f in covered_files(package)),
    ]


def cover_config_files(package: GoPackage) -> list[FileContent]:
    """What the cover step reads: its package config, and the files to write (covervars.go first)."""
    outputs = [f"{OBJ_DIR}/covervars.go", *(_instrumented(f) for f in covered_files(package))]
    return [
        FileContent(_PKGCFG, cover_pkgcfg(package, _COVERAGECFG).encode()),
        FileContent(_COVER_OUTFILES, "".join(f"{o}\n" for o in outputs).encode()),
    ]


def compile_steps(
    package: GoPackage, env: Mapping[str, str], sdk_version: str, flags: ToolFlags, covered: bool = False
) -> list[list[str]]:
    """The tool runs (`compile …`, `asm …`) that build the package's export data and archive, as `go
    build -trimpath` runs them; `covered`: from the files `cover_step` wrote, as `go test -cover` does."""
    src = source_dir(package)
    std = ["-std"] if package.standard else []
    asm = [
        "asm", "-p", package.link_path, "-trimpath", trimpath(package),
        "-I", f"{SANDBOX}/{OBJ_DIR}/", "-I", f"{SANDBOX}/{SDK_DIR}/pkg/include",
        "-D", f"GOOS_{env['GOOS']}", "-D", f"GOARCH_{env['GOARCH']}", *flags.asmflags, *std, *asm_defines(env),
    ]
    s_files = [f"{in_sandbox(src)}/{f}" for f in package.s_files]
    steps: list[list[str]] = []
    if s_files:
        steps.append([*asm, "-gensymabis", "-o", f"{OBJ_DIR}/symabis", *s_files])
    gc = [
        "compile", "-o", export_path(package.import_path), "-linkobj", archive_path(package.import_path), "-trimpath", trimpath(package), "-p", package.link_path,
        f"-lang={lang_version(package, sdk_version)}", *std,
    ]
    if package.complete:
        gc.append("-complete")
    if env["GOOS"] == "plan9" or env["GOARCH"] == "wasm" or package.dir == TESTMAIN_DIR:
        gc.append("-dwarf=false")  # as go: no DWARF where the linker keeps none (a test main's -s -w too)
    gc += ["-goversion", f"go{sdk_version}"]
    if covered:
        gc.append(f"-coveragecfg={_COVERAGECFG}")
    if s_files:
        gc += ["-symabis", f"{OBJ_DIR}/symabis"]
    gc += [_CONCURRENCY, *flags.gcflags, "-nolocalimports", "-importcfg", f"{OBJ_DIR}/importcfg"]
    if package.embed_files:
        gc += ["-embedcfg", f"{OBJ_DIR}/embedcfg"]
    gc.append("-pack")
    if s_files:
        gc += ["-asmhdr", f"{OBJ_DIR}/go_asm.h"]
    instrumented = set(covered_files(package)) if covered else set()
    if covered:
        gc.append(f"{OBJ_DIR}/covervars.go")
    # The compiler makes a relative name absolute and clean (`/f.go` in a sandbox at `/`), which no
    # -trimpath prefix of the sandbox itself matches: a package's files are named as its prefix is.
    gc += [_instrumented(f) if f in instrumented else f"{src}/{f}" if src else f"{in_sandbox(src)}/{f}" for f in package.go_files]
    steps.append(gc)
    for s_file, name in zip(s_files, package.s_files):
        steps.append([*asm, "-o", f"{OBJ_DIR}/{name[: -len('.s')]}.o", s_file])
    return steps


def object_files(package: GoPackage) -> list[str]:
    """The files `go build` appends to the compiler's archive (`go tool pack r`): assembled objects,
    then .syso files, in the sandbox."""
    src = source_dir(package)
    return [
        *(f"{OBJ_DIR}/{name[: -len('.s')]}.o" for name in package.s_files),
        *(f"{src}/{f}" if src else f for f in package.syso_files),
    ]


def pack(archive: bytes, members: list[tuple[str, bytes]]) -> bytes:
    """cmd/go/internal/work/gc.go packInternal: ar members appended to the compiler's archive.

    go does this in-process (there is no pack tool in the SDK), so it is done here, where the bytes are.
    """
    out = bytearray(archive)
    for path, content in members:
        name = os.path.basename(path).encode()[:16].ljust(16, b" ")
        out += name + f"{0:<12d}{0:<6d}{0:<6d}{0o644:<8o}{len(content):<10d}`\n".encode() + content
        if len(content) % 2:
            out += b"\0"
    return bytes(out)


def tool_script(steps: list[list[str]]) -> str:
    return "".join(script_line(["tool", *step]) for step in steps)


@dataclass(frozen=True)
class GoCompileRequest:
    package: GoPackage
    env: FrozenDict[str, str]  # GOOS, GOARCH and the platform's code-generation variables
    platform: str  # for the description only
    sdk_version: str
    sources: Digest  # the package's files at their sandbox paths (empty for a standard package)
    dependencies: tuple["GoCompileRequest", ...]  # the direct imports compiled by this rule
    prebuilt: Digest  # archives of the other direct imports (the batched standard library), `__pkg/…`
    flags: ToolFlags = ToolFlags()
    # `go test -cover`'s instrumentation: set, count or atomic for the package under test, `testmain`
    # for the test main; "" for none.
    cover_mode: str = ""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A package graph shares sub-requests; hashing each level anew would walk every path of the DAG.
        object.__setattr__(
            self,
            "_hash",
            hash((self.package, self.env, self.platform, self.sdk_version, self.sources, self.dependencies,
                  self.prebuilt, self.flags, self.cover_mode)),
        )

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class CompiledGoPackage:
    """The archive at `__pkg/<import path>.a` and the export data at `__pkg/<import path>.x`, or why
    the package (or a dependency) failed to compile."""

    import_path: str
    digest: Digest | None  # the archive, for the linker
    export: Digest | None = None  # the export data, for the compiles of its dependents
    failure: str = ""  # the compiler's message; names the failing package


async def import_inputs(package: GoPackage, compiled: Sequence[CompiledGoPackage], prebuilt: Digest) -> Digest:
    """The files `import_files` names for `package`: the export data of its imports in `compiled`, and the
    archives of the others (the standard library's) out of `prebuilt`."""
    own = {c.import_path for c in compiled}
    prebuilt_paths = [path for dep, path in import_files(package, own).items() if dep not in own]
    archives = (
        await Get(Digest, DigestSubset(prebuilt, PathGlobs(prebuilt_paths))) if prebuilt_paths else EMPTY_DIGEST
    )
    return await Get(Digest, MergeDigests([archives, *(c.export for c in compiled if c.export)]))


@rule(desc="Compile a Go package", level=LogLevel.DEBUG)
async def compile_go_package(request: GoCompileRequest, cover: GoCover) -> CompiledGoPackage:
    package = request.package
    compiled = await MultiGet(Get(CompiledGoPackage, GoCompileRequest, d) for d in request.dependencies)
    failed = next((c for c in compiled if c.digest is None), None)
    if failed is not None:
        return CompiledGoPackage(package.import_path, None, failure=failed.failure)
    own = {d.package.import_path for d in request.dependencies}
    files = [FileContent(f"{OBJ_DIR}/importcfg", compile_importcfg(package, own).encode())]
    if package.embed_files:
        files.append(FileContent(f"{OBJ_DIR}/embedcfg", embedcfg(package).encode()))
    if package.s_files:
        # As go does: -gensymabis needs a go_asm.h to include, and its parse is lax enough for an empty one.
        files.append(FileContent(f"{OBJ_DIR}/go_asm.h", b""))
    # As go does, a package with nothing but tests is compiled as it is.
    covered = bool(request.cover_mode and covered_files(package))
    if covered:
        files += cover_config_files(package)
    config = await Get(Digest, CreateDigest(files))
    tool = await Get(Digest, AddPrefix(cover.digest, _COVER_DIR)) if covered else EMPTY_DIGEST
    imports = await import_inputs(package, compiled, request.prebuilt)
    inputs = await Get(Digest, MergeDigests([request.sources, config, imports, tool]))
    steps = compile_steps(package, request.env, request.sdk_version, request.flags, covered)
    script = script_line(cover_step(package, request.cover_mode)) if covered else ""
    objects = object_files(package)
    assembled = [o for o in objects if o.startswith(f"{OBJ_DIR}/")]
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            (),
            f"Compile {package.import_path} for {request.platform}{' with coverage' if covered else ''}",
            inputs,
            env=request.env,
            output_files=(archive_path(package.import_path), export_path(package.import_path), *assembled),
            level=LogLevel.INFO,
            script=script + tool_script(steps),
        ),
    )
    if result.exit_code != 0:
        message = (result.stderr.decode() + result.stdout.decode()).strip()
        return CompiledGoPackage(package.import_path, None, failure=f"# {package.import_path}\n{message}")
    export = await Get(Digest, DigestSubset(result.output_digest, PathGlobs([export_path(package.import_path)])))
    if not objects:
        archive = await Get(Digest, DigestSubset(result.output_digest, PathGlobs([archive_path(package.import_path)])))
        return CompiledGoPackage(package.import_path, archive, export)
    outputs, syso = await MultiGet(
        Get(DigestContents, Digest, result.output_digest),
        Get(DigestContents, DigestSubset(request.sources, PathGlobs([o for o in objects if o not in assembled]))),
    )
    content = {f.path: f.content for f in (*outputs, *syso)}
    packed = pack(content[archive_path(package.import_path)], [(o, content[o]) for o in objects])
    archive = await Get(Digest, CreateDigest([FileContent(archive_path(package.import_path), packed)]))
    return CompiledGoPackage(package.import_path, archive, export)


def rules():
    return collect_rules()
