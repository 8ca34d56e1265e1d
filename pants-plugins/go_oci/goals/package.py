from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.fs import AddPrefix, Digest, MergeDigests
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoCrossBinaryFieldSet
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest, GoBinarySpec
from go_oci.util_rules.sdk import GoTargetPairs


@dataclass(frozen=True)
class GoCrossBinaryPackageFieldSet(GoCrossBinaryFieldSet, PackageFieldSet):
    pass


@dataclass(frozen=True)
class BuiltGoCrossBinary:
    spec: GoBinarySpec
    binaries: tuple[BuiltGoBinary, ...]


@rule
async def go_binary_spec(field_set: GoCrossBinaryFieldSet, pairs: GoTargetPairs, go_oci: GoOciSubsystem) -> GoBinarySpec:
    return GoBinarySpec.from_field_set(field_set, pairs, go_oci)


@rule(desc="Build a go_cross_binary for each platform", level=LogLevel.DEBUG)
async def build_go_cross_binary(field_set: GoCrossBinaryFieldSet) -> BuiltGoCrossBinary:
    spec = await Get(GoBinarySpec, GoCrossBinaryFieldSet, field_set)
    # The platforms build in parallel (each is many processes: analysis, compiles, link).
    binaries = await MultiGet(Get(BuiltGoBinary, GoBinaryBuildRequest(spec, p)) for p in spec.platforms)
    return BuiltGoCrossBinary(spec, binaries)


@rule(desc="Package a go_cross_binary", level=LogLevel.DEBUG)
async def package_go_cross_binary(field_set: GoCrossBinaryPackageFieldSet) -> BuiltPackage:
    built = await Get(BuiltGoCrossBinary, GoCrossBinaryFieldSet, GoCrossBinaryFieldSet.of(field_set))
    output_dir = field_set.output_path.value_or_default(file_ending=None)
    merged = await Get(Digest, MergeDigests(b.digest for b in built.binaries))
    digest = await Get(Digest, AddPrefix(merged, output_dir))
    return BuiltPackage(
        digest,
        tuple(BuiltPackageArtifact(f"{output_dir}/{b.path}") for b in built.binaries),
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, GoCrossBinaryPackageFieldSet),
    ]
