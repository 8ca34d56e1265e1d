"""A go_cross_binary depends on the go_module(s) it builds from, so `--changed-since` and `peek` see them."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule

from go_oci.target_types import GoCrossBinaryDependenciesField, GoMainField
from go_oci.util_rules.modules import GoBuildContext, GoBuildContextRequest


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
    context = await Get(
        GoBuildContext, GoBuildContextRequest("" if main_dir == "." else main_dir, f"the `main` of {address}")
    )
    return InferredDependencies(m.address for m in context.modules)


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferGoCrossBinaryDependencies)]
