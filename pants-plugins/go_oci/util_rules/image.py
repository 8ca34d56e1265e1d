"""Assemble a go_image: validated fields, layers, per-platform config and manifest, the index, the layout."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from typing import Iterable

from pants.build_graph.address import AddressParseException, ResolveError
from pants.core.target_types import (
    FileSourceField,
    FilesGeneratingSourcesField,
    ResourceSourceField,
    ResourcesGeneratingSourcesField,
)
from pants.engine.addresses import Address, AddressInput
from pants.engine.fs import CreateDigest, Digest, DigestEntries, FileContent, FileEntry, MergeDigests
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    HydratedSources,
    HydrateSourcesRequest,
    SourcesField,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.logging import LogLevel

from go_oci.oci import model
from go_oci.oci.layer import LayerEntry
from go_oci.oci.layout import layout_files, tagged_index
from go_oci.oci.sbom import build_spdx_document, parse_go_version_m, spdx_json_bytes
from go_oci.platforms import InvalidPlatform, Platform
from go_oci.target_types import (
    BUILTIN_BASES,
    IMAGE_OS,
    GoCrossBinaryFieldSet,
    GoCrossBinaryTarget,
    GoImageFieldSet,
    fill_in_tag,
    invalid_field,
)
from go_oci.util_rules.bases import BaseContents, BaseImage, BuiltinBaseRequest, PulledBaseRequest
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest, GoBinarySpec
from go_oci.util_rules.layers import BuiltLayer, LayerRequest
from go_oci.util_rules.modules import GoBuildContext, GoBuildContextRequest, GoSumChecksums
from go_oci.util_rules.sdk import GoProcess, GoTargetPairs

class GoImageError(Exception):
    pass


@dataclass(frozen=True)
class PlatformImage:
    platform: Platform
    manifest: model.Descriptor  # with its platform set, as the index lists it
    config: model.Descriptor
    layers: tuple[BuiltLayer, ...]


@dataclass(frozen=True)
class BuiltImage:
    address: Address
    repository: str
    tags: tuple[str, ...]
    layout: Digest  # an OCI image layout directory: oci-layout, index.json, blobs/
    index: model.Descriptor
    images: tuple[PlatformImage, ...]
    sbom: bytes | None  # SPDX 2.3 JSON


def _tags(address: Address, templates: tuple[str, ...], binary: GoBinarySpec) -> tuple[str, ...]:
    """The tags with their placeholders filled in from the binary (the field checked their syntax)."""
    values = {"version": binary.x_defs["main.version"]} if "main.version" in binary.x_defs else {}
    tags = []
    for template in templates:
        try:
            tag = fill_in_tag(template, values)
        except KeyError as e:
            raise invalid_field(
                address, "tags", f"{template!r} uses {{{e.args[0]}}}, which {binary.address} does not set: give "
                f"it `x_defs={{\"main.version\": ...}}`, or drop {{{e.args[0]}}} from `tags`."
            ) from None
        try:
            tags.append(model.validate_tag(tag))
        except ValueError as e:
            raise invalid_field(
                address, "tags", f"{template!r} becomes {tag!r} with the `x_defs` of {binary.address}: {e} Change "
                "the value there, or the tag."
            ) from None
    return tuple(tags)


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


async def _binary_target(field_set: GoImageFieldSet) -> GoCrossBinaryFieldSet:
    address = field_set.address
    origin = f"the `binary` field of {address}"
    binary_address = await Get(
        Address, AddressInput, AddressInput.parse(field_set.binary.value, relative_to=address.spec_path, description_of_origin=origin)
    )
    wrapped = await Get(WrappedTarget, WrappedTargetRequest(binary_address, description_of_origin=origin))
    if not isinstance(wrapped.target, GoCrossBinaryTarget):
        raise invalid_field(
            address, "binary", f"{binary_address} is a `{wrapped.target.alias}`; it must be a `go_cross_binary`."
        )
    return GoCrossBinaryFieldSet.create(wrapped.target)


@dataclass(frozen=True)
class DataLayerRequest:
    field_set: GoImageFieldSet


@dataclass(frozen=True)
class DataLayer:
    layer: BuiltLayer | None  # None when the image has no `data`
    paths: tuple[str, ...] = ()  # absolute paths in the image of the data files


@rule(desc="Build an image's data layer", level=LogLevel.DEBUG)
async def data_layer(request: DataLayerRequest) -> DataLayer:
    field_set = request.field_set
    address = field_set.address
    if not field_set.data.value:
        return DataLayer(None)
    data_dir = field_set.data_dir.value
    origin = f"the `data` field of {address}"
    addresses = await MultiGet(
        Get(Address, AddressInput, AddressInput.parse(spec, relative_to=address.spec_path, description_of_origin=origin))
        for spec in field_set.data.value
    )
    wrapped = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin=origin)) for a in addresses
    )
    data_fields = (FileSourceField, FilesGeneratingSourcesField, ResourceSourceField, ResourcesGeneratingSourcesField)
    sources_fields = []
    for w in wrapped:
        if not any(w.target.has_field(f) for f in data_fields):
            raise invalid_field(
                address, "data", f"{w.target.address} is a `{w.target.alias}`; `data` takes `files`, `file`, "
                "`resources` or `resource` targets."
            )
        sources_fields.append((w.target.address, w.target[SourcesField]))
    hydrated = await MultiGet(Get(HydratedSources, HydrateSourcesRequest(f)) for _, f in sources_fields)
    digest = await Get(Digest, MergeDigests(h.snapshot.digest for h in hydrated))
    # A data file keeps the one permission bit a Pants digest records (and hashes): executable or not.
    digest_entries = await Get(DigestEntries, Digest, digest)
    executable = {e.path for e in digest_entries if isinstance(e, FileEntry) and e.is_executable}
    entries = {}
    for (owner, _), sources in zip(sources_fields, hydrated):
        for path in sources.snapshot.files:
            in_image = posixpath.join(data_dir, os.path.relpath(path, owner.spec_path or "."))
            if in_image in entries and entries[in_image].src != path:
                raise invalid_field(address, "data", f"two files would both be {in_image}: {entries[in_image].src}, {path}.")
            entries[in_image] = LayerEntry.file(in_image.lstrip("/"), path, 0o755 if path in executable else 0o644)
    layer = await Get(
        BuiltLayer,
        LayerRequest(tuple(entries.values()), digest, f"Build the data layer of {address}", f"go_oci: data {data_dir}"),
    )
    return DataLayer(layer, tuple(sorted(entries)))


def _image_platforms(field_set: GoImageFieldSet, binary: GoBinarySpec, pairs: GoTargetPairs) -> tuple[Platform, ...]:
    address = field_set.address
    if field_set.platforms.value is None:
        not_linux = [str(p) for p in binary.platforms if p.os != IMAGE_OS]
        if not_linux:
            linux = [str(p) for p in binary.platforms if p.os == IMAGE_OS]
            fix = (
                f"Set this go_image's `platforms` to the binary's Linux ones, {linux!r}."
                if linux
                else f"Add a Linux platform to {binary.address}'s `platforms`, e.g. 'linux/amd64'."
            )
            raise invalid_field(
                address, "platforms", f"by default the binary's, and {binary.address} builds {', '.join(not_linux)}: "
                f"images hold Linux binaries only. {fix}"
            )
        return binary.platforms
    try:
        wanted = tuple(sorted({Platform.parse(p, pairs.pairs) for p in field_set.platforms.value}))
    except InvalidPlatform as e:
        raise invalid_field(address, "platforms", str(e)) from None
    missing = [str(p) for p in wanted if p not in binary.platforms]
    if missing:
        raise invalid_field(
            address, "platforms", f"{', '.join(missing)} not built by the binary {binary.address} (it builds "
            f"{', '.join(str(p) for p in binary.platforms)}). Add them to its `platforms`, or drop them here."
        )
    return wanted


def platform_ref(tag: str, platform: Platform) -> str:
    return f"{tag}-{platform.dir_name}"


def _layout_index(index: model.Descriptor, images: list[PlatformImage], tags: tuple[str, ...]) -> model.Index:
    """Each tag names the multi-platform index; `<tag>-<os>_<arch>` names one platform's manifest, for
    tools that cannot choose from an index (umoci, runc bundles, oci-image-tool)."""
    per_platform = tuple(
        image.manifest.with_annotations({model.ANNOTATION_REF_NAME: platform_ref(tag, image.platform)})
        for tag in tags
        for image in images
    )
    return model.Index(manifests=(*tagged_index(index, tags).manifests, *per_platform))


@rule(desc="Assemble an OCI image", level=LogLevel.DEBUG)
async def build_go_image(field_set: GoImageFieldSet, pairs: GoTargetPairs) -> BuiltImage:
    address = field_set.address
    binary_fields = await _binary_target(field_set)
    binary = await Get(GoBinarySpec, GoCrossBinaryFieldSet, binary_fields)
    platforms = _image_platforms(field_set, binary, pairs)

    base_name = field_set.base.value
    base_address = None
    if base_name not in BUILTIN_BASES:
        origin = f"the `base` field of {address}"
        try:
            base_address = await Get(
                Address, AddressInput, AddressInput.parse(base_name, relative_to=address.spec_path, description_of_origin=origin)
            )
        except (AddressParseException, ResolveError):
            raise invalid_field(
                address, "base", f"{base_name!r}: use 'static', 'scratch' or the address of an oci_pull target."
            ) from None
    # The fields checked their own syntax when they were parsed (target_types.py); what is left here
    # depends on the binary or the base.
    binary_path = field_set.binary_path.value or f"/app/{binary.binary_name}"
    workdir = field_set.workdir.value
    user = field_set.user.value
    ports = field_set.exposed_ports.value
    user_env = model.validate_env(field_set.env.value or {})
    labels = dict(field_set.labels.value or {})
    annotations = dict(field_set.annotations.value or {})
    created = field_set.created.value
    version = binary.x_defs.get("main.version")
    repository = field_set.repository.value or address.target_name
    if field_set.repository.value is None:
        try:
            model.validate_repository(repository)
        except ValueError as e:
            raise invalid_field(
                address, "repository", f"by default the target's name, and {e} Set `repository`."
            ) from None
    tags = _tags(address, field_set.tags.value, binary)

    base, data = await MultiGet(
        Get(BaseImage, BuiltinBaseRequest(base_name))
        if base_address is None
        else Get(BaseImage, PulledBaseRequest(base_address, platforms, address)),
        Get(DataLayer, DataLayerRequest(field_set)),
    )
    check_against_base(address, base_name, base.contents, user, binary_path, data.paths)
    missing = [str(p) for p in platforms if base.layers_for(p) is None]
    if missing:
        raise invalid_field(
            address, "platforms", f"the base {base_name} has no {', '.join(missing)} (it has "
            f"{', '.join(base.platforms)}). Pull those platforms in its oci_pull, or narrow `platforms`."
        )
    binaries = await MultiGet(Get(BuiltGoBinary, GoBinaryBuildRequest(binary, p)) for p in platforms)
    for built in binaries:
        if not base.has_libc and built.linkage is not None and not built.linkage.is_static:
            raise GoImageError(
                f"{address}: the binary {binary.address} for {built.platform} is dynamically linked "
                f"(interpreter {built.linkage.interpreter or 'none'}, needs {', '.join(built.linkage.needed) or 'nothing'}), "
                f"and the `{base_name}` base has no libc. Set `cgo=False` on {binary.address}, link statically "
                "(ldflags=['-extldflags=-static']), or use a base image with libc (an `oci_pull`)."
            )

    binary_layers = await MultiGet(
        Get(
            BuiltLayer,
            LayerRequest(
                (LayerEntry.file(binary_path.lstrip("/"), built.path, 0o755),),
                built.digest,
                f"Build the binary layer of {address} for {built.platform}",
                f"go_oci: binary {binary_path}",
            ),
        )
        for built in binaries
    )

    env = dict(e.split("=", 1) for e in base.env)
    env.update(e.split("=", 1) for e in user_env)
    standard_annotations = {model.ANNOTATION_CREATED: created, model.ANNOTATION_TITLE: repository}
    if base.pinned_digest:
        standard_annotations[model.ANNOTATION_BASE_NAME] = base.name
        standard_annotations[model.ANNOTATION_BASE_DIGEST] = base.pinned_digest
    if version:
        standard_annotations[model.ANNOTATION_VERSION] = version
    all_annotations = {**standard_annotations, **annotations}

    blobs: dict[str, bytes] = {}
    images = []
    for built, binary_layer in zip(binaries, binary_layers):
        layers = (*base.layers_for(built.platform), *([data.layer] if data.layer else []), binary_layer)
        oci_platform = model.Platform(built.platform.os, built.platform.arch, built.platform.oci_variant or None)
        config = model.ImageConfig(
            platform=oci_platform,
            diff_ids=tuple(layer.diff_id for layer in layers),
            entrypoint=tuple(field_set.entrypoint.value) if field_set.entrypoint.value is not None else (binary_path,),
            cmd=tuple(field_set.args.value or ()),
            env=tuple(f"{k}={v}" for k, v in env.items()),
            user=user,
            workdir=workdir,
            exposed_ports=ports,
            labels=labels,
            history=tuple(model.HistoryEntry(created=created, created_by=layer.created_by) for layer in layers),
            created=created,
        )
        config_bytes = config.to_json_bytes()
        config_descriptor = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_CONFIG, config_bytes)
        manifest = model.Manifest(
            config=config_descriptor, layers=tuple(layer.descriptor for layer in layers), annotations=all_annotations
        )
        manifest_bytes = manifest.to_json_bytes()
        blobs[config_descriptor.digest] = config_bytes
        blobs[manifest.descriptor().digest] = manifest_bytes
        images.append(
            PlatformImage(
                built.platform,
                model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_MANIFEST, manifest_bytes, platform=oci_platform),
                config_descriptor,
                layers,
            )
        )
    index = model.Index(manifests=tuple(i.manifest for i in images), annotations=all_annotations)
    index_bytes = index.to_json_bytes()
    index_descriptor = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_INDEX, index_bytes)
    blobs[index_descriptor.digest] = index_bytes

    documents = await Get(
        Digest,
        CreateDigest(
            FileContent(path, data) for path, data in layout_files(_layout_index(index_descriptor, images, tags), blobs)
        ),
    )
    layer_blobs = {layer.descriptor.digest: layer.blob for image in images for layer in image.layers}
    layout = await Get(Digest, MergeDigests([documents, *layer_blobs.values()]))

    sbom = None
    if field_set.sbom.value:
        # Every platform's build info: each has its own settings, and may link other modules.
        build_infos = await MultiGet(
            Get(
                ProcessResult,
                GoProcess(("version", "-m", b.path), f"Read the build info of {binary.address} for {b.platform}", b.digest),
            )
            for b in binaries
        )
        # A vendored build records no module hashes; go.sum still has them.
        context = await Get(GoBuildContext, GoBuildContextRequest(binary.main_dir, f"the `main` of {binary.address}"))
        checksums = await Get(GoSumChecksums, GoBuildContext, context)
        document = build_spdx_document(
            [parse_go_version_m(result.stdout.decode()) for result in build_infos],
            name=f"{repository} ({address})",
            base_packages=base.packages,
            image_name=repository,
            created=created,
            go_sums=checksums.sums,
        )
        sbom = spdx_json_bytes(document)

    return BuiltImage(
        address=address,
        repository=repository,
        tags=tags,
        layout=layout,
        index=index_descriptor,
        images=tuple(images),
        sbom=sbom,
    )


def rules():
    return collect_rules()
