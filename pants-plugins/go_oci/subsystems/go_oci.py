from __future__ import annotations

from pants.option.option_types import StrListOption, StrOption
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
