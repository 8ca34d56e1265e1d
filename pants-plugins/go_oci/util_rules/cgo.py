"""The host C compiler for cgo builds: the one non-hermetic input, so its identity is keyed explicitly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BinaryPath, BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, collect_rules, rule

from go_oci.subsystems.go_oci import GoOciSubsystem


class CgoCompilerNotFound(Exception):
    pass


@dataclass(frozen=True)
class CCompilerRequest:
    address: Address  # for the error message only


@dataclass(frozen=True)
class CCompilerIdentity:
    path: str
    identity: str  # sha256 of the compiler's `--version` output and path


@rule(desc="Find the C compiler for cgo")
async def find_c_compiler(request: CCompilerRequest, go_oci: GoOciSubsystem) -> CCompilerIdentity:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["PATH"]))
    paths = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name=go_oci.cc,
            search_path=tuple((env.get("PATH") or "/usr/bin:/bin").split(":")),
            test=BinaryPathTest(args=["--version"], fingerprint_stdout=True),
        ),
    )
    first: BinaryPath | None = paths.first_path
    if first is None:
        raise CgoCompilerNotFound(
            f"{request.address}: `cgo=True` needs a C compiler, and `{go_oci.cc}` ([go-oci].cc) is not on the "
            "PATH. Install one (e.g. `apt-get install gcc`), or set `cgo=False`."
        )
    identity = hashlib.sha256(f"{first.path}\0{first.fingerprint}".encode()).hexdigest()
    return CCompilerIdentity(first.path, identity)


def rules():
    return collect_rules()
