"""`pants check` for Go packages: `go vet`'s default analyzers on each package and its tests.

As `go vet` does, vet reads a package's files and its imports' export data (compiled for `go test`,
go/gotest.py), described in a vet.cfg; each package and its external `_test` package are one process.
Facts vet would learn from dependencies (`PackageVetx`) are not gathered: each package is checked on its
own, so a check that follows calls across packages (printf wrappers) sees only this package's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.core.util_rules.environments import EnvironmentField
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.fs import AddPrefix, CreateDigest, Digest, DigestSubset, FileContent, MergeDigests, PathGlobs
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, Target
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_oci.go.compile import CompiledGoPackage, import_inputs, lang_version
from go_oci.go.importcfg import import_files
from go_oci.go.gotest import CompiledGoTestPackages, GoTestPackagesRequest
from go_oci.go.package import GoPackage
from go_oci.subsystems.govet import GoVetSubsystem
from go_oci.target_types import GoImportPathField, GoPackageSourcesField, GoPackageTarget
from go_oci.util_rules.sdk import SANDBOX, GoProcess, GoSdk, GoVet, script_line, tool_message

_VET_DIR = "__vet"
_CONFIG = "__obj/vet.cfg"


@dataclass(frozen=True)
class GoVetFieldSet(FieldSet):
    required_fields = (GoPackageSourcesField, GoImportPathField)

    sources: GoPackageSourcesField
    import_path: GoImportPathField
    environment: EnvironmentField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return not isinstance(tgt, GoPackageTarget)


class GoVetRequest(CheckRequest):
    field_set_type = GoVetFieldSet
    tool_name = "go vet"


def vet_config(package: GoPackage, compiled_here: set[str], sdk_version: str) -> str:
    """cmd/go's vet.cfg (buildVetConfig) for `package`, with paths relative to the sandbox root."""
    raw = {resolved: written for written, resolved in package.import_map.items()}
    files = import_files(package, compiled_here)
    config = {
        "ID": package.import_path,
        "Compiler": "gc",
        "Dir": package.dir,
        "ImportPath": package.import_path,
        "GoFiles": [os.path.join(package.dir, f) for f in package.go_files],
        "NonGoFiles": [],
        "IgnoredFiles": [],
        "ImportMap": {raw.get(i, i): i for i in package.imports},
        "PackageFile": files,
        "Standard": {i: True for i in files if i not in compiled_here},
        "PackageVetx": {},
        "VetxOnly": False,
        "VetxOutput": "__obj/vet.out",
        "SucceedOnTypecheckFailure": False,
        "GoVersion": lang_version(package, sdk_version),
    }
    return json.dumps(config, indent="\t", sort_keys=True)


@dataclass(frozen=True)
class VetPackageRequest:
    package: GoPackage
    imports: Digest  # the export data and archives of its imports
    compiled_here: tuple[str, ...]  # imports read from export data files (not the standard library)
    sources: Digest
    description: str


@dataclass(frozen=True)
class VetFindings:
    exit_code: int
    output: str


@rule(desc="Vet a Go package", level=LogLevel.DEBUG)
async def vet_package(request: VetPackageRequest, vet: GoVet, sdk: GoSdk, subsystem: GoVetSubsystem) -> VetFindings:
    config, tool = await MultiGet(
        Get(
            Digest,
            CreateDigest(
                [FileContent(_CONFIG, vet_config(request.package, set(request.compiled_here), sdk.version).encode())]
            ),
        ),
        Get(Digest, AddPrefix(vet.digest, _VET_DIR)),
    )
    inputs = await Get(Digest, MergeDigests([config, tool, request.imports, request.sources]))
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            (),
            request.description,
            inputs,
            script=script_line((f"{SANDBOX}/{_VET_DIR}/{GoVet.exe}", *subsystem.args, _CONFIG)),
            level=LogLevel.INFO,
        ),
    )
    output = tool_message((result.stderr + result.stdout).decode(errors="replace")).strip()
    return VetFindings(result.exit_code, output)


@dataclass(frozen=True)
class VetTargetRequest:
    field_set: GoVetFieldSet


@rule(desc="Vet a Go package target", level=LogLevel.DEBUG)
async def vet_target(request: VetTargetRequest) -> CheckResult:
    field_set = request.field_set
    address = str(field_set.address)
    compiled, files = await MultiGet(
        Get(CompiledGoTestPackages, GoTestPackagesRequest(field_set.address)),
        Get(SourceFiles, SourceFilesRequest([field_set.sources])),
    )
    analysis, graph = compiled.analysis, compiled.graph
    if analysis is None or graph is None:
        return CheckResult(1, "", compiled.failure, partition_description=address)
    by_path: dict[str, CompiledGoPackage] = {c.import_path: c for c in graph.packages}
    # `go vet` vets the package with its tests compiled in, and its external `_test` package.
    vetted = [p for p in analysis.packages if analysis.under_test in (p.import_path, p.dir_import_path)]
    own_imports = [[by_path[i] for i in p.imports if i in by_path] for p in vetted]
    imports = [await import_inputs(p, own, graph.stdlib) for p, own in zip(vetted, own_imports)]
    sources = await MultiGet(
        Get(Digest, DigestSubset(files.snapshot.digest, PathGlobs([os.path.join(p.dir, f) for f in p.go_files])))
        for p in vetted
    )
    findings = await MultiGet(
        Get(
            VetFindings,
            VetPackageRequest(p, deps, tuple(c.import_path for c in own), srcs, f"Vet {p.import_path}"),
        )
        for p, deps, own, srcs in zip(vetted, imports, own_imports, sources)
    )
    output = "\n".join(f.output for f in findings if f.output)
    return CheckResult(
        max((f.exit_code for f in findings), default=0), "", f"{output}\n" if output else "", partition_description=address
    )


@rule(desc="Vet Go packages", level=LogLevel.DEBUG)
async def go_vet(request: GoVetRequest, subsystem: GoVetSubsystem) -> CheckResults:
    if subsystem.skip:
        return CheckResults([], checker_name=request.tool_name)
    results = await MultiGet(Get(CheckResult, VetTargetRequest(fs)) for fs in request.field_sets)
    # Only packages with something to say get a section of the report.
    reported = [r for r in results if r.exit_code != 0 or r.stderr]
    return CheckResults(reported or [CheckResult(0, "", "")], checker_name=request.tool_name)


def rules():
    return [*collect_rules(), UnionRule(CheckRequest, GoVetRequest)]
