"""The files of an OCI image layout directory (image-layout.md of the OCI image spec).

`layout_files` is pure: it checks that every blob reachable from the layout's `index.json` is
present, correctly sized and hashed, and that no unreferenced blob is included, then returns the
file set. `write_layout` writes that set to disk. Blobs come as bytes or as paths to files that
already hold them (layers are large; they are not read into memory to be copied).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple, Union

from .model import (
    ANNOTATION_REF_NAME,
    INDEX_MEDIA_TYPES,
    MANIFEST_MEDIA_TYPES,
    Descriptor,
    Index,
    canonical_json_bytes,
    validate_tag,
)

BlobSource = Union[bytes, "os.PathLike[str]", str]
LayoutFile = Tuple[str, Union[bytes, Path]]

OCI_LAYOUT_FILE = "oci-layout"
INDEX_FILE = "index.json"
OCI_LAYOUT_BYTES = canonical_json_bytes({"imageLayoutVersion": "1.0.0"})

_HASH_CHUNK = 1 << 20


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


def layout_files(layout_index: Index, blobs: Mapping[str, BlobSource]) -> List[LayoutFile]:
    """The files of the layout as (relative path, bytes or source file path), sorted by path."""
    reachable = _reachable_blobs(layout_index, blobs)
    unreferenced = sorted(set(blobs) - set(reachable))
    if unreferenced:
        raise ValueError(
            f"Blobs not referenced from the layout's index: {', '.join(unreferenced)}."
        )
    files: List[LayoutFile] = [
        (INDEX_FILE, layout_index.to_json_bytes()),
        (OCI_LAYOUT_FILE, OCI_LAYOUT_BYTES),
    ]
    for digest in sorted(reachable):
        source = blobs[digest]
        files.append((blob_path(digest), source if isinstance(source, bytes) else Path(source)))
    return sorted(files, key=lambda f: f[0])


def write_layout(
    directory: Union[str, "os.PathLike[str]"], layout_index: Index, blobs: Mapping[str, BlobSource]
) -> None:
    """Write the layout into `directory`, which must not exist yet.

    The layout is assembled in a sibling temporary directory and renamed into place, so a
    failure never leaves a half-written layout behind.
    """
    target = Path(directory)
    if target.exists():
        raise ValueError(f"{target} already exists; an image layout is written to a new directory.")
    files = layout_files(layout_index, blobs)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for relative_path, content in files:
            destination = staging / relative_path
            destination.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                destination.write_bytes(content)
            else:
                shutil.copyfile(content, destination)
        # mkdtemp creates a 0700 directory; a layout is meant to be shared.
        staging.chmod(0o755)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _reachable_blobs(layout_index: Index, blobs: Mapping[str, BlobSource]) -> Dict[str, Descriptor]:
    """Walk manifests and indexes from `layout_index`, checking each blob against its descriptor."""
    reachable: Dict[str, Descriptor] = {}
    pending = list(layout_index.manifests)
    while pending:
        descriptor = pending.pop()
        if descriptor.digest in reachable:
            continue
        if descriptor.digest not in blobs:
            raise ValueError(
                f"Missing blob {descriptor.digest} ({descriptor.media_type}) referenced from the layout."
            )
        source = blobs[descriptor.digest]
        _check_blob(descriptor, source)
        reachable[descriptor.digest] = descriptor
        if descriptor.media_type in MANIFEST_MEDIA_TYPES | INDEX_MEDIA_TYPES:
            pending.extend(_children(json.loads(_read(source))))
    return reachable


def _children(document: Mapping) -> List[Descriptor]:
    """The blobs a manifest or index needs. A `subject` is not one: it may live elsewhere."""
    children = [Descriptor.from_json(m) for m in document.get("manifests", ())]
    if "config" in document:
        children.append(Descriptor.from_json(document["config"]))
    children.extend(Descriptor.from_json(layer) for layer in document.get("layers", ()))
    return children


def _check_blob(descriptor: Descriptor, source: BlobSource) -> None:
    hasher = hashlib.sha256()
    size = 0
    if isinstance(source, bytes):
        hasher.update(source)
        size = len(source)
    else:
        with open(source, "rb") as blob:
            for chunk in iter(lambda: blob.read(_HASH_CHUNK), b""):
                hasher.update(chunk)
                size += len(chunk)
    if size != descriptor.size:
        raise ValueError(
            f"Blob {descriptor.digest} has {size} bytes but its descriptor says {descriptor.size}."
        )
    actual = "sha256:" + hasher.hexdigest()
    if actual != descriptor.digest:
        raise ValueError(f"Blob {descriptor.digest} has content that hashes to {actual}.")


def _read(source: BlobSource) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()
