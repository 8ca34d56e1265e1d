"""The OCI image model: descriptors, platforms, image configs, manifests and indexes.

Every type is a frozen, hashable dataclass (mappings are stored as sorted tuples of pairs) so
values can cross Pants rule boundaries. `to_json_bytes()` is canonical: sorted keys, compact
separators, UTF-8, and optional fields left out when empty, so equal values always give equal
bytes and therefore equal digests.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

# ---------------------------------------------------------------------------- media types

MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_TYPE_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_TYPE_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_TYPE_OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
# The config of an artifact manifest (e.g. an SBOM attached via the referrers API) is this
# fixed two-byte blob, "{}".
MEDIA_TYPE_OCI_EMPTY = "application/vnd.oci.empty.v1+json"
MEDIA_TYPE_SPDX_JSON = "application/spdx+json"

MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_TYPE_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_TYPE_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MANIFEST_MEDIA_TYPES = frozenset({MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST})
INDEX_MEDIA_TYPES = frozenset({MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST})

# ---------------------------------------------------------------------------- annotations

ANNOTATION_CREATED = "org.opencontainers.image.created"
ANNOTATION_VERSION = "org.opencontainers.image.version"
ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_TITLE = "org.opencontainers.image.title"
ANNOTATION_BASE_DIGEST = "org.opencontainers.image.base.digest"
ANNOTATION_BASE_NAME = "org.opencontainers.image.base.name"

EPOCH = "1970-01-01T00:00:00Z"

EMPTY_JSON = b"{}"

# ---------------------------------------------------------------------------- helpers

Pairs = Tuple[Tuple[str, str], ...]
PairsInput = Union[Mapping[str, str], Iterable[Tuple[str, str]], None]


def canonical_json_bytes(value: Any) -> bytes:
    """Serialize `value` with sorted keys and compact separators, as UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _frozen_pairs(pairs: PairsInput) -> Pairs:
    items = pairs.items() if isinstance(pairs, Mapping) else (pairs or ())
    frozen = tuple(sorted((str(k), str(v)) for k, v in items))
    keys = [k for k, _ in frozen]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"Duplicate keys: {', '.join(duplicates)}.")
    return frozen


def _freeze(instance: Any, **fields: Any) -> None:
    """Normalize fields of a frozen dataclass in __post_init__."""
    for name, value in fields.items():
        object.__setattr__(instance, name, value)


def _json_object(**values: Any) -> Dict[str, Any]:
    """Build a JSON object, leaving out None and empty optional values as the OCI spec allows."""
    return {k: v for k, v in values.items() if v is not None and v != () and v != {} and v != []}


def _pairs_dict(pairs: Pairs) -> Optional[Dict[str, str]]:
    return dict(pairs) if pairs else None


class _JsonDocument:
    """Shared by every type that is stored as a blob of its own."""

    media_type: str

    def to_json(self) -> Dict[str, Any]:
        raise NotImplementedError

    def to_json_bytes(self) -> bytes:
        return canonical_json_bytes(self.to_json())

    def descriptor(
        self, *, platform: Optional["Platform"] = None, annotations: PairsInput = None
    ) -> "Descriptor":
        return Descriptor.for_bytes(
            self.media_type, self.to_json_bytes(), platform=platform, annotations=annotations
        )


# ---------------------------------------------------------------------------- validation

# Used with fullmatch: "$" in a pattern would let a trailing newline through.
_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_USER_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\$?")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
# The distribution spec's repository name: lowercase components separated by "/", each component's
# separators being ".", "_", "__" or a run of "-".
_REPOSITORY_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"{_REPOSITORY_COMPONENT}(?:/{_REPOSITORY_COMPONENT})*")
_MAX_REPOSITORY = 255
_METADATA_KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
_TIMESTAMP_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_PORT_PROTOCOLS = ("tcp", "udp", "sctp")
_MAX_ID = 2**32 - 2  # 2**32 - 1 is (uid_t)-1, which the kernel reserves.


def validate_digest(digest: str) -> str:
    if not _DIGEST_RE.fullmatch(digest):
        raise ValueError(
            f"Invalid digest {digest!r}: expected 'sha256:' followed by 64 lowercase hex digits."
        )
    return digest


