"""Base images: the built-in `scratch` and `static`, and bases pulled by digest (`oci_pull`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Mapping

from pants.engine.addresses import Address
from pants.engine.environment import ChosenLocalEnvironmentName, EnvironmentName
from pants.engine.fs import (
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.logging import LogLevel

from go_oci.oci.layer import ENTRY_DIR, LayerEntry
from go_oci.oci.layout import blob_path
from go_oci.oci.model import MEDIA_TYPE_DOCKER_LAYER_GZIP, MEDIA_TYPE_OCI_LAYER_GZIP, Descriptor
from go_oci.oci.model import Platform as OciPlatform
from go_oci.oci.registry import Fetch, Fetched, PinnedPull, PulledPlatform
from go_oci.oci.sbom import BasePackage
from go_oci.platforms import Platform
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import OciPullDigestField, OciPullImageField, OciPullPlatformsField
from go_oci.util_rules.layers import BuiltLayer, LayerRequest, LayerTool
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
# nonroot's uid and gid, as in the tables above: it owns its home, as in distroless, so it can write there.
NONROOT_ID = 65532
# Go's resolver reads this to decide between /etc/hosts and DNS.
_NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n"
_OS_RELEASE = 'PRETTY_NAME="go_oci static"\nNAME="go_oci static"\nID=go-oci-static\nVERSION_ID="1"\n'


class BaseImageError(Exception):
    pass


@dataclass(frozen=True)
class BaseContents:
    """What go_oci knows a base holds, for checking a go_image's fields against it."""

    users: frozenset[str]  # names in /etc/passwd
    groups: frozenset[str]  # names in /etc/group
    files: frozenset[str]  # paths without a leading "/": files and symlinks
    directories: frozenset[str]  # including the parents the layers imply

    @classmethod
    def of(cls, passwd: str, group: str, entries: tuple[LayerEntry, ...]) -> "BaseContents":
        def names(table: str) -> frozenset[str]:
            return frozenset(line.split(":", 1)[0] for line in table.splitlines() if line)

        files = frozenset(e.path for e in entries if e.type != ENTRY_DIR)
        directories = {e.path for e in entries if e.type == ENTRY_DIR}
        for path in (e.path for e in entries):
            while "/" in path:
                path = path.rsplit("/", 1)[0]
                directories.add(path)
        return cls(names(passwd), names(group), files, frozenset(directories))


@dataclass(frozen=True)
class BasePlatform:
    """A base's image for one platform: its layers and the environment its config sets."""

    platform: Platform | None  # None: the built-in bases, whose one image serves every platform
    layers: tuple[BuiltLayer, ...]
    env: tuple[str, ...]  # `NAME=value`, as the config lists them

    def serves(self, platform: Platform) -> bool:
        """Whether an image for `platform` builds on this one: a variant the image leaves out takes any."""
        if self.platform is None:
            return True
        base = self.platform
        return (base.os, base.arch) == (platform.os, platform.arch) and (
            not platform.variant or base.variant == platform.oci_variant
        )


@dataclass(frozen=True)
class BaseImage:
    """What an image starts from: an image per platform, and what the SBOM says of it."""

    name: str  # "static", "scratch", or the pulled repository
    pinned_digest: str | None  # a pulled base's index or manifest digest
    platforms: tuple[BasePlatform, ...]  # a pulled base's in its index's order; one for a built-in base
    packages: tuple[BasePackage, ...]
    has_libc: bool  # False: binaries on it must be statically linked (Invariant 7)
    contents: BaseContents | None = None  # None: not known (a pulled base's files are not read)

    def for_platform(self, platform: Platform) -> BasePlatform | None:
        """The base's image for `platform` (the first that serves it), or None if the base lacks it."""
        return next((p for p in self.platforms if p.serves(platform)), None)

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(sorted(str(p.platform) for p in self.platforms if p.platform is not None))


@dataclass(frozen=True)
class BuiltinBaseRequest:
    name: str


