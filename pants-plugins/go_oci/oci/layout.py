"""Where blobs live, and the files of the two image directories go_oci writes: an OCI image layout
(image-layout.md of the OCI image spec) and a docker-archive (what `docker save` writes).

`blob_path` is the one place that says where a blob of a given digest is stored; layertool is given
paths and never derives one.
"""

from __future__ import annotations

import json
import posixpath
from typing import Dict, List, Mapping, Sequence, Tuple

from .layer import LayerEntry
from .model import ANNOTATION_REF_NAME, Descriptor, Index, canonical_json_bytes, validate_tag

OCI_LAYOUT_FILE = "oci-layout"
INDEX_FILE = "index.json"
OCI_LAYOUT_BYTES = canonical_json_bytes({"imageLayoutVersion": "1.0.0"})
DOCKER_ARCHIVE_MANIFEST = "manifest.json"


def blob_path(digest: str) -> str:
    """The layout-relative path of a blob: blobs/<algorithm>/<hex>."""
    algorithm, _, hex_digest = digest.partition(":")
    return f"blobs/{algorithm}/{hex_digest}"


def tagged_index(image: Descriptor, tags: Sequence[str]) -> Index:
    """The layout's index.json: one entry per tag, each naming `image` via ref.name.

    `image` is usually an image index (one manifest per platform), so that `oci:DIR:TAG` resolves
    to every platform at once.
    """
    if not tags:
        raise ValueError("An image layout needs at least one tag.")
    return Index(
        manifests=tuple(
            image.with_annotations({ANNOTATION_REF_NAME: validate_tag(tag)})
            for tag in sorted(set(tags))
        )
    )


def layout_files(layout_index: Index, documents: Mapping[str, bytes]) -> List[Tuple[str, bytes]]:
    """The files of an image layout but its layers: `oci-layout`, `index.json`, and each document
    (config, manifest, index) by digest, as (relative path, bytes) sorted by path. Layers are large
    and already files: they go to `blob_path` of their digests."""
    files = [
        (OCI_LAYOUT_FILE, OCI_LAYOUT_BYTES),
        (INDEX_FILE, layout_index.to_json_bytes()),
        *((blob_path(digest), data) for digest, data in documents.items()),
    ]
    return sorted(files)


def docker_archive_manifest(config: Descriptor, layers: Sequence[Descriptor], repo_tag: str) -> bytes:
    """A docker-archive's manifest.json: one image, its config and layers named by their paths in
    the archive.

    Its keys are in `docker save`'s order rather than sorted; the archive's bytes do not change
    with it.
    """
    image = {
        "Config": blob_path(config.digest),
        "RepoTags": [repo_tag],
        "Layers": [blob_path(layer.digest) for layer in layers],
    }
    return json.dumps([image], separators=(",", ":")).encode()


def docker_archive_entries(
    config: Descriptor, layers: Sequence[Descriptor], layout_dir: str, manifest_src: str
) -> Tuple[LayerEntry, ...]:
    """The entries `layertool archive` writes a docker-archive from: each blob once, copied from
    the layout in `layout_dir` and checked against its digest, then `manifest.json` from
    `manifest_src`."""
    blobs: Dict[str, Descriptor] = {blob.digest: blob for blob in (config, *layers)}
    return (
        *(
            LayerEntry.file(blob_path(d), posixpath.join(layout_dir, blob_path(d)), digest=d)
            for d in sorted(blobs)
        ),
        LayerEntry.file(DOCKER_ARCHIVE_MANIFEST, manifest_src),
    )
