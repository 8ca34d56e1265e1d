"""Assemble a go_image from its spec: the base, the data and binary layers, a config and manifest per
platform, the index in an OCI layout, and the SBOM. `build_go_image` composes these rules."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Iterable

from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestEntries, FileContent, FileEntry, MergeDigests
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import HydratedSources, HydrateSourcesRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.oci import model
from go_oci.oci.layer import LayerEntry
from go_oci.oci.layout import layout_files, tagged_index
from go_oci.oci.sbom import BasePackage, build_spdx_document, parse_go_version_m, spdx_json_bytes
from go_oci.platforms import Platform
from go_oci.target_types import GoImageFieldSet, invalid_field
from go_oci.util_rules.bases import BaseContents, BaseImage, BasePlatform, BuiltinBaseRequest, PulledBaseRequest
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest
from go_oci.util_rules.image_spec import GoImageSpec
from go_oci.util_rules.layers import BuiltLayer, LayerRequest
from go_oci.util_rules.modules import GoBuildContext, GoBuildContextRequest, GoSumChecksums
from go_oci.util_rules.sdk import GoProcess


class GoImageError(Exception):
    pass


@dataclass(frozen=True)
class PlatformImage:
    platform: Platform
    manifest: model.Descriptor  # with its platform set, as the index lists it
    config: model.Descriptor
    layers: tuple[BuiltLayer, ...]  # bottom to top
    documents: FrozenDict[str, bytes]  # the config's and the manifest's bytes, by digest


@dataclass(frozen=True)
class BuiltImage:
    spec: GoImageSpec
    layout: Digest  # an OCI image layout directory: oci-layout, index.json, blobs/
    index: model.Descriptor
    images: tuple[PlatformImage, ...]
    sbom: bytes | None  # SPDX 2.3 JSON

    @property
    def address(self) -> Address:
        return self.spec.address

    @property
    def repository(self) -> str:
        return self.spec.repository

    @property
    def tags(self) -> tuple[str, ...]:
        return self.spec.tags


# ---------------------------------------------------------------------------------------------------
# The base
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageBaseRequest:
    spec: GoImageSpec


@dataclass(frozen=True)
class ImageBase:
    image: BaseImage
    platforms: tuple[BasePlatform, ...]  # the base's image for each of the spec's platforms, in order


@rule(desc="Get an image's base", level=LogLevel.DEBUG)
async def image_base(request: ImageBaseRequest) -> ImageBase:
    spec = request.spec
    if spec.pulled_base is None:
        base = await Get(BaseImage, BuiltinBaseRequest(spec.base_name))
    else:
        base = await Get(BaseImage, PulledBaseRequest(spec.pulled_base, spec.platforms))
    return ImageBase(base, base_platforms(spec, base))


def base_platforms(spec: GoImageSpec, base: BaseImage) -> tuple[BasePlatform, ...]:
    """The base's image for each platform of the image."""
    found = [base.for_platform(p) for p in spec.platforms]
    missing = [str(p) for p, b in zip(spec.platforms, found) if b is None]
    if missing:
        raise invalid_field(
            spec.address, "platforms", f"the base {spec.base_name} has no {', '.join(missing)} (it has "
            f"{', '.join(base.platform_names)}). Pull those platforms in its oci_pull, or narrow `platforms`."
        )
    return tuple(b for b in found if b is not None)


def _clash(path: str, files: Iterable[str], directories: Iterable[str] = ()) -> str | None:
    """The path (no leading "/") of `files`/`directories` that a new file at `path` would replace or
    turn into a directory, if any."""
    files, directories = set(files), set(directories)
    if path in files or path in directories:
        return path
    if any(f.startswith(path + "/") for f in files):
        return path  # a directory of the other's files
    parent = path
    while "/" in parent:
        parent = parent.rsplit("/", 1)[0]
        if parent in files:
            return parent
    return None


