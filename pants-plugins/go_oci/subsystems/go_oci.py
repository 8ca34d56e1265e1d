from __future__ import annotations

from typing import Any

from pants.option.option_types import DictOption, IntOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


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
    registries = DictOption[Any](
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

    def is_insecure_registry(self, reference: str) -> bool:
        """Whether `reference` (`host[:port]/repository...`) is on a registry marked `insecure` (plain HTTP)."""
        host = reference.split("/", 1)[0]
        return any(
            isinstance(r, dict) and r.get("address") == host and r.get("insecure") for r in self.registries.values()
        )
