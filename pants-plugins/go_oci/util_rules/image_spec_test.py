"""A go_image's spec, read from its fields and the targets they name by the real rule (no Go process:
the SDK's platform pairs are given), and the one message for each field that contradicts them."""

from __future__ import annotations

import pytest
from pants.core.target_types import FilesGeneratorTarget, ResourceTarget
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import QueryRule, rule
from pants.engine.target import InvalidFieldException
from pants.testutil.rule_runner import RuleRunner
from pants.util.frozendict import FrozenDict

from go_oci.goals.package import go_binary_spec
from go_oci.platforms import Platform
from go_oci.register import target_types
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoImageFieldSet
from go_oci.util_rules import image_spec
from go_oci.util_rules.image_spec import GoImageSpec
from go_oci.util_rules.sdk import GoTargetPairs

BINARIES = """\
go_module(name="mod")
go_cross_binary(name="bin", platforms=["linux/amd64", "linux/arm64"], x_defs={"main.version": "1.4.2"})
go_cross_binary(name="plan9", platforms=["linux/arm64", "plan9/amd64"])
files(name="assets", sources=["static/*"])
resource(name="config", source="config.yaml")
oci_pull(name="distroless", image="registry.example/distroless", digest="sha256:%s")
""" % ("0" * 64)


@rule
async def go_target_pairs() -> GoTargetPairs:
    return GoTargetPairs(("linux/amd64", "linux/arm64", "linux/arm", "plan9/amd64"))


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *image_spec.rules(),
            go_binary_spec,
            *GoOciSubsystem.rules(),
            go_target_pairs,
            QueryRule(GoImageSpec, [GoImageFieldSet]),
        ],
        target_types=[*target_types(), FilesGeneratorTarget, ResourceTarget],
    )


def _spec(rule_runner: RuleRunner, image: str, name: str = "img") -> GoImageSpec:
    rule_runner.write_files(
        {
            "svc/BUILD": f"{BINARIES}{image}\n",
            "svc/go.mod": "module example.com/svc\n",
            "svc/static/index.html": "<h1/>\n",
            "svc/config.yaml": "a: 1\n",
        }
    )
    target = rule_runner.get_target(Address("svc", target_name=name))
    return rule_runner.request(GoImageSpec, [GoImageFieldSet.create(target)])


def test_defaults(rule_runner: RuleRunner) -> None:
    spec = _spec(rule_runner, 'go_image(name="img", binary=":bin")')
    assert spec.address == Address("svc", target_name="img")
    assert spec.binary.address == Address("svc", target_name="bin")
    assert (spec.base_name, spec.pulled_base) == ("static", None)
    assert spec.platforms == (Platform("linux", "amd64"), Platform("linux", "arm64"))
    assert (spec.binary_path, spec.entrypoint, spec.cmd) == ("/app/svc", ("/app/svc",), ())
    assert (spec.user, spec.workdir, spec.data_dir) == ("65532:65532", "/", "/app/data")
    assert (spec.env, spec.exposed_ports, spec.labels, spec.annotations, spec.data) == ((), (), FrozenDict(), FrozenDict(), ())
    assert (spec.repository, spec.tags, spec.registries) == ("img", ("latest",), None)
    assert (spec.skip_push, spec.sbom, spec.created, spec.version) == (False, True, "1970-01-01T00:00:00Z", "1.4.2")


