"""go_oci: hermetic, cross-compiled Go binaries and OCI images for Pants."""

from pants.backend.python.subsystems.repos import PythonRepos
from pants.backend.python.util_rules import pex_cli

from go_oci.go import analysis, compile, cover, gotest, graph, link, package_targets, stdlib, vet
from go_oci.go.lint import gofmt
from go_oci.goals import package, package_image, publish_image, run, run_image, tailor
from go_oci.target_types import (
    GoCrossBinaryTarget,
    GoImageTarget,
    GoModuleTarget,
    GoPackageTarget,
    GoThirdPartyPackageTarget,
    OciPullTarget,
)
from go_oci.util_rules import bases, build, cgo, dependencies, image, image_spec, layers, modules, sdk, wheels


def rules():
    return [
        # Wheels (the Go SDK, certifi, tzdata) are fetched with Pants' pex tool, Python backend or not.
        *pex_cli.rules(),
        *PythonRepos.rules(),
        *wheels.rules(),
        *sdk.rules(),
        *modules.rules(),
        *package_targets.rules(),
        *cgo.rules(),
        *analysis.rules(),
        *stdlib.rules(),
        *compile.rules(),
        *graph.rules(),
        *gotest.rules(),
        *cover.rules(),
        *vet.rules(),
        *link.rules(),
        *build.rules(),
        *dependencies.rules(),
        *package.rules(),
        *run.rules(),
        *layers.rules(),
        *bases.rules(),
        *image_spec.rules(),
        *image.rules(),
        *package_image.rules(),
        *run_image.rules(),
        *publish_image.rules(),
        *tailor.rules(),
        *gofmt.rules(),
    ]


def target_types():
    return [
        GoModuleTarget,
        GoPackageTarget,
        GoThirdPartyPackageTarget,
        GoCrossBinaryTarget,
        GoImageTarget,
        OciPullTarget,
    ]