def validate_exposed_port(port: str) -> str:
    """Validate "8080", "8080/tcp" or "53/udp"; return the normalized "<port>/<protocol>" form."""
    number, _, protocol = port.partition("/")
    protocol = protocol or "tcp"
    examples = 'use e.g. "8080", "8080/tcp" or "53/udp"'
    if protocol not in _PORT_PROTOCOLS:
        raise ValueError(
            f"Invalid exposed port {port!r}: protocol must be one of "
            f"{', '.join(_PORT_PROTOCOLS)}; {examples}."
        )
    if not number.isdigit() or not number.isascii() or not 1 <= int(number) <= 65535:
        raise ValueError(
            f"Invalid exposed port {port!r}: the port must be a number from 1 to 65535; {examples}."
        )
    return f"{int(number)}/{protocol}"


def validate_user(user: str) -> str:
    """Validate a config User: "65532", "65532:65532", "nonroot" or "nonroot:nonroot"."""
    examples = 'use e.g. "65532", "65532:65532" or "nonroot"'
    if not user:
        raise ValueError(f"Invalid user '': it must not be empty; {examples}.")
    parts = user.split(":")
    if len(parts) > 2:
        raise ValueError(f"Invalid user {user!r}: expected USER or USER:GROUP; {examples}.")
    for kind, part in zip(("user", "group"), parts):
        if part.isdigit() and part.isascii():
            if int(part) > _MAX_ID:
                raise ValueError(
                    f"Invalid user {user!r}: {kind} id {part} is larger than {_MAX_ID}."
                )
        elif not _USER_NAME_RE.fullmatch(part):
            raise ValueError(
                f"Invalid user {user!r}: {kind} {part!r} is neither a numeric id nor a valid "
                f"name (letters, digits, '_', '.', '-', not starting with a digit); {examples}."
            )
    return user


def validate_env_name(name: str) -> str:
    if not _ENV_NAME_RE.fullmatch(name):
        raise ValueError(
            f"Invalid environment variable name {name!r}: it must start with a letter or '_' "
            "and contain only letters, digits and '_'."
        )
    return name


def validate_env(env: Mapping[str, str]) -> Tuple[str, ...]:
    """Validate an env mapping and return config `Env` entries ("NAME=value") sorted by name."""
    entries = []
    for name, value in sorted(env.items()):
        validate_env_name(name)
        if "\0" in value:
            raise ValueError(f"Invalid value for environment variable {name!r}: it contains NUL.")
        entries.append(f"{name}={value}")
    return tuple(entries)


def validate_metadata_key(key: str, kind: str = "label") -> str:
    """Validate a label or annotation key (reverse-DNS style, like "org.example.team")."""
    if not _METADATA_KEY_RE.fullmatch(key):
        raise ValueError(
            f"Invalid {kind} key {key!r}: it must be non-empty, start with a letter or digit and "
            "contain only letters, digits, '.', '_', '-' and '/' (e.g. \"org.example.team\")."
        )
    return key


def validate_tag(tag: str) -> str:
    if not _TAG_RE.fullmatch(tag):
        raise ValueError(
            f"Invalid tag {tag!r}: tags are 1-128 characters of letters, digits, '_', '.' and '-', "
            "not starting with '.' or '-'."
        )
    return tag


def validate_repository(repository: str) -> str:
    """Validate a repository path as a registry names it, without the registry: "acme/greeter"."""
    if len(repository) > _MAX_REPOSITORY or not _REPOSITORY_RE.fullmatch(repository):
        lower = repository.lower()
        hint = f"; here {lower!r}" if lower != repository and _REPOSITORY_RE.fullmatch(lower) else ""
        raise ValueError(
            f"Invalid repository {repository!r}: a repository is lowercase letters and digits in "
            "components separated by '/', each component's words joined by '.', '_', '__' or '-' (at most "
            f"{_MAX_REPOSITORY} characters), without a registry, tag or digest, e.g. 'acme/greeter'{hint}."
        )
    return repository


