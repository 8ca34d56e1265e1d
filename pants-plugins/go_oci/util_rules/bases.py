"""Base images: the built-in `scratch` and `static`, and bases pulled by digest (`oci_pull`)."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import AddPrefix, CreateDigest, Digest, DigestSubset, FileContent, MergeDigests, PathGlobs, Snapshot
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_oci.oci.layer import LayerEntry
from go_oci.oci.sbom import BasePackage
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.util_rules.layers import BuiltLayer, LayerRequest
from go_oci.util_rules.wheels import WheelFiles, WheelFilesRequest

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

# The accounts distroless/static has: root, nobody, and nonroot (65532), the default `user`.
_PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
_GROUP = "root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"
# Go's resolver reads this to decide between /etc/hosts and DNS.
_NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"
_OS_RELEASE = 'PRETTY_NAME="go_oci static"\nNAME="go_oci static"\nID=go-oci-static\nVERSION_ID="1"\n'


@dataclass(frozen=True)
class BuiltinBase:
    name: str  # "static" or "scratch"
    layers: tuple[BuiltLayer, ...]
    env: tuple[str, ...]
    packages: tuple[BasePackage, ...]


@dataclass(frozen=True)
class BuiltinBaseRequest:
    name: str


def _pinned_version(requirement: str) -> str:
    return requirement.partition("==")[2] or "NOASSERTION"


@rule(desc="Build the built-in base image", level=LogLevel.DEBUG)
async def builtin_base(request: BuiltinBaseRequest, go_oci: GoOciSubsystem) -> BuiltinBase:
    if request.name == "scratch":
        return BuiltinBase("scratch", (), (f"PATH={DEFAULT_PATH}",), ())

    certifi, tzdata = await MultiGet(
        Get(WheelFiles, WheelFilesRequest(go_oci.certifi_requirement, "certifi", f"Resolve {go_oci.certifi_requirement}")),
        Get(WheelFiles, WheelFilesRequest(go_oci.tzdata_requirement, "tzdata", f"Resolve {go_oci.tzdata_requirement}")),
    )
    generated, ca_bundle, zoneinfo = await MultiGet(
        Get(
            Digest,
            CreateDigest(
                [
                    FileContent("static/etc/passwd", _PASSWD.encode()),
                    FileContent("static/etc/group", _GROUP.encode()),
                    FileContent("static/etc/nsswitch.conf", _NSSWITCH.encode()),
                    FileContent("static/etc/os-release", _OS_RELEASE.encode()),
                ]
            ),
        ),
        Get(Digest, DigestSubset(certifi.digest, PathGlobs(["cacert.pem"]))),
        Get(Snapshot, DigestSubset(tzdata.digest, PathGlobs(["zoneinfo/**", "!**/__init__.py", "!**/__pycache__/**"]))),
    )
    if not zoneinfo.files:
        raise ValueError(f"{go_oci.tzdata_requirement} has no zoneinfo: check [go-oci].tzdata_requirement.")
    sources = await Get(
        Digest,
        MergeDigests(
            [
                generated,
                await Get(Digest, AddPrefix(ca_bundle, "static/certifi")),
                await Get(Digest, AddPrefix(zoneinfo.digest, "static/tzdata")),
            ]
        ),
    )
    entries = [
        LayerEntry.file("etc/passwd", "static/etc/passwd"),
        LayerEntry.file("etc/group", "static/etc/group"),
        LayerEntry.file("etc/nsswitch.conf", "static/etc/nsswitch.conf"),
        LayerEntry.file("etc/os-release", "static/etc/os-release"),
        LayerEntry.file(CA_BUNDLE.lstrip("/"), "static/certifi/cacert.pem"),
        LayerEntry.directory("home/nonroot", 0o755),
        LayerEntry.directory("root", 0o700),
        LayerEntry.directory("tmp", 0o1777),
        *(LayerEntry.file(f"usr/share/{f}", f"static/tzdata/{f}") for f in zoneinfo.files),
    ]
    layer = await Get(
        BuiltLayer,
        LayerRequest(tuple(entries), sources, "Build the static base layer", "go_oci: static base"),
    )
    packages = (
        BasePackage("go_oci-static-base-files", "1", "Apache-2.0"),
        BasePackage("certifi", _pinned_version(go_oci.certifi_requirement), "MPL-2.0",
                    f"pkg:pypi/certifi@{_pinned_version(go_oci.certifi_requirement)}"),
        BasePackage("tzdata", _pinned_version(go_oci.tzdata_requirement), "Apache-2.0",
                    f"pkg:pypi/tzdata@{_pinned_version(go_oci.tzdata_requirement)}"),
    )
    return BuiltinBase("static", (layer,), (f"PATH={DEFAULT_PATH}", f"SSL_CERT_FILE={CA_BUNDLE}"), packages)


def rules():
    return collect_rules()
