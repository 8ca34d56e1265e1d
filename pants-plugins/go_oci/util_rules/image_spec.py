"""A go_image's fields, parsed and checked once: what every step of its build reads.

A field checks its own syntax when it is parsed (target_types.py); what depends on other targets (the
binary, the base, the data) is checked here, so no later step finds a field error.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.build_graph.address import ResolveError
from pants.core.target_types import (
    FileSourceField,
    FilesGeneratingSourcesField,
    ResourceSourceField,
    ResourcesGeneratingSourcesField,
)
from pants.engine.addresses import Address, AddressInput
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import SourcesField, WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.oci import model
from go_oci.platforms import InvalidPlatform, Platform
from go_oci.target_types import (
    BASE_FIX,
    BUILTIN_BASES,
    IMAGE_OS,
    GoCrossBinaryFieldSet,
    GoCrossBinaryTarget,
    GoImageFieldSet,
    OciPullTarget,
    fill_in_tag,
    invalid_field,
)
from go_oci.util_rules.build import GoBinarySpec
from go_oci.util_rules.sdk import GoTargetPairs

_DATA_SOURCES = (FileSourceField, FilesGeneratingSourcesField, ResourceSourceField, ResourcesGeneratingSourcesField)


@dataclass(frozen=True)
class GoImageSpec:
    """Everything of a go_image that decides its bytes and where they go."""

    address: Address
    binary: GoBinarySpec
    base_name: str  # "static", "scratch", or `base` as written
    pulled_base: Address | None  # the `oci_pull` target of a pulled base
    platforms: tuple[Platform, ...]  # sorted: the index lists them in this order
    binary_path: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...]
    env: tuple[str, ...]  # `NAME=value` by name: the target's own, over the base's
    user: str
    workdir: str
    exposed_ports: tuple[str, ...]
    labels: FrozenDict[str, str]
    annotations: FrozenDict[str, str]
    data: tuple[SourcesField, ...]  # of the `files`/`resources` targets
    data_dir: str
    repository: str
    tags: tuple[str, ...]  # filled in from the binary
    registries: tuple[str, ...] | None  # `@alias`es and addresses; None: [go-oci].registries' defaults
    skip_push: bool
    sbom: bool
    created: str

    @property
    def version(self) -> str | None:
        return self.binary.x_defs.get("main.version")


def image_tags(address: Address, templates: tuple[str, ...], binary: GoBinarySpec) -> tuple[str, ...]:
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


def image_platforms(
    address: Address, platforms: tuple[str, ...] | None, binary: GoBinarySpec, pairs: GoTargetPairs
) -> tuple[Platform, ...]:
    """The `platforms` of the image (default: the binary's), each one the binary builds."""
    if platforms is None:
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
        wanted = tuple(sorted({Platform.parse(p, pairs.pairs) for p in platforms}))
    except InvalidPlatform as e:
        raise invalid_field(address, "platforms", str(e)) from None
    missing = [str(p) for p in wanted if p not in binary.platforms]
    if missing:
        raise invalid_field(
            address, "platforms", f"{', '.join(missing)} not built by the binary {binary.address} (it builds "
            f"{', '.join(str(p) for p in binary.platforms)}). Add them to its `platforms`, or drop them here."
        )
    return wanted


def image_repository(address: Address, repository: str | None) -> str:
    if repository is not None:
        return repository  # the field checked it
    try:
        return model.validate_repository(address.target_name)
    except ValueError as e:
        raise invalid_field(address, "repository", f"by default the target's name, and {e} Set `repository`.") from None


async def _target(address: Address, alias: str, spec: str) -> WrappedTarget:
    origin = f"the `{alias}` field of {address}"
    resolved = await Get(Address, AddressInput, AddressInput.parse(spec, relative_to=address.spec_path, description_of_origin=origin))
    return await Get(WrappedTarget, WrappedTargetRequest(resolved, description_of_origin=origin))


async def _pulled_base(field_set: GoImageFieldSet) -> Address | None:
    address, base = field_set.address, field_set.base.value
    if base in BUILTIN_BASES:
        return None
    try:
        wrapped = await _target(address, "base", base)
    except ResolveError:
        raise invalid_field(address, "base", f"{base!r}: {BASE_FIX}") from None
    if not isinstance(wrapped.target, OciPullTarget):
        raise invalid_field(
            address, "base", f"{wrapped.target.address} is a `{wrapped.target.alias}`; {BASE_FIX}"
        )
    return wrapped.target.address


@rule(desc="Read a go_image's fields", level=LogLevel.DEBUG)
async def go_image_spec(field_set: GoImageFieldSet, pairs: GoTargetPairs) -> GoImageSpec:
    address = field_set.address
    wrapped_binary = await _target(address, "binary", field_set.binary.value)
    if not isinstance(wrapped_binary.target, GoCrossBinaryTarget):
        raise invalid_field(
            address, "binary", f"{wrapped_binary.target.address} is a `{wrapped_binary.target.alias}`; it must be a "
            "`go_cross_binary`."
        )
    binary = await Get(GoBinarySpec, GoCrossBinaryFieldSet, GoCrossBinaryFieldSet.create(wrapped_binary.target))
    platforms = image_platforms(address, field_set.platforms.value, binary, pairs)
    pulled_base = await _pulled_base(field_set)
    origin = f"the `data` field of {address}"
    data_addresses = await MultiGet(
        Get(Address, AddressInput, AddressInput.parse(spec, relative_to=address.spec_path, description_of_origin=origin))
        for spec in field_set.data.value
    )
    data = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin=origin)) for a in data_addresses
    )
    for wrapped in data:
        if not any(wrapped.target.has_field(f) for f in _DATA_SOURCES):
            raise invalid_field(
                address, "data", f"{wrapped.target.address} is a `{wrapped.target.alias}`; `data` takes `files`, "
                "`file`, `resources` or `resource` targets."
            )
    binary_path = field_set.binary_path.value or f"/app/{binary.binary_name}"
    entrypoint = field_set.entrypoint.value
    return GoImageSpec(
        address=address,
        binary=binary,
        base_name=field_set.base.value,
        pulled_base=pulled_base,
        platforms=platforms,
        binary_path=binary_path,
        entrypoint=tuple(entrypoint) if entrypoint is not None else (binary_path,),
        cmd=tuple(field_set.args.value or ()),
        env=model.validate_env(field_set.env.value or {}),
        user=field_set.user.value,
        workdir=field_set.workdir.value,
        exposed_ports=field_set.exposed_ports.value,
        labels=field_set.labels.value or FrozenDict(),
        annotations=field_set.annotations.value or FrozenDict(),
        data=tuple(w.target[SourcesField] for w in data),
        data_dir=field_set.data_dir.value,
        repository=image_repository(address, field_set.repository.value),
        tags=image_tags(address, field_set.tags.value, binary),
        registries=field_set.registries.value,
        skip_push=field_set.skip_push.value,
        sbom=field_set.sbom.value,
        created=field_set.created.value,
    )


def rules():
    return collect_rules()