def _pinned_version(requirement: str) -> str:
    return requirement.partition("==")[2] or "NOASSERTION"


def static_base_entries(zoneinfo_files: Iterable[str]) -> tuple[LayerEntry, ...]:
    """The static base's one layer; `src` paths name the files builtin_base gathers under `static/`."""
    return (
        LayerEntry.file("etc/passwd", "static/etc/passwd"),
        LayerEntry.file("etc/group", "static/etc/group"),
        LayerEntry.file("etc/nsswitch.conf", "static/etc/nsswitch.conf"),
        LayerEntry.file("etc/os-release", "static/etc/os-release"),
        LayerEntry.file(CA_BUNDLE.lstrip("/"), "static/certifi/cacert.pem"),
        LayerEntry.directory("home/nonroot", 0o700, uid=NONROOT_ID, gid=NONROOT_ID),
        LayerEntry.directory("root", 0o700),
        LayerEntry.directory("tmp", 0o1777),
        *(LayerEntry.file(f"usr/share/{f}", f"static/tzdata/{f}") for f in zoneinfo_files),
    )


@rule(desc="Build the built-in base image", level=LogLevel.DEBUG)
async def builtin_base(request: BuiltinBaseRequest, go_oci: GoOciSubsystem) -> BaseImage:
    if request.name == "scratch":
        return BaseImage(
            "scratch", None, (BasePlatform(None, (), (f"PATH={DEFAULT_PATH}",)),), (), has_libc=False,
            contents=BaseContents.of("", "", ()),
        )

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
    entries = static_base_entries(zoneinfo.files)
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
    return BaseImage(
        "static",
        None,
        (BasePlatform(None, (layer,), (f"PATH={DEFAULT_PATH}", f"SSL_CERT_FILE={CA_BUNDLE}")),),
        packages,
        has_libc=False,
        contents=BaseContents.of(_PASSWD, _GROUP, tuple(entries)),
    )


@dataclass(frozen=True)
class PulledBaseRequest:
    address: Address  # of the oci_pull target
    platforms: tuple[Platform, ...]  # what the image needs: only these are pulled


@dataclass(frozen=True)
class PulledBasePlatform:
    """What go_oci reads of one platform a pull fetched: its manifest's layers and its config."""

    platform: Platform
    layers: tuple[Descriptor, ...]  # as the manifest lists them, with OCI's media types
    diff_ids: tuple[str, ...]
    history: tuple[str, ...]  # `created_by` of each step that made a layer ("" if not recorded)
    env: tuple[str, ...]

    @classmethod
    def of_pull(cls, pulled: PulledPlatform) -> "PulledBasePlatform":
        config_json = json.loads(pulled.config)
        layers = tuple(
            # Docker's gzip layer type and OCI's name the same bytes; an OCI manifest wants OCI's.
            Descriptor(
                MEDIA_TYPE_OCI_LAYER_GZIP if layer.media_type == MEDIA_TYPE_DOCKER_LAYER_GZIP else layer.media_type,
                layer.digest,
                layer.size,
            )
            for layer in pulled.manifest.layers
        )
        history = tuple(
            h.get("created_by", "") for h in config_json.get("history", []) if not h.get("empty_layer")
        )
        return cls(
            Platform.of_image(str(pulled.platform)),
            layers,
            tuple(config_json["rootfs"]["diff_ids"]),
            history,
            tuple(config_json.get("config", {}).get("Env") or ()),
        )


def pulled_base_image(
    image: str, digest: str, pulled: Iterable[PulledBasePlatform], blobs: Mapping[str, Digest]
) -> BaseImage:
    """The base a pull of `image@digest` wrote: `blobs` holds each layer's blob, by digest."""

    def layers(p: PulledBasePlatform) -> tuple[BuiltLayer, ...]:
        return tuple(
            BuiltLayer(blobs[layer.digest], layer, diff_id, (p.history[i] if i < len(p.history) else "") or f"{image} layer {i}")
            for i, (layer, diff_id) in enumerate(zip(p.layers, p.diff_ids))
        )

    return BaseImage(
        image,
        digest,
        tuple(BasePlatform(p.platform, layers(p), p.env) for p in pulled),
        (BasePackage(image, digest),),
        has_libc=True,
    )


