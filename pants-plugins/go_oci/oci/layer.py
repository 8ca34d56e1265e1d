"""The Python side of `layertool layer` and `layertool archive` (layertool/main.go): the entries of
a tarball in, a layer's digests out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Optional

from .model import MEDIA_TYPE_OCI_LAYER_GZIP, Descriptor, canonical_json_bytes, validate_digest

ENTRY_FILE = "file"
ENTRY_DIR = "dir"
ENTRY_SYMLINK = "symlink"


@dataclass(frozen=True)
class LayerEntry:
    """One entry of a layer or archive. `path` is relative to its root, without a leading slash.

    `mode` defaults in layertool to 0644 for files and 0755 for directories; it never comes from
    the host's file, so host permissions cannot change a layer's digest. Callers may derive it from
    what a Pants digest records (its executable bit), which is part of that digest. The owner is
    declared too: root unless `uid`/`gid` say otherwise. A file's `digest`, if set, is what its
    source must hash to: layertool checks it as it copies.
    """

    path: str
    type: str
    src: Optional[str] = None
    digest: Optional[str] = None
    mode: Optional[int] = None
    target: Optional[str] = None
    uid: int = 0
    gid: int = 0

    @classmethod
    def file(
        cls, path: str, src: str, mode: int = 0o644, *, uid: int = 0, gid: int = 0, digest: Optional[str] = None
    ) -> "LayerEntry":
        return cls(path=path, type=ENTRY_FILE, src=src, digest=digest, mode=mode, uid=uid, gid=gid)

    @classmethod
    def directory(cls, path: str, mode: int = 0o755, *, uid: int = 0, gid: int = 0) -> "LayerEntry":
        return cls(path=path, type=ENTRY_DIR, mode=mode, uid=uid, gid=gid)

    @classmethod
    def symlink(cls, path: str, target: str) -> "LayerEntry":
        return cls(path=path, type=ENTRY_SYMLINK, target=target)

    def to_json(self) -> dict:
        entry = {"path": self.path, "type": self.type}
        if self.src is not None:
            entry["src"] = self.src
        if self.digest is not None:
            entry["digest"] = validate_digest(self.digest)
        if self.mode is not None:
            entry["mode"] = f"{self.mode:04o}"
        if self.target is not None:
            entry["target"] = self.target
        # Root is layertool's default: only another owner is written.
        if self.uid:
            entry["uid"] = self.uid
        if self.gid:
            entry["gid"] = self.gid
        return entry


def tar_spec_json_bytes(entries: Iterable[LayerEntry]) -> bytes:
    """The SPEC.json `layertool layer` and `archive` read, sorted by path so it is stable as an input."""
    return canonical_json_bytes(
        {"entries": [e.to_json() for e in sorted(entries, key=lambda e: e.path)]}
    )


@dataclass(frozen=True)
class LayerResult:
    """What `layertool layer` prints: the compressed blob's digest and size, and its diff_id."""

    digest: str
    size: int
    diff_id: str

    @classmethod
    def from_json_bytes(cls, stdout: bytes) -> "LayerResult":
        value = json.loads(stdout)
        return cls(
            digest=validate_digest(value["digest"]),
            size=int(value["size"]),
            diff_id=validate_digest(value["diff_id"]),
        )

    def descriptor(self) -> Descriptor:
        return Descriptor(media_type=MEDIA_TYPE_OCI_LAYER_GZIP, digest=self.digest, size=self.size)
