"""Pulls and pushes: what the model asks `layertool fetch` and `layertool push` to move.

layertool only moves bytes, checked against the digests it is given. A pull is a walk the model
drives (`PinnedPull`): the image's manifest or index by its pinned digest, then the wanted
platforms' manifests, then their configs and layers, each step parsed here before the next is asked
for. A push (`ImagePush`) sends the files the model wrote, under the digests it computed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, Generator, Iterable, List, Mapping, Optional, Sequence, Tuple

from .layout import blob_path
from .model import (
    MANIFEST_MEDIA_TYPES,
    Descriptor,
    Index,
    Manifest,
    Platform,
    canonical_json_bytes,
    parse_document,
    validate_digest,
)
from .sbom import SbomReferrer

# ---------------------------------------------------------------------------- pull


@dataclass(frozen=True)
class Fetch:
    """One `layertool fetch`: manifests by digest, kept as the registry serves them, and blobs by
    descriptor. `read` names the blobs (configs) whose bytes the walk reads; layers stay files."""

    manifests: Tuple[str, ...] = ()
    blobs: Tuple[Descriptor, ...] = ()
    read: Tuple[str, ...] = ()

    @property
    def paths(self) -> Tuple[str, ...]:
        """Every file the fetch writes."""
        return tuple(blob_path(d) for d in (*self.manifests, *(b.digest for b in self.blobs)))

    @property
    def read_paths(self) -> Tuple[str, ...]:
        return tuple(blob_path(d) for d in (*self.manifests, *self.read))

    @property
    def summary(self) -> str:
        """What is fetched, for a process description: "2 manifests", "1 blob"."""
        counts = ((len(self.manifests), "manifest"), (len(self.blobs), "blob"))
        return ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts if n)

    def spec_json_bytes(self) -> bytes:
        """FETCH.json."""
        return canonical_json_bytes(
            {
                "manifests": [{"digest": validate_digest(d), "path": blob_path(d)} for d in self.manifests],
                "blobs": [{"digest": b.digest, "size": b.size, "path": blob_path(b.digest)} for b in self.blobs],
            }
        )


@dataclass(frozen=True)
class Fetched:
    """What a `Fetch` brought that the walk reads: documents by digest, and the Content-Type each
    manifest was served with."""

    documents: Tuple[Tuple[str, bytes], ...]
    content_types: Tuple[Tuple[str, str], ...]

    @classmethod
    def of(cls, fetch: Fetch, stdout: bytes, files: Mapping[str, bytes]) -> "Fetched":
        """From layertool's report (`stdout`) and the fetch's `read_paths` as read back (`files`)."""
        report = json.loads(stdout)
        digests = (*fetch.manifests, *fetch.read)
        return cls(
            documents=tuple((d, files[blob_path(d)]) for d in digests),
            content_types=tuple((m["digest"], m["content_type"]) for m in report["manifests"]),
        )

    def document(self, digest: str) -> bytes:
        return dict(self.documents)[digest]

    def content_type(self, digest: str) -> str:
        return dict(self.content_types).get(digest, "")


@dataclass(frozen=True)
class PulledPlatform:
    platform: Platform  # as the index names it, or as a lone manifest's config says
    manifest: Manifest
    config: bytes  # the config as the registry serves it


@dataclass(frozen=True)
class PulledImage:
    digest: str  # the pin: of the index, or of a lone manifest
    platforms: Tuple[PulledPlatform, ...]  # in the index's order

    @property
    def layers(self) -> Tuple[Descriptor, ...]:
        """Every layer, once each."""
        return tuple({layer.digest: layer for p in self.platforms for layer in p.manifest.layers}.values())


class PinnedPull:
    """The walk of a pull of `reference@digest`: `next_fetch` says what to fetch next, given what
    the last fetch brought, until the image is complete (`image`). Raises ValueError when what the
    registry holds is not what was asked for.

    Only the wanted platforms' blobs are fetched (every platform's when none is named); the root is
    kept as served even then, since its digest is the pin.
    """

    def __init__(self, reference: str, digest: str, wanted: Iterable[Platform] = ()) -> None:
        self.reference = f"{reference}@{validate_digest(digest)}"
        self.digest = digest
        self.wanted = tuple(wanted)
        self.image: Optional[PulledImage] = None
        self._walk = self._steps()

    def next_fetch(self, fetched: Optional[Fetched] = None) -> Optional[Fetch]:
        """The next fetch; None once `image` is complete. The first call takes no `fetched`."""
        try:
            return self._walk.send(fetched)
        except StopIteration as done:
            self.image = done.value
            return None

    def _steps(self) -> Generator[Fetch, Fetched, PulledImage]:
        fetched = yield Fetch(manifests=(self.digest,))
        root = self._parse(fetched.document(self.digest), fetched.content_type(self.digest), self.digest)
        documents: Dict[str, bytes] = {}
        if isinstance(root, Index):
            try:
                entries = root.select(self.wanted)
            except ValueError as e:
                raise ValueError(f"image {self.reference} {e}") from None
            for entry in entries:
                if entry.media_type not in MANIFEST_MEDIA_TYPES:
                    raise ValueError(
                        f"{self.reference}: the index lists {entry.digest} of media type {entry.media_type!r}; "
                        "only image manifests are supported inside an index"
                    )
            fetched = yield Fetch(manifests=tuple(e.digest for e in entries))
            images = [(entry.platform, self._manifest(fetched, entry)) for entry in entries]
        else:
            # A lone manifest says its platform only in its config, read before any layer is fetched.
            fetched = yield Fetch(blobs=(root.config,), read=(root.config.digest,))
            documents.update(fetched.documents)
            platform = Platform.from_json(self._config(documents[root.config.digest], root.config.digest))
            for want in self.wanted:
                if not want.matches(platform):
                    raise ValueError(
                        f"image {self.reference} has no {want} manifest; it is a single {platform} image"
                    )
            images = [(platform, root)]
        blobs: Dict[str, Descriptor] = {}
        for _, manifest in images:
            for blob in (manifest.config, *manifest.layers):
                if blob.digest not in documents:
                    blobs.setdefault(blob.digest, blob)
        configs = tuple(dict.fromkeys(m.config.digest for _, m in images if m.config.digest not in documents))
        fetched = yield Fetch(blobs=tuple(blobs.values()), read=configs)
        documents.update(fetched.documents)
        return PulledImage(
            self.digest,
            tuple(PulledPlatform(platform, m, documents[m.config.digest]) for platform, m in images),
        )

    def _manifest(self, fetched: Fetched, entry: Descriptor) -> Manifest:
        data = fetched.document(entry.digest)
        if len(data) != entry.size:
            raise ValueError(f"{self.reference}: manifest {entry.digest} has {len(data)} bytes, the index says {entry.size}")
        manifest = self._parse(data, entry.media_type, entry.digest)
        if not isinstance(manifest, Manifest):
            raise ValueError(f"{self.reference}: {entry.digest} is an index, but the index lists it as an image manifest")
        return manifest

    def _parse(self, data: bytes, served_as: str, digest: str):
        try:
            return parse_document(data, served_as)
        except ValueError as e:
            raise ValueError(f"{self.reference}: {digest}: {e}") from None

    def _config(self, data: bytes, digest: str) -> dict:
        try:
            config = json.loads(data)
        except ValueError as e:
            raise ValueError(f"{self.reference}: config {digest} is not JSON: {e}") from None
        if not isinstance(config, dict):
            raise ValueError(f"{self.reference}: config {digest} is not a JSON object")
        return config


# ---------------------------------------------------------------------------- push


@dataclass(frozen=True)
class ImagePush:
    """What `layertool push` sends, in order: blobs, manifests (the image last, which the tags name),
    then the SBOM's referrer. Every path is `blob_path` of a digest, under one directory: the image
    layout, with the referrer's files (`referrer_files`) added."""

    blobs: Tuple[Descriptor, ...]
    manifests: Tuple[Descriptor, ...]
    sbom: Optional[SbomReferrer] = None

    @classmethod
    def of(
        cls,
        index: Descriptor,
        images: Sequence[Tuple[Descriptor, Descriptor, Sequence[Descriptor]]],
        sbom: Optional[bytes] = None,
    ) -> "ImagePush":
        """The push of an index and its images, each as (manifest, config, layers)."""
        blobs: Dict[str, Descriptor] = {}
        for _, config, layers in images:
            for blob in (config, *layers):
                blobs.setdefault(blob.digest, blob)
        return cls(
            blobs=tuple(blobs.values()),
            manifests=(*(manifest for manifest, _, _ in images), index),
            sbom=SbomReferrer(index, sbom) if sbom is not None else None,
        )

    def referrer_files(self) -> List[Tuple[str, bytes]]:
        """The files the push needs beyond the image layout: the SBOM, its empty config and its
        referrer manifest."""
        return sorted((blob_path(d), data) for d, data in (self.sbom.blobs() if self.sbom else {}).items())

    def spec_json_bytes(self) -> bytes:
        """PUSH.json."""
        spec: Dict[str, object] = {
            "blobs": [_blob_file(b) for b in self.blobs],
            "manifests": [_manifest_file(m) for m in self.manifests],
        }
        if self.sbom is not None:
            manifest = self.sbom.manifest
            spec["sbom"] = {
                "blobs": [_blob_file(manifest.config), _blob_file(manifest.layers[0])],
                "manifest": _manifest_file(manifest.descriptor()),
                "fallback_tag": self.sbom.fallback_tag,
            }
        return canonical_json_bytes(spec)


def _blob_file(blob: Descriptor) -> Dict[str, object]:
    return {"digest": blob.digest, "size": blob.size, "path": blob_path(blob.digest)}


def _manifest_file(manifest: Descriptor) -> Dict[str, object]:
    return {"digest": manifest.digest, "media_type": manifest.media_type, "path": blob_path(manifest.digest)}