def check_against_base(
    address: Address, base_name: str, contents: BaseContents | None, user: str, binary_path: str,
    data_paths: Iterable[str],
) -> None:
    """The fields that name things in the image must not contradict what the base holds, where known."""
    data_paths = tuple(p.lstrip("/") for p in data_paths)
    clash = _clash(binary_path.lstrip("/"), data_paths)
    if clash is not None:
        raise invalid_field(
            address, "binary_path", f"{binary_path!r} clashes with /{clash} of the `data` layer; put the binary "
            "elsewhere (default /app/<binary_name>) or move the data (`data_dir`)."
        )
    if contents is None:
        return  # a pulled base: its files and accounts are not read (the fields' help says so)
    for field, path in [("binary_path", binary_path.lstrip("/")), *(("data", p) for p in data_paths)]:
        clash = _clash(path, contents.files, contents.directories)
        if clash is not None:
            raise invalid_field(
                address, field, f"/{path} would replace /{clash}, which the `{base_name}` base holds; choose "
                "another path" + (" (default /app/<binary_name>)." if field == "binary_path" else " (`data_dir`).")
            )
    for kind, name, known in zip(("user", "group"), user.split(":"), (contents.users, contents.groups)):
        if not (name.isdigit() and name.isascii()) and name not in known:
            has = f"has the {kind}s {', '.join(sorted(known))}" if known else "has no /etc/passwd or /etc/group"
            raise invalid_field(
                address, "user", f"the {kind} {name!r} is not in the `{base_name}` base, which {has}. Use one of "
                "those or numeric ids, e.g. '65532:65532'."
            )


# ---------------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataLayerRequest:
    spec: GoImageSpec


@dataclass(frozen=True)
class DataLayer:
    layer: BuiltLayer | None  # None when the image has no `data`
    paths: tuple[str, ...] = ()  # absolute paths in the image of the data files


@rule(desc="Build an image's data layer", level=LogLevel.DEBUG)
async def data_layer(request: DataLayerRequest) -> DataLayer:
    spec = request.spec
    if not spec.data:
        return DataLayer(None)
    hydrated = await MultiGet(Get(HydratedSources, HydrateSourcesRequest(f)) for f in spec.data)
    digest = await Get(Digest, MergeDigests(h.snapshot.digest for h in hydrated))
    # A data file keeps the one permission bit a Pants digest records (and hashes): executable or not.
    digest_entries = await Get(DigestEntries, Digest, digest)
    executable = {e.path for e in digest_entries if isinstance(e, FileEntry) and e.is_executable}
    entries = {}
    for sources_field, sources in zip(spec.data, hydrated):
        for path in sources.snapshot.files:
            in_image = posixpath.join(spec.data_dir, os.path.relpath(path, sources_field.address.spec_path or "."))
            if in_image in entries and entries[in_image].src != path:
                raise invalid_field(
                    spec.address, "data", f"two files would both be {in_image}: {entries[in_image].src}, {path}."
                )
            entries[in_image] = LayerEntry.file(in_image.lstrip("/"), path, 0o755 if path in executable else 0o644)
    layer = await Get(
        BuiltLayer,
        LayerRequest(
            tuple(entries.values()), digest, f"Build the data layer of {spec.address}", f"go_oci: data {spec.data_dir}"
        ),
    )
    return DataLayer(layer, tuple(sorted(entries)))


@dataclass(frozen=True)
class ImageBinaryRequest:
    spec: GoImageSpec
    platform: Platform
    base_has_libc: bool


@dataclass(frozen=True)
class ImageBinary:
    built: BuiltGoBinary
    layer: BuiltLayer


def check_linkage(spec: GoImageSpec, built: BuiltGoBinary, base_has_libc: bool) -> None:
    """A base without libc runs only statically linked binaries."""
    linkage = built.linkage
    if base_has_libc or linkage is None or linkage.is_static:
        return
    binary = spec.binary.address
    raise GoImageError(
        f"{spec.address}: the binary {binary} for {built.platform} is dynamically linked "
        f"(interpreter {linkage.interpreter or 'none'}, needs {', '.join(linkage.needed) or 'nothing'}), "
        f"and the `{spec.base_name}` base has no libc. Set `cgo=False` on {binary}, link statically "
        "(ldflags=['-extldflags=-static']), or use a base image with libc (an `oci_pull`)."
    )


