from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pants.option.option_types import DictOption, IntOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap

from go_oci.oci import model

REGISTRIES_OPTION = "[go-oci].registries"
_REGISTRY_KEYS = ("address", "default", "insecure")
_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# A registry as image references spell it: `host[:port]`, the host a DNS name or an IP (IPv6 in brackets).
_REGISTRY_HOST = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]+))?")


class InvalidRegistry(ValueError):
    pass


def validate_registry_address(address: str) -> str:
    """A registry as `registries` entries and [go-oci].registries write it: `host[:port]`, optionally
    followed by the namespace its repositories go under (`ghcr.io/acme`)."""
    host, _, namespace = address.partition("/")
    match = _REGISTRY_HOST.fullmatch(host)
    problem = ""
    if "://" in address:
        problem = f"has a scheme; write the registry without it (plain HTTP is `insecure` in {REGISTRIES_OPTION})."
    elif match is None:
        problem = "is not a registry address."
    elif match.group("port") is not None and not 0 < int(match.group("port")) < 65536:
        problem = f"has the port {match.group('port')}, outside 1-65535."
    elif namespace:
        try:
            model.validate_repository(namespace)
        except ValueError as e:
            problem = f"has a namespace that is not a repository path: {e}"
    if problem:
        raise InvalidRegistry(
            f"{address!r} {problem} Write `host[:port]`, optionally followed by a namespace, e.g. "
            "'registry.example.com:5000' or 'ghcr.io/acme'."
        )
    return address


def validate_registry_alias(alias: str) -> str:
    if not _ALIAS.fullmatch(alias):
        raise InvalidRegistry(
            f"{alias!r} is not a registry alias: letters, digits, '.', '_' and '-', starting with a letter or "
            "digit, e.g. 'internal'."
        )
    return alias


@dataclass(frozen=True)
class Registry:
    """A registry of [go-oci].registries."""

    alias: str
    address: str
    default: bool = False
    insecure: bool = False  # plain HTTP


@dataclass(frozen=True)
class Registries:
    """[go-oci].registries, parsed: each alias's registry."""

    by_alias: FrozenDict[str, Registry]

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> "Registries":
        registries = {}
        for alias, entry in raw.items():
            registries[alias] = _parse_registry(alias, entry)
        return cls(FrozenDict(registries))

    @property
    def defaults(self) -> tuple[Registry, ...]:
        return tuple(r for r in self.by_alias.values() if r.default)

    def is_insecure(self, reference: str) -> bool:
        """Whether `reference` (`host[:port]/repository...`) is on a registry marked `insecure` (plain HTTP)."""
        host = reference.split("/", 1)[0]
        return any(r.address == host and r.insecure for r in self.by_alias.values())

    def addresses(self, entries: Iterable[str] | None) -> tuple[str, ...]:
        """The addresses a go_image's `registries` entries (`@alias` or an address) name; `None` (the field
        left out) names the default registries. KeyError names an alias this option lacks."""
        if entries is None:
            return tuple(r.address for r in self.defaults)
        return tuple(self.by_alias[e[1:]].address if e.startswith("@") else e for e in entries)


def _parse_registry(alias: str, entry: Any) -> Registry:
    def invalid(problem: str) -> InvalidRegistry:
        return InvalidRegistry(f"invalid {REGISTRIES_OPTION} entry {alias!r}: {problem}")

    try:
        validate_registry_alias(alias)
    except InvalidRegistry as e:
        raise invalid(f"{e} Rename it.") from None
    if not isinstance(entry, Mapping):
        raise invalid(
            f"{entry!r} is not a table; write it as "
            f'{{"address": "registry.example.com:5000", "default": true, "insecure": false}}.'
        )
    unknown = sorted(set(entry) - set(_REGISTRY_KEYS))
    if unknown:
        raise invalid(f"unknown key {unknown[0]!r}; the keys are {', '.join(_REGISTRY_KEYS)}.")
    address = entry.get("address")
    if not isinstance(address, str):
        raise invalid("it has no `address`; give one, e.g. \"address\": \"registry.example.com:5000\".")
    try:
        validate_registry_address(address)
    except InvalidRegistry as e:
        raise invalid(f"`address` {e}") from None
    flags = {}
    for key in ("default", "insecure"):
        value = entry.get(key, False)
        if not isinstance(value, bool):
            raise invalid(f"`{key}` is {value!r}; write true or false.")
        flags[key] = value
    return Registry(alias, address, **flags)


