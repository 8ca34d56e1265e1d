"""[go-oci].registries, parsed: each alias's registry, or one message naming the option and the bad entry."""

from __future__ import annotations

import pytest

from go_oci.subsystems.go_oci import GoOciSubsystem, InvalidRegistry, Registries, Registry, validate_registry_address
from pants.testutil.option_util import create_subsystem

CONFIGURED = {
    "internal": {"address": "registry.example.com:5000", "default": True},
    "local": {"address": "127.0.0.1:5999", "insecure": True, "default": True},
    "ghcr": {"address": "ghcr.io/acme"},
}


def test_registries_parsed() -> None:
    registries = create_subsystem(GoOciSubsystem, registries=CONFIGURED).registries
    assert dict(registries.by_alias) == {
        "internal": Registry("internal", "registry.example.com:5000", default=True),
        "local": Registry("local", "127.0.0.1:5999", default=True, insecure=True),
        "ghcr": Registry("ghcr", "ghcr.io/acme"),
    }
    assert registries.addresses(None) == ("registry.example.com:5000", "127.0.0.1:5999")
    assert registries.addresses(("@ghcr", "other.example:443", "@local")) == (
        "ghcr.io/acme", "other.example:443", "127.0.0.1:5999"
    )
    with pytest.raises(KeyError, match="prod"):
        registries.addresses(("@prod",))
    assert Registries.parse({}).addresses(None) == ()


def test_only_a_registry_marked_insecure_is_pulled_and_pushed_over_plain_http() -> None:
    registries = Registries.parse(CONFIGURED)
    assert registries.is_insecure("127.0.0.1:5999/testprojects/hello")
    assert not registries.is_insecure("registry.example.com:5000/testprojects/hello")
    assert not registries.is_insecure("127.0.0.1:5998/testprojects/hello")


@pytest.mark.parametrize(
    "entry, message",
    [
        ("registry.example.com:5000", "entry 'x': 'registry.example.com:5000' is not a table; write it as {\"address\""),
        ({"default": True}, "entry 'x': it has no `address`; give one"),
        ({"address": 5000}, "entry 'x': it has no `address`"),
        ({"address": "r.example", "secure": False}, "entry 'x': unknown key 'secure'; the keys are address, default, insecure."),
        ({"address": "r.example", "default": "yes"}, "entry 'x': `default` is 'yes'; write true or false."),
        ({"address": "r.example", "insecure": 1}, "entry 'x': `insecure` is 1; write true or false."),
        ({"address": "http://r.example:5000"}, "entry 'x': `address` 'http://r.example:5000' has a scheme; write the registry without it"),
        ({"address": "r.example:99999"}, "`address` 'r.example:99999' has the port 99999, outside 1-65535."),
        ({"address": "r_example"}, "`address` 'r_example' is not a registry address. Write `host[:port]`"),
        ({"address": "ghcr.io/Acme"}, "`address` 'ghcr.io/Acme' has a namespace that is not a repository path: Invalid repository 'Acme'"),
        ({"address": ""}, "`address` '' is not a registry address."),
    ],
)
def test_a_bad_entry_names_the_option_and_the_entry(entry, message) -> None:
    subsystem = create_subsystem(GoOciSubsystem, registries={"x": entry})
    with pytest.raises(InvalidRegistry) as e:
        subsystem.registries
    assert str(e.value).startswith("invalid [go-oci].registries entry 'x': ")
    assert message in str(e.value)


def test_a_bad_alias_is_named() -> None:
    with pytest.raises(InvalidRegistry, match=r"entry '@prod': '@prod' is not a registry alias: .* Rename it\."):
        Registries.parse({"@prod": {"address": "r.example"}})


@pytest.mark.parametrize(
    "address", ["localhost", "localhost:5000", "127.0.0.1:5999", "[::1]:5000", "ghcr.io/acme/team", "Registry.Example.com"]
)
def test_registry_addresses(address: str) -> None:
    assert validate_registry_address(address) == address
