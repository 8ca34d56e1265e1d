"""gofmt in `pants fmt` and `pants lint`: the pinned SDK's gofmt over the Go files of first-party packages.

One `FmtTargetsRequest` serves both goals: `fmt` writes gofmt's output back, `lint` fails when it differs
from the files and names each one that does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.core.goals.fmt import FmtResult, FmtTargetsRequest, Partitions
from pants.core.util_rules.partitions import PartitionerType
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    SourcesPaths,
    SourcesPathsRequest,
    Target,
)
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize

from go_oci.go.package_targets import package_dir
from go_oci.subsystems.gofmt import GofmtSubsystem
from go_oci.target_types import GoPackageSourcesField, GoSkipGofmtField
from go_oci.util_rules.sdk import Gofmt, tool_message

_TOOL_DIR = "__gofmt"


class GofmtError(Exception):
    pass


@dataclass(frozen=True)
class GofmtFieldSet(FieldSet):
    # Third-party package targets own sources too but have no `skip_gofmt`: they never match.
    required_fields = (GoPackageSourcesField, GoSkipGofmtField)

    sources: GoPackageSourcesField
    skip_gofmt: GoSkipGofmtField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt[GoSkipGofmtField].value


class GofmtRequest(FmtTargetsRequest):
    field_set_type = GofmtFieldSet
    tool_subsystem = GofmtSubsystem
    partitioner_type = PartitionerType.CUSTOM


@rule
async def partition_gofmt(request: GofmtRequest.PartitionRequest, gofmt: GofmtSubsystem) -> Partitions:
    if gofmt.skip:
        return Partitions()
    paths = await MultiGet(Get(SourcesPaths, SourcesPathsRequest(fs.sources)) for fs in request.field_sets)
    # A package's Go files are those in its directory: what it owns below (testdata/, embedded files)
    # is data, even when named `.go`.
    files = sorted(
        f
        for fs, owned in zip(request.field_sets, paths)
        for f in owned.files
        if f.endswith(".go") and os.path.dirname(f) == package_dir(fs.address)
    )
    return Partitions.single_partition(files) if files else Partitions()


async def _explain_failure(files: tuple[str, ...], stderr: str) -> str:
    lines = stderr.splitlines()
    unparsed = [f for f in files if any(line.startswith(f"{f}:") for line in lines)]
    message = "\n".join(f"  {line}" for line in lines)
    if not unparsed:
        return f"gofmt failed:\n{message}\nCheck `[gofmt].args`."
    owners = await Get(Owners, OwnersRequest(tuple(unparsed)))
    return (
        f"gofmt cannot format {', '.join(sorted(str(a) for a in owners))}: "
        f"{'this file does' if len(unparsed) == 1 else 'these files do'} not parse:\n{message}\n"
        "Fix the syntax error, or set `skip_gofmt=True` on the `go_module` to leave its Go files unformatted."
    )


@rule(desc="Format with gofmt", level=LogLevel.DEBUG)
async def gofmt_fmt(request: GofmtRequest.Batch, gofmt: GofmtSubsystem, tool: Gofmt) -> FmtResult:
    result = await Get(
        FallibleProcessResult,
        Process(
            argv=(f"{_TOOL_DIR}/{Gofmt.exe}", "-l", "-w", *gofmt.checked_args(), *request.files),
            input_digest=request.snapshot.digest,
            immutable_input_digests={_TOOL_DIR: tool.digest},
            output_files=request.files,
            description=f"Run gofmt on {pluralize(len(request.files), 'file')}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise GofmtError(await _explain_failure(request.files, tool_message(result.stderr.decode()).strip()))
    return await FmtResult.create(request, result)


def rules():
    return [*collect_rules(), *GofmtRequest.rules()]