def validate_timestamp(timestamp: str) -> str:
    """Validate an RFC 3339 timestamp such as "1970-01-01T00:00:00Z"."""
    if _TIMESTAMP_RE.fullmatch(timestamp) and _is_real_date_and_time(timestamp[:19]):
        return timestamp
    raise ValueError(
        f'Invalid timestamp {timestamp!r}: expected RFC 3339, e.g. "1970-01-01T00:00:00Z".'
    )


def _is_real_date_and_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Platform:
    """A platform as OCI descriptors and configs spell it (Go's GOARCH names the architecture).

    Parsing and validating user-written "os/arch[/variant]" strings is go_oci.platforms' job.
    """

    os: str
    architecture: str
    variant: Optional[str] = None
    os_version: Optional[str] = None
    os_features: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.os or not self.architecture:
            raise ValueError(f"A platform needs an os and an architecture, got {self!r}.")
        _freeze(self, os_features=tuple(self.os_features))

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    @classmethod
    def parse(cls, text: str) -> "Platform":
        """An "os/arch[/variant]" string, e.g. from an oci_pull's `platforms`."""
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(
                f'platform {text!r} must be OS/ARCH[/VARIANT], like "linux/arm64" or "linux/arm/v7"'
            )
        return cls(*parts)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Platform":
        """A descriptor's platform, or the platform fields of an image config."""
        return cls(
            os=value.get("os", ""),
            architecture=value.get("architecture", ""),
            variant=value.get("variant") or None,
            os_version=value.get("os.version"),
            os_features=tuple(value.get("os.features") or ()),
        )

    def matches(self, offered: "Platform") -> bool:
        """Whether an image offered for `offered` serves a request for this platform.

        A missing variant is the default one where images disagree on writing it: arm64 manifests are
        often marked "v8", requests rarely are.
        """

        def variant(platform: Platform) -> Optional[str]:
            if platform.architecture == "arm64" and platform.variant == "v8":
                return None
            return platform.variant

        return (self.os, self.architecture, variant(self)) == (
            offered.os,
            offered.architecture,
            variant(offered),
        )

    def to_json(self) -> Dict[str, Any]:
        return _json_object(
            **{
                "os": self.os,
                "architecture": self.architecture,
                "variant": self.variant,
                "os.version": self.os_version,
                "os.features": list(self.os_features),
            }
        )


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    annotations: Pairs = ()
    platform: Optional[Platform] = None
    artifact_type: Optional[str] = None
    urls: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_digest(self.digest)
        if self.size < 0:
            raise ValueError(f"Descriptor size must not be negative, got {self.size}.")
        _freeze(self, annotations=_frozen_pairs(self.annotations), urls=tuple(self.urls))

    @classmethod
    def for_bytes(
        cls,
        media_type: str,
        data: bytes,
        *,
        platform: Optional[Platform] = None,
        annotations: PairsInput = None,
        artifact_type: Optional[str] = None,
    ) -> "Descriptor":
        return cls(
            media_type=media_type,
            digest=sha256_digest(data),
            size=len(data),
            annotations=_frozen_pairs(annotations),
            platform=platform,
            artifact_type=artifact_type,
        )

    @property
    def hex(self) -> str:
        return self.digest.split(":", 1)[1]

    def with_annotations(self, annotations: PairsInput) -> "Descriptor":
        """A copy with `annotations` added, replacing existing values of the same keys."""
        return replace(
            self, annotations={**dict(self.annotations), **dict(_frozen_pairs(annotations))}
        )

    def to_json(self) -> Dict[str, Any]:
        return _json_object(
            mediaType=self.media_type,
            digest=self.digest,
            size=self.size,
            annotations=_pairs_dict(self.annotations),
            platform=self.platform.to_json() if self.platform else None,
            artifactType=self.artifact_type,
            urls=list(self.urls),
        )

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Descriptor":
        platform = value.get("platform")
        try:
            return cls(
                media_type=value["mediaType"],
                digest=value["digest"],
                size=value["size"],
                annotations=value.get("annotations") or (),
                platform=Platform.from_json(platform) if platform else None,
                artifact_type=value.get("artifactType"),
                urls=tuple(value.get("urls", ())),
            )
        except KeyError as e:
            raise ValueError(f"A descriptor has no {e.args[0]!r}: {dict(value)}.") from None


