"""Link a Go binary from compiled archives, as `go build -trimpath` links it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.analysis import GoBinaryAnalysis
from go_oci.go.compile import tool_script
from go_oci.go.importcfg import link_importcfg
from go_oci.go.package import OBJ_DIR, archive_path
from go_oci.util_rules.sdk import GoProcess

LINK_OUT_DIR = "__out"


def link_args(analysis: GoBinaryAnalysis, output: str, ldflags: tuple[str, ...]) -> list[str]:
    """cmd/go/internal/work/gc.go `ld`: the main package's GODEBUG defaults, then the user's flags."""
    main = analysis.packages[-1]
    args = ["link", "-o", output, "-importcfg", f"{OBJ_DIR}/importcfg.link"]
    if main.default_godebug:
        args.append(f"-X=runtime.godebugDefault={main.default_godebug}")
    return [*args, "-buildmode=exe", *ldflags, archive_path(main.import_path)]


@dataclass(frozen=True)
class GoLinkRequest:
    analysis: GoBinaryAnalysis
    archives: Digest  # `__pkg/<import path>.a` of every package of the analysis
    ldflags: tuple[str, ...]  # each item one argument (-buildid=, -s -w, -X …, the target's ldflags)
    binary_name: str
    env: FrozenDict[str, str]
    description: str


@dataclass(frozen=True)
class LinkedGoBinary:
    digest: Digest | None  # `__out/<binary_name>`
    stderr: str


@rule(desc="Link a Go binary", level=LogLevel.DEBUG)
async def link_go_binary(request: GoLinkRequest) -> LinkedGoBinary:
    config = await Get(
        Digest,
        CreateDigest(
            [FileContent(f"{OBJ_DIR}/importcfg.link", link_importcfg(request.analysis.packages, request.analysis.modinfo).encode())]
        ),
    )
    inputs = await Get(Digest, MergeDigests([config, request.archives]))
    output = f"{LINK_OUT_DIR}/{request.binary_name}"
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            (),
            request.description,
            inputs,
            # As go does with -trimpath: no GOROOT for the linker to record in the binary.
            env={**request.env, "GOROOT": ""},
            script=tool_script([link_args(request.analysis, output, request.ldflags)]),
            output_files=(output,),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        return LinkedGoBinary(None, result.stderr.decode())
    return LinkedGoBinary(result.output_digest, "")


def rules():
    return collect_rules()
