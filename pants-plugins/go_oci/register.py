"""go_oci: hermetic, cross-compiled Go binaries and OCI images for Pants."""

from pants.backend.python.util_rules import pex

from go_oci.goals import package, run, tailor
from go_oci.target_types import GoCrossBinaryTarget, GoModuleTarget
from go_oci.util_rules import build, cgo, dependencies, modules, sdk


def rules():
    return [
        # The wheel source of the Go SDK is resolved with pex, whether or not the Python backend is on.
        *pex.rules(),
        *sdk.rules(),
        *modules.rules(),
        *cgo.rules(),
        *build.rules(),
        *dependencies.rules(),
        *package.rules(),
        *run.rules(),
        *tailor.rules(),
    ]


def target_types():
    return [GoModuleTarget, GoCrossBinaryTarget]