EMPTY_CONFIG_DESCRIPTOR = Descriptor.for_bytes(MEDIA_TYPE_OCI_EMPTY, EMPTY_JSON)


@dataclass(frozen=True)
class HistoryEntry:
    created: Optional[str] = EPOCH
    created_by: Optional[str] = None
    # True for steps that changed only the config; such entries have no layer in rootfs.
    empty_layer: bool = False

    def to_json(self) -> Dict[str, Any]:
        return _json_object(
            created=self.created,
            created_by=self.created_by,
            empty_layer=True if self.empty_layer else None,
        )


@dataclass(frozen=True)
class ImageConfig(_JsonDocument):
    """An image configuration (application/vnd.oci.image.config.v1+json).

    `env` holds "NAME=value" strings in order; `exposed_ports` holds "port/protocol" strings.
    """

    platform: Platform
    diff_ids: Tuple[str, ...] = ()
    entrypoint: Tuple[str, ...] = ()
    cmd: Tuple[str, ...] = ()
    env: Tuple[str, ...] = ()
    user: Optional[str] = None
    workdir: Optional[str] = None
    exposed_ports: Tuple[str, ...] = ()
    labels: Pairs = ()
    history: Tuple[HistoryEntry, ...] = ()
    created: Optional[str] = EPOCH

    media_type = MEDIA_TYPE_OCI_CONFIG

    def __post_init__(self) -> None:
        for diff_id in self.diff_ids:
            validate_digest(diff_id)
        if self.user is not None:
            validate_user(self.user)
        for entry in self.env:
            validate_env_name(entry.partition("=")[0])
        if self.created is not None:
            validate_timestamp(self.created)
        labels = _frozen_pairs(self.labels)
        for key, _ in labels:
            validate_metadata_key(key, "label")
        layer_steps = sum(1 for h in self.history if not h.empty_layer)
        if self.history and layer_steps != len(self.diff_ids):
            raise ValueError(
                f"The image history has {layer_steps} non-empty steps but rootfs has "
                f"{len(self.diff_ids)} layers; they must match."
            )
        _freeze(
            self,
            diff_ids=tuple(self.diff_ids),
            entrypoint=tuple(self.entrypoint),
            cmd=tuple(self.cmd),
            env=tuple(self.env),
            # Sorted and de-duplicated: they are a JSON object's keys in the config anyway.
            exposed_ports=tuple(sorted({validate_exposed_port(p) for p in self.exposed_ports})),
            labels=labels,
            history=tuple(self.history),
        )

    def to_json(self) -> Dict[str, Any]:
        container_config = _json_object(
            User=self.user,
            ExposedPorts={port: {} for port in self.exposed_ports},
            Env=list(self.env),
            Entrypoint=list(self.entrypoint),
            Cmd=list(self.cmd),
            WorkingDir=self.workdir,
            Labels=_pairs_dict(self.labels),
        )
        platform = self.platform.to_json()
        return _json_object(
            created=self.created,
            config=container_config,
            # rootfs is required even for an image without layers.
            rootfs={"type": "layers", "diff_ids": list(self.diff_ids)},
            history=[h.to_json() for h in self.history],
            **platform,
        )


@dataclass(frozen=True)
class Manifest(_JsonDocument):
    """An image manifest. With `artifact_type` and `subject` it is an artifact (e.g. an SBOM)."""

    config: Descriptor
    layers: Tuple[Descriptor, ...] = ()
    annotations: Pairs = ()
    subject: Optional[Descriptor] = None
    artifact_type: Optional[str] = None
    media_type: str = MEDIA_TYPE_OCI_MANIFEST

    def __post_init__(self) -> None:
        if self.media_type not in MANIFEST_MEDIA_TYPES:
            raise ValueError(f"{self.media_type!r} is not a manifest media type.")
        _freeze(self, layers=tuple(self.layers), annotations=_frozen_pairs(self.annotations))

    def to_json(self) -> Dict[str, Any]:
        return {
            **_json_object(
                schemaVersion=2,
                mediaType=self.media_type,
                artifactType=self.artifact_type,
                config=self.config.to_json(),
                subject=self.subject.to_json() if self.subject else None,
                annotations=_pairs_dict(self.annotations),
            ),
            # Required, even when empty.
            "layers": [layer.to_json() for layer in self.layers],
        }