@rule(desc="Build an image's binary layer", level=LogLevel.DEBUG)
async def image_binary(request: ImageBinaryRequest) -> ImageBinary:
    spec = request.spec
    built = await Get(BuiltGoBinary, GoBinaryBuildRequest(spec.binary, request.platform))
    check_linkage(spec, built, request.base_has_libc)
    layer = await Get(
        BuiltLayer,
        LayerRequest(
            (LayerEntry.file(spec.binary_path.lstrip("/"), built.path, 0o755),),
            built.digest,
            f"Build the binary layer of {spec.address} for {built.platform}",
            f"go_oci: binary {spec.binary_path}",
        ),
    )
    return ImageBinary(built, layer)


# ---------------------------------------------------------------------------------------------------
# Config, manifests, the index
# ---------------------------------------------------------------------------------------------------


def image_annotations(spec: GoImageSpec, base: BaseImage) -> FrozenDict[str, str]:
    """The index's and each manifest's: the standard ones go_oci fills in, then the target's."""
    standard = {model.ANNOTATION_CREATED: spec.created, model.ANNOTATION_TITLE: spec.repository}
    if base.pinned_digest:
        standard[model.ANNOTATION_BASE_NAME] = base.name
        standard[model.ANNOTATION_BASE_DIGEST] = base.pinned_digest
    if spec.version:
        standard[model.ANNOTATION_VERSION] = spec.version
    return FrozenDict({**standard, **spec.annotations})


def image_env(base_env: Iterable[str], env: Iterable[str]) -> tuple[str, ...]:
    """The base's `NAME=value` entries with the target's added, a name the target sets keeping its place."""
    merged = dict(e.split("=", 1) for e in base_env)
    merged.update(e.split("=", 1) for e in env)
    return tuple(f"{k}={v}" for k, v in merged.items())


def image_config(spec: GoImageSpec, platform: Platform, layers: tuple[BuiltLayer, ...], base_env: Iterable[str]) -> model.ImageConfig:
    return model.ImageConfig(
        platform=platform.oci,
        diff_ids=tuple(layer.diff_id for layer in layers),
        entrypoint=spec.entrypoint,
        cmd=spec.cmd,
        env=image_env(base_env, spec.env),
        user=spec.user,
        workdir=spec.workdir,
        exposed_ports=spec.exposed_ports,
        labels=dict(spec.labels),
        history=tuple(model.HistoryEntry(created=spec.created, created_by=layer.created_by) for layer in layers),
        created=spec.created,
    )


@dataclass(frozen=True)
class PlatformImageRequest:
    spec: GoImageSpec
    platform: Platform
    layers: tuple[BuiltLayer, ...]  # bottom to top: the base's, the data layer, the binary layer
    base_env: tuple[str, ...]
    annotations: FrozenDict[str, str]


@rule(desc="Write an image's config and manifest", level=LogLevel.DEBUG)
async def platform_image(request: PlatformImageRequest) -> PlatformImage:
    config_bytes = image_config(request.spec, request.platform, request.layers, request.base_env).to_json_bytes()
    config = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_CONFIG, config_bytes)
    manifest_bytes = model.Manifest(
        config=config, layers=tuple(layer.descriptor for layer in request.layers), annotations=request.annotations
    ).to_json_bytes()
    manifest = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_MANIFEST, manifest_bytes, platform=request.platform.oci)
    documents = FrozenDict({config.digest: config_bytes, manifest.digest: manifest_bytes})
    return PlatformImage(request.platform, manifest, config, request.layers, documents)


def platform_ref(tag: str, platform: Platform) -> str:
    return f"{tag}-{platform.dir_name}"


def _layout_index(index: model.Descriptor, images: Iterable[PlatformImage], tags: tuple[str, ...]) -> model.Index:
    """Each tag names the multi-platform index; `<tag>-<os>_<arch>` names one platform's manifest, for
    tools that cannot choose from an index (umoci, runc bundles, oci-image-tool)."""
    per_platform = tuple(
        image.manifest.with_annotations({model.ANNOTATION_REF_NAME: platform_ref(tag, image.platform)})
        for tag in tags
        for image in images
    )
    return model.Index(manifests=(*tagged_index(index, tags).manifests, *per_platform))