@dataclass(frozen=True)
class RegistryFetch:
    """One step of a pull: a `layertool fetch` from `repository` (host[:port]/path)."""

    repository: str
    fetch: Fetch
    description: str
    failure: str  # how an error starts: "<oci_pull>: could not pull <image>@<digest>"


@dataclass(frozen=True)
class RegistryContent:
    files: Digest  # what was fetched, each file at `blob_path` of its digest
    fetched: Fetched


@rule(desc="Fetch from a registry", level=LogLevel.DEBUG)
async def fetch_from_registry(request: RegistryFetch, layertool: LayerTool, go_oci: GoOciSubsystem) -> RegistryContent:
    spec = await Get(Digest, CreateDigest([FileContent("__fetch.json", request.fetch.spec_json_bytes())]))
    insecure = ["--insecure"] if go_oci.is_insecure_registry(request.repository) else []
    result = await Get(
        FallibleProcessResult,
        layertool.process(
            ("fetch", *insecure, request.repository, "__fetch.json"),
            request.description,
            spec,
            output_files=request.fetch.paths,
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        raise BaseImageError(
            f"{request.failure}: {result.stderr.decode().strip()}\n"
            "Check `image` and `digest`, that the registry is reachable, and for a plain-HTTP registry set "
            "`insecure` for it in [go-oci].registries."
        )
    read = await Get(DigestContents, DigestSubset(result.output_digest, PathGlobs(request.fetch.read_paths)))
    return RegistryContent(
        result.output_digest, Fetched.of(request.fetch, result.stdout, {f.path: f.content for f in read})
    )


@dataclass(frozen=True)
class _LocalPull:
    request: PulledBaseRequest


@rule
async def pulled_base(request: PulledBaseRequest, local: ChosenLocalEnvironmentName) -> BaseImage:
    # The registry may be one only this machine reaches, and a remote-execution worker needs no network:
    # the pull runs locally and its blobs reach workers as digests (docs/architecture.md, Invariant 9).
    return await Get(BaseImage, {_LocalPull(request): _LocalPull, local.val: EnvironmentName})


@rule(desc="Pull a base image", level=LogLevel.DEBUG)
async def pull_base_here(local_request: _LocalPull) -> BaseImage:
    request = local_request.request
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="a go_image `base`")
    )
    target = wrapped.target
    image, digest = target[OciPullImageField].value, target[OciPullDigestField].value
    failure = f"{target.address}: could not pull {image}@{digest}"
    wanted = sorted({str(p) for p in request.platforms} | {str(Platform.of_image(p)) for p in target[OciPullPlatformsField].value or ()})
    try:
        pull = PinnedPull(image, digest, [OciPlatform.parse(p) for p in wanted])
        fetch = pull.next_fetch()
    except ValueError as e:
        raise BaseImageError(f"{failure}: {e}") from None
    fetched_files = []
    while fetch is not None:
        content = await Get(
            RegistryContent,
            RegistryFetch(image, fetch, f"Pull {image}@{digest[:19]}… for {target.address} ({fetch.summary})", failure),
        )
        fetched_files.append(content.files)
        try:
            fetch = pull.next_fetch(content.fetched)
        except ValueError as e:
            raise BaseImageError(f"{failure}: {e}") from None
    assert pull.image is not None
    pulled = await Get(Digest, MergeDigests(fetched_files))
    layer_digests = [layer.digest for layer in pull.image.layers]
    blobs = await MultiGet(Get(Digest, DigestSubset(pulled, PathGlobs([blob_path(d)]))) for d in layer_digests)
    pulled_platforms = [PulledBasePlatform.of_pull(p) for p in pull.image.platforms]
    return pulled_base_image(image, digest, pulled_platforms, dict(zip(layer_digests, blobs)))


def rules():
    return collect_rules()