@dataclass(frozen=True)
class Index(_JsonDocument):
    """An image index: one manifest per platform, or the `index.json` of an image layout."""

    manifests: Tuple[Descriptor, ...] = ()
    annotations: Pairs = ()
    subject: Optional[Descriptor] = None
    artifact_type: Optional[str] = None
    media_type: str = MEDIA_TYPE_OCI_INDEX

    def __post_init__(self) -> None:
        if self.media_type not in INDEX_MEDIA_TYPES:
            raise ValueError(f"{self.media_type!r} is not an index media type.")
        _freeze(self, manifests=tuple(self.manifests), annotations=_frozen_pairs(self.annotations))

    def to_json(self) -> Dict[str, Any]:
        return {
            **_json_object(
                schemaVersion=2,
                mediaType=self.media_type,
                artifactType=self.artifact_type,
                subject=self.subject.to_json() if self.subject else None,
                annotations=_pairs_dict(self.annotations),
            ),
            # Required, even when empty.
            "manifests": [m.to_json() for m in self.manifests],
        }

    def select(self, wanted: Iterable[Platform]) -> Tuple[Descriptor, ...]:
        """The entries for the `wanted` platforms, each once, in the index's order; every entry if
        none is wanted."""
        wanted = tuple(wanted)
        if not wanted:
            return self.manifests
        chosen = {self._entry_for(platform).digest for platform in wanted}
        entries: Dict[str, Descriptor] = {}
        for entry in self.manifests:
            if entry.digest in chosen:
                entries.setdefault(entry.digest, entry)
        return tuple(entries.values())

    def _entry_for(self, platform: Platform) -> Descriptor:
        for entry in self.manifests:
            if entry.platform and platform.matches(entry.platform):
                return entry
        offered = dict.fromkeys(str(m.platform) for m in self.manifests if m.platform)
        raise ValueError(
            f"has no {platform} manifest; it has {', '.join(offered) or 'no platform-specific manifests'}"
        )


def parse_document(data: bytes, served_as: str = "") -> Union[Manifest, Index]:
    """An image manifest or index as a registry served it (`served_as`: its Content-Type).

    Older OCI documents need not name their media type; then the Content-Type says it, or failing
    that the fields do. Docker schema 1 is refused: its digest is not of its bytes, so no pin holds.
    """
    try:
        document = json.loads(data)
    except ValueError as e:
        raise ValueError(f"not a JSON manifest: {e}") from None
    if not isinstance(document, dict):
        raise ValueError("not a JSON manifest: not an object")
    if document.get("schemaVersion") != 2:
        raise ValueError(
            f"schemaVersion {document.get('schemaVersion')} is not supported (only 2: OCI and Docker "
            "v2 manifests)"
        )
    media_type = document.get("mediaType") or served_as.split(";")[0].strip()
    if media_type in ("", "application/json"):
        media_type = MEDIA_TYPE_OCI_INDEX if "manifests" in document else MEDIA_TYPE_OCI_MANIFEST
    if media_type in INDEX_MEDIA_TYPES:
        return Index(
            manifests=tuple(Descriptor.from_json(m) for m in document.get("manifests") or ()),
            annotations=document.get("annotations") or (),
            media_type=media_type,
        )
    if media_type not in MANIFEST_MEDIA_TYPES:
        raise ValueError(f"media type {media_type!r} is neither an image manifest nor an index")
    if not document.get("config"):
        raise ValueError("the manifest has no config")
    return Manifest(
        config=Descriptor.from_json(document["config"]),
        layers=tuple(Descriptor.from_json(layer) for layer in document.get("layers") or ()),
        annotations=document.get("annotations") or (),
        media_type=media_type,
    )