@dataclass(frozen=True)
class ImageLayoutRequest:
    spec: GoImageSpec
    images: tuple[PlatformImage, ...]
    annotations: FrozenDict[str, str]


@dataclass(frozen=True)
class ImageLayout:
    index: model.Descriptor
    digest: Digest  # oci-layout, index.json, blobs/


@rule(desc="Write an image's index and layout", level=LogLevel.DEBUG)
async def image_layout(request: ImageLayoutRequest) -> ImageLayout:
    images = request.images
    index_bytes = model.Index(manifests=tuple(i.manifest for i in images), annotations=request.annotations).to_json_bytes()
    index = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_INDEX, index_bytes)
    documents = {index.digest: index_bytes}
    for image in images:
        documents.update(image.documents)
    files = await Get(
        Digest,
        CreateDigest(
            FileContent(path, data) for path, data in layout_files(_layout_index(index, images, request.spec.tags), documents)
        ),
    )
    layer_blobs = {layer.descriptor.digest: layer.blob for image in images for layer in image.layers}
    digest = await Get(Digest, MergeDigests([files, *layer_blobs.values()]))
    return ImageLayout(index, digest)


# ---------------------------------------------------------------------------------------------------
# The SBOM
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageSbomRequest:
    spec: GoImageSpec
    binaries: tuple[BuiltGoBinary, ...]
    base_packages: tuple[BasePackage, ...]


@dataclass(frozen=True)
class ImageSbom:
    document: bytes  # SPDX 2.3 JSON


@rule(desc="Write an image's SBOM", level=LogLevel.DEBUG)
async def image_sbom(request: ImageSbomRequest) -> ImageSbom:
    spec, binary = request.spec, request.spec.binary
    # Every platform's build info: each has its own settings, and may link other modules.
    build_infos = await MultiGet(
        Get(
            ProcessResult,
            GoProcess(("version", "-m", b.path), f"Read the build info of {binary.address} for {b.platform}", b.digest),
        )
        for b in request.binaries
    )
    # A vendored build records no module hashes; go.sum still has them.
    context = await Get(GoBuildContext, GoBuildContextRequest(binary.main_dir, f"the `main` of {binary.address}"))
    checksums = await Get(GoSumChecksums, GoBuildContext, context)
    document = build_spdx_document(
        [parse_go_version_m(result.stdout.decode()) for result in build_infos],
        name=f"{spec.repository} ({spec.address})",
        base_packages=request.base_packages,
        image_name=spec.repository,
        created=spec.created,
        go_sums=checksums.sums,
    )
    return ImageSbom(spdx_json_bytes(document))


# ---------------------------------------------------------------------------------------------------
# The image
# ---------------------------------------------------------------------------------------------------


@rule(desc="Assemble an OCI image", level=LogLevel.DEBUG)
async def build_go_image(field_set: GoImageFieldSet) -> BuiltImage:
    spec = await Get(GoImageSpec, GoImageFieldSet, field_set)
    base, data = await MultiGet(Get(ImageBase, ImageBaseRequest(spec)), Get(DataLayer, DataLayerRequest(spec)))
    check_against_base(spec.address, spec.base_name, base.image.contents, spec.user, spec.binary_path, data.paths)
    binaries = await MultiGet(
        Get(ImageBinary, ImageBinaryRequest(spec, platform, base.image.has_libc)) for platform in spec.platforms
    )
    annotations = image_annotations(spec, base.image)
    data_layers = (data.layer,) if data.layer else ()
    images = await MultiGet(
        Get(
            PlatformImage,
            PlatformImageRequest(
                spec, platform, (*base_platform.layers, *data_layers, binary.layer), base_platform.env, annotations
            ),
        )
        for platform, base_platform, binary in zip(spec.platforms, base.platforms, binaries)
    )
    layout = await Get(ImageLayout, ImageLayoutRequest(spec, images, annotations))
    sbom = None
    if spec.sbom:
        built = tuple(b.built for b in binaries)
        sbom = (await Get(ImageSbom, ImageSbomRequest(spec, built, base.image.packages))).document
    return BuiltImage(spec=spec, layout=layout.digest, index=layout.index, images=images, sbom=sbom)


def rules():
    return collect_rules()
