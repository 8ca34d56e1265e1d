from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.platform import Platform as HostPlatform
from pants.engine.rules import Get, collect_rules, rule

from go_oci.platforms import Platform, host_go_platform
from go_oci.target_types import GoCrossBinaryFieldSet
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest, GoBinarySpec

@dataclass(frozen=True)
class GoCrossBinaryRunFieldSet(GoCrossBinaryFieldSet, RunFieldSet):
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC


@rule
async def run_go_cross_binary(field_set: GoCrossBinaryRunFieldSet, host: HostPlatform) -> RunRequest:
    spec = await Get(GoBinarySpec, GoCrossBinaryFieldSet, GoCrossBinaryFieldSet.of(field_set))
    # `run` is for the developer's machine: build for it whether or not `platforms` lists it.
    platform = Platform(*host_go_platform(host))
    binary = await Get(BuiltGoBinary, GoBinaryBuildRequest(dataclasses.replace(spec, platforms=(platform,)), platform))
    return RunRequest(digest=binary.digest, args=("{chroot}/" + binary.path,))


def rules():
    return [*collect_rules(), *GoCrossBinaryRunFieldSet.rules()]