def test_every_field(rule_runner: RuleRunner) -> None:
    spec = _spec(
        rule_runner,
        """go_image(
            name="img", binary=":bin", base=":distroless", platforms=["linux/arm64"], binary_path="/srv/server",
            args=["--addr=:8080"], env={"Z": "1", "A": "2"}, user="nonroot", workdir="/srv", exposed_ports=["53/udp"],
            labels={"team": "x"}, annotations={"org.example.a": "b"}, data=[":assets", ":config"], data_dir="/srv/data",
            repository="acme/svc", tags=["v{version}", "stable"], registries=["@internal"], skip_push=True,
            sbom=False, created="2024-01-02T03:04:05Z",
        )""",
    )
    assert (spec.base_name, spec.pulled_base) == (":distroless", Address("svc", target_name="distroless"))
    assert spec.platforms == (Platform("linux", "arm64"),)
    assert (spec.binary_path, spec.entrypoint, spec.cmd) == ("/srv/server", ("/srv/server",), ("--addr=:8080",))
    assert spec.env == ("A=2", "Z=1")  # by name, as the config lists them
    assert (spec.user, spec.workdir, spec.exposed_ports) == ("nonroot", "/srv", ("53/udp",))
    assert (dict(spec.labels), dict(spec.annotations)) == ({"team": "x"}, {"org.example.a": "b"})
    assert [(f.address.target_name, f.value) for f in spec.data] == [("assets", ("static/*",)), ("config", "config.yaml")]
    assert (spec.repository, spec.tags, spec.registries) == ("acme/svc", ("v1.4.2", "stable"), ("@internal",))
    assert (spec.skip_push, spec.sbom, spec.created) == (True, False, "2024-01-02T03:04:05Z")


def test_an_empty_entrypoint_stays_empty(rule_runner: RuleRunner) -> None:
    assert _spec(rule_runner, 'go_image(name="img", binary=":bin", entrypoint=[])').entrypoint == ()


# Each: the go_image, then the one message (target, field, what is wrong, the fix).
ERRORS = {
    "binary_not_go_cross_binary": (
        'go_image(name="img", binary=":mod")',
        "svc:img: invalid `binary`: svc:mod is a `go_module`; it must be a `go_cross_binary`.",
    ),
    "platform_not_built": (
        'go_image(name="img", binary=":bin", platforms=["linux/arm/v7"])',
        "svc:img: invalid `platforms`: linux/arm/v7 not built by the binary svc:bin (it builds linux/amd64, "
        "linux/arm64). Add them to its `platforms`, or drop them here.",
    ),
    "platform_unknown_to_go": (
        'go_image(name="img", binary=":bin", platforms=["linux/sparc"])',
        "svc:img: invalid `platforms`: 'linux/sparc': the Go SDK cannot build for linux/sparc.",
    ),
    "binary_not_linux": (
        'go_image(name="img", binary=":plan9")',
        "svc:img: invalid `platforms`: by default the binary's, and svc:plan9 builds plan9/amd64: images hold Linux "
        "binaries only. Set this go_image's `platforms` to the binary's Linux ones, ['linux/arm64'].",
    ),
    "data_not_files": (
        'go_image(name="img", binary=":bin", data=[":bin"])',
        "svc:img: invalid `data`: svc:bin is a `go_cross_binary`; `data` takes `files`, `file`, `resources` or "
        "`resource` targets.",
    ),
    "unknown_base": (
        'go_image(name="img", binary=":bin", base="ubuntu")',
        "svc:img: invalid `base`: 'ubuntu': use 'static', 'scratch' or the address of an oci_pull target.",
    ),
    "base_not_oci_pull": (
        'go_image(name="img", binary=":bin", base=":assets")',
        "svc:img: invalid `base`: svc:assets is a `files`; use 'static', 'scratch' or the address of an oci_pull target.",
    ),
    "default_repository": (
        'go_image(name="Img", binary=":bin")',
        "svc:Img: invalid `repository`: by default the target's name, and Invalid repository 'Img'",
    ),
    "tag_placeholder_unset": (
        'go_image(name="img", binary=":plan9", platforms=["linux/arm64"], tags=["{version}"])',
        "svc:img: invalid `tags`: '{version}' uses {version}, which svc:plan9 does not set",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_field_contradicts_another_target(rule_runner: RuleRunner, case: str) -> None:
    image, message = ERRORS[case]
    name = image.split('name="', 1)[1].split('"', 1)[0]
    with pytest.raises(ExecutionError) as e:
        _spec(rule_runner, image, name)
    (error,) = e.value.wrapped_exceptions
    assert isinstance(error, InvalidFieldException)
    assert message in str(error)
