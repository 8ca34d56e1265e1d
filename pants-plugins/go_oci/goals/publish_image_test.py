"""Where `pants publish` sends an image: its `registries`, or the defaults of [go-oci].registries."""

from __future__ import annotations

import dataclasses

import pytest
from pants.engine.addresses import Address
from pants.engine.target import InvalidFieldException
from pants.util.frozendict import FrozenDict

from go_oci.goals.publish_image import resolve_registries
from go_oci.platforms import Platform
from go_oci.subsystems.go_oci import Registries
from go_oci.util_rules.build import GoBinarySpec
from go_oci.util_rules.image_spec import GoImageSpec

REGISTRIES = Registries.parse(
    {"internal": {"address": "registry.example.com:5000", "default": True}, "ghcr": {"address": "ghcr.io/acme"}}
)
BINARY = GoBinarySpec(
    address=Address("svc", target_name="bin"), main_dir="svc", binary_name="bin", x_defs=FrozenDict(), ldflags=(),
    gcflags=(), asmflags=(), tags=(), strip=True, cgo=False, env=FrozenDict(), platforms=(Platform("linux", "amd64"),),
)
SPEC = GoImageSpec(
    address=Address("svc", target_name="img"), binary=BINARY, base_name="static", pulled_base=None,
    platforms=BINARY.platforms, binary_path="/app/bin", entrypoint=("/app/bin",), cmd=(), env=(), user="65532:65532",
    workdir="/", exposed_ports=(), labels=FrozenDict(), annotations=FrozenDict(), data=(), data_dir="/app/data",
    repository="img", tags=("latest",), registries=None, skip_push=False, sbom=True, created="1970-01-01T00:00:00Z",
)


def test_the_defaults_unless_the_image_names_its_registries() -> None:
    assert resolve_registries(SPEC, REGISTRIES) == ("registry.example.com:5000",)
    named = dataclasses.replace(SPEC, registries=("@ghcr", "localhost:5000"))
    assert resolve_registries(named, REGISTRIES) == ("ghcr.io/acme", "localhost:5000")
    assert resolve_registries(SPEC, Registries.parse({})) == ()


def test_an_alias_the_option_lacks() -> None:
    with pytest.raises(InvalidFieldException) as e:
        resolve_registries(dataclasses.replace(SPEC, registries=("@prod",)), REGISTRIES)
    assert str(e.value) == "svc:img: invalid `registries`: no registry 'prod' in [go-oci].registries (it has ghcr, internal)."
