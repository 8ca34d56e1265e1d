"""Field parsing and the errors a user sees for malformed go_cross_binary fields."""

import pytest

from go_oci.register import target_types
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoCrossBinaryFieldSet
from go_oci.util_rules.build import GoBinarySpec, GoBuildError
from go_oci.util_rules.sdk import GoTargetPairs
from pants.engine.addresses import Address
from pants.testutil.option_util import create_subsystem
from pants.testutil.rule_runner import RuleRunner

PAIRS = GoTargetPairs(("linux/amd64", "linux/arm64", "linux/arm", "darwin/arm64"))
GO_OCI = create_subsystem(GoOciSubsystem, default_platforms=["linux/amd64", "linux/arm64"])


def _spec(build_file: str, name: str = "bin") -> GoBinarySpec:
    rule_runner = RuleRunner(target_types=target_types())
    rule_runner.write_files({"svc/BUILD": build_file})
    target = rule_runner.get_target(Address("svc", target_name=name))
    return GoBinarySpec.from_field_set(GoCrossBinaryFieldSet.create(target), PAIRS, GO_OCI)


def test_defaults():
    spec = _spec('go_cross_binary(name="bin")')
    assert spec.main_dir == "svc"
    assert spec.binary_name == "svc"
    assert [str(p) for p in spec.platforms] == ["linux/amd64", "linux/arm64"]
    assert spec.strip and not spec.cgo
    assert dict(spec.x_defs) == {}


def test_all_fields():
    spec = _spec(
        """go_cross_binary(
            name="bin",
            main="./cmd/server",
            platforms=["linux/arm/v7", "linux/amd64"],
            binary_name="srv",
            x_defs={"main.version": "1.4.2"},
            ldflags=["-extldflags=-static"],
            gcflags=["-B"],
            asmflags=["-spectre=all"],
            tags=["netgo", "premium"],
            strip=False,
            env={"GOAMD64": "v3"},
        )"""
    )
    assert spec.main_dir == "svc/cmd/server"
    assert spec.binary_name == "srv"
    assert [str(p) for p in spec.platforms] == ["linux/amd64", "linux/arm/v7"]
    assert dict(spec.x_defs) == {"main.version": "1.4.2"}
    assert spec.ldflags == ("-extldflags=-static",) and spec.gcflags == ("-B",) and spec.asmflags == ("-spectre=all",)
    assert spec.tags == ("netgo", "premium")
    assert not spec.strip
    assert dict(spec.env) == {"GOAMD64": "v3"}


@pytest.mark.parametrize(
    "build_file, message",
    [
        (
            'go_cross_binary(name="bin", platforms=["linux/sparc"])',
            "svc:bin: invalid `platforms` entry 'linux/sparc': the Go SDK cannot build for linux/sparc. It supports "
            "(`go tool dist list`): darwin/arm64, linux/amd64, linux/arm, linux/arm64",
        ),
        ('go_cross_binary(name="bin", platforms=["amd64"])', "write it as os/arch or os/arch/variant"),
        ('go_cross_binary(name="bin", platforms=[])', "svc:bin: `platforms` is empty"),
        (
            'go_cross_binary(name="bin", env={"GOOS": "windows", "HOME": "/root"})',
            "svc:bin: `env` may only set Go code-generation variables",
        ),
        (
            'go_cross_binary(name="bin", platforms=["linux/amd64/v3"], env={"GOAMD64": "v2"})',
            "svc:bin: platform linux/amd64/v3 already sets GOAMD64; remove it from `env`.",
        ),
        ('go_cross_binary(name="bin", main="../../outside")', "points outside the build root"),
    ],
)
def test_field_errors(build_file, message):
    with pytest.raises(GoBuildError) as e:
        _spec(build_file)
    assert message in str(e.value)
    if "`env`" in message and "code-generation" in message:
        assert "remove GOOS, HOME" in str(e.value)