class GoOciSubsystem(Subsystem):
    options_scope = "go-oci"
    help = "Options for go_oci's Go binaries (`go_cross_binary`) and OCI images (`go_image`)."

    default_platforms = StrListOption(
        default=["linux/amd64", "linux/arm64"],
        help=softwrap(
            """
            Platforms a `go_cross_binary` builds for when it sets no `platforms`, as `os/arch[/variant]`
            (e.g. `linux/arm/v7`, `linux/amd64/v3`).
            """
        ),
    )
    goproxy = StrOption(
        default="https://proxy.golang.org,direct",
        help=softwrap(
            """
            `GOPROXY` for the module download process, which runs once per `go.sum` and is the only Go
            process allowed to reach the network (builds run with `GOPROXY=off`). `file:///path` proxies
            work for offline mirrors.
            """
        ),
    )
    goprivate = StrOption(default="", help="`GOPRIVATE` for the module download process.")
    gonosumdb = StrOption(default="", help="`GONOSUMDB` for the module download process.")
    gosumdb = StrOption(
        default="sum.golang.org",
        help=softwrap(
            """
            `GOSUMDB` for the module download process. Modules are always verified against `go.sum`;
            the checksum database is only consulted for modules that `go.sum` lacks. Use `off` offline.
            """
        ),
        advanced=True,
    )
    cc = StrOption(
        default="cc",
        help=softwrap(
            """
            The C compiler for targets with `cgo=True`, found on the PATH. cgo is the one non-hermetic mode:
            the compiler's path and `--version` output enter the cache key of each cgo build.
            """
        ),
        advanced=True,
    )
    certifi_requirement = StrOption(
        default="certifi==2026.10.18",
        help=softwrap(
            """
            The pinned `certifi` wheel whose `cacert.pem` becomes `/etc/ssl/certs/ca-certificates.crt` of
            the built-in `static` base. The base layer's digest is fixed by this pin and the tzdata pin.
            """
        ),
        advanced=True,
    )
    tzdata_requirement = StrOption(
        default="tzdata==2026.6",
        help="The pinned `tzdata` wheel whose zoneinfo becomes `/usr/share/zoneinfo` of the `static` base.",
        advanced=True,
    )
    layer_compression_level = IntOption(
        default=6,
        help=softwrap(
            """
            gzip level (1-9) of image layers. Layers are compressed by a helper compiled with the pinned Go
            SDK, so their bytes do not depend on the host's zlib.
            """
        ),
        advanced=True,
    )
    _registries = DictOption[Any](
        "--registries",
        default={},
        help=softwrap(
            """
            Registries `go_image` pushes to, by alias:
            `{"internal": {"address": "registry.example.com:5000", "default": true, "insecure": false}}`.
            `go_image(registries=["@internal"])` names one; without `registries`, images go to those
            marked `default`. `insecure` uses plain HTTP.
            """
        ),
    )
    engine_args = StrListOption(
        default=[],
        help=softwrap(
            """
            Global arguments for podman / docker (before `run`) when `pants run` runs a `go_image`, e.g.
            `["--runtime", "runc"]`.
            """
        ),
    )
    run_args = StrListOption(
        default=[],
        help=softwrap(
            """
            Extra arguments for `podman run` / `docker run` when `pants run` runs a `go_image`, e.g.
            `["-p", "8080:8080", "--ulimit", "nofile=1024:1024"]`.
            """
        ),
    )

    @property
    def registries(self) -> Registries:
        """[go-oci].registries, parsed; InvalidRegistry names the bad entry."""
        return Registries.parse(self._registries)

    def is_insecure_registry(self, reference: str) -> bool:
        return self.registries.is_insecure(reference)
