"""A go_cross_binary depends on its main package's target, a go_image on its binary, base and data.

Through the package targets' inferred imports, `--changed-since` and `dependents` see exactly the
binaries (and images) an edit reaches.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule

from pants.engine.addresses import Address, AddressInput
from pants.engine.internals.selectors import MultiGet

from go_oci.target_types import (
    BUILTIN_BASES,
    GoCrossBinaryDependenciesField,
    GoImageBaseField,
    GoImageBinaryField,
    GoImageDataField,
    GoImageDependenciesField,
    GoMainField,
)
from go_oci.util_rules.modules import GoBuildContext, GoBuildContextRequest
from go_oci.go.package_targets import GoModulePackages, GoModulePackagesRequest


@dataclass(frozen=True)
class GoCrossBinaryDependenciesInferenceFieldSet(FieldSet):
    required_fields = (GoCrossBinaryDependenciesField, GoMainField)

    dependencies: GoCrossBinaryDependenciesField
    main: GoMainField


class InferGoCrossBinaryDependencies(InferDependenciesRequest):
    infer_from = GoCrossBinaryDependenciesInferenceFieldSet


@rule(desc="Infer go_cross_binary dependencies")
async def infer_go_cross_binary_dependencies(request: InferGoCrossBinaryDependencies) -> InferredDependencies:
    address = request.field_set.address
    main_dir = os.path.normpath(os.path.join(address.spec_path, request.field_set.main.value or "."))
    main_dir = "" if main_dir == "." else main_dir
    context = await Get(GoBuildContext, GoBuildContextRequest(main_dir, f"the `main` of {address}"))
    module = context.module_for_dir(main_dir)
    assert module is not None
    packages = await Get(GoModulePackages, GoModulePackagesRequest(module.address))
    main = next((p for p in packages.first_party if p.dir == main_dir), None)
    # No package there: the build says what is wrong with `main`, with the fix.
    if main is None:
        return InferredDependencies([])
    return InferredDependencies([module.address.create_generated(main.generated_name(module.dir))])


@dataclass(frozen=True)
class GoImageDependenciesInferenceFieldSet(FieldSet):
    required_fields = (GoImageDependenciesField, GoImageBinaryField)

    dependencies: GoImageDependenciesField
    binary: GoImageBinaryField
    base: GoImageBaseField
    data: GoImageDataField


class InferGoImageDependencies(InferDependenciesRequest):
    infer_from = GoImageDependenciesInferenceFieldSet


@rule(desc="Infer go_image dependencies")
async def infer_go_image_dependencies(request: InferGoImageDependencies) -> InferredDependencies:
    field_set = request.field_set
    address = field_set.address
    specs = [(field_set.binary.value, "binary"), *((d, "data") for d in field_set.data.value or ())]
    if field_set.base.value not in BUILTIN_BASES:
        specs.append((field_set.base.value, "base"))
    addresses = await MultiGet(
        Get(
            Address,
            AddressInput,
            AddressInput.parse(spec, relative_to=address.spec_path, description_of_origin=f"the `{field}` field of {address}"),
        )
        for spec, field in specs
    )
    return InferredDependencies(addresses)


def rules():
    return [
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferGoCrossBinaryDependencies),
        UnionRule(InferDependenciesRequest, InferGoImageDependencies),
    ]
