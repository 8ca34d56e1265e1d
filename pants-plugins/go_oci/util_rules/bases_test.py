"""Base images: the accounts the built-in `static` base declares own what they need, and a pulled base
is each platform's own image (layers and env) as the pull wrote it."""

from __future__ import annotations

import json

from pants.engine.fs import Digest

from go_oci.oci.layer import ENTRY_DIR
from go_oci.oci.model import MEDIA_TYPE_DOCKER_LAYER_GZIP, MEDIA_TYPE_OCI_LAYER_GZIP, parse_document
from go_oci.oci.model import Platform as OciPlatform
from go_oci.oci.registry import PulledPlatform
from go_oci.platforms import Platform
from go_oci.util_rules.bases import (
    _GROUP,
    _PASSWD,
    BaseImage,
    BasePlatform,
    PulledBasePlatform,
    pulled_base_image,
    static_base_entries,
)


def test_every_account_with_a_home_owns_it_and_nothing_else_has_an_owner() -> None:
    entries = {e.path: e for e in static_base_entries(["zoneinfo/UTC"])}
    groups = {line.split(":")[0]: int(line.split(":")[2]) for line in _GROUP.splitlines()}
    homes = {}
    for line in _PASSWD.splitlines():
        name, _, uid, gid, _, home, _ = line.split(":")
        assert groups[name] == int(gid)
        if home != "/nonexistent":
            homes[home.lstrip("/")] = (int(uid), int(gid))
    assert homes == {"root": (0, 0), "home/nonroot": (65532, 65532)}
    for path, (uid, gid) in homes.items():
        home = entries[path]
        # Private, as in distroless, and writable by its user: the default `user` can use $HOME.
        assert (home.type, home.mode, home.uid, home.gid) == (ENTRY_DIR, 0o700, uid, gid)
    others = [e for path, e in entries.items() if path not in homes]
    assert others and all((e.uid, e.gid) == (0, 0) for e in others)
    assert entries["tmp"].mode == 0o1777


# ---------------------------------------------------------------- a pulled base, read from what the pull wrote


def _layer_digest(n: int) -> str:
    return f"sha256:{n:064x}"


def _manifest(*layers: int, media_type: str = MEDIA_TYPE_OCI_LAYER_GZIP) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": _layer_digest(50), "size": 1},
            "layers": [{"mediaType": media_type, "digest": _layer_digest(n), "size": n} for n in layers],
        }
    ).encode()


def _pulled(platform: str, manifest: bytes, config: bytes) -> PulledBasePlatform:
    """As the pull (oci/registry.py) hands over a platform it fetched."""
    return PulledBasePlatform.of_pull(PulledPlatform(OciPlatform.parse(platform), parse_document(manifest), config))


def _config(env: list[str], *layers: int, history: list[dict] | None = None) -> bytes:
    return json.dumps(
        {
            "config": {"Env": env},
            "rootfs": {"type": "layers", "diff_ids": [_layer_digest(100 + n) for n in layers]},
            "history": history if history is not None else [{"created_by": f"step {n}"} for n in layers],
        }
    ).encode()


BLOBS = {_layer_digest(n): Digest(f"{n:064x}", n) for n in range(1, 4)}
PULLED = (
    _pulled("linux/amd64", _manifest(1, 2), _config(["PATH=/bin", "ARCH=amd64"], 1, 2)),
    _pulled("linux/arm64/v8", _manifest(1, 3), _config(["PATH=/bin", "ARCH=arm64"], 1, 3)),
)


def test_each_platform_of_a_pulled_base_keeps_its_own_env() -> None:
    base = pulled_base_image("registry.example/base", _layer_digest(9), PULLED, BLOBS)
    amd64, arm64 = (base.for_platform(Platform("linux", a)) for a in ("amd64", "arm64"))
    assert amd64 is not None and arm64 is not None
    assert amd64.env == ("PATH=/bin", "ARCH=amd64")
    assert arm64.env == ("PATH=/bin", "ARCH=arm64")


def test_a_pulled_base_has_each_platforms_layers() -> None:
    base = pulled_base_image("registry.example/base", _layer_digest(9), PULLED, BLOBS)
    assert (base.name, base.pinned_digest, base.has_libc, base.contents) == (
        "registry.example/base", _layer_digest(9), True, None
    )
    assert base.platform_names == ("linux/amd64", "linux/arm64/v8")
    amd64 = base.for_platform(Platform("linux", "amd64"))
    assert amd64 is not None and amd64.platform == Platform("linux", "amd64")
    assert [(l.blob, l.descriptor.digest, l.diff_id, l.created_by) for l in amd64.layers] == [
        (BLOBS[_layer_digest(1)], _layer_digest(1), _layer_digest(101), "step 1"),
        (BLOBS[_layer_digest(2)], _layer_digest(2), _layer_digest(102), "step 2"),
    ]
    # arm64's `v8` is its only variant: an image for linux/arm64 or linux/arm64/v8.x builds on it.
    for wanted in (Platform("linux", "arm64"), Platform("linux", "arm64", "v8.2")):
        found = base.for_platform(wanted)
        assert found is not None and [l.descriptor.digest for l in found.layers] == [_layer_digest(1), _layer_digest(3)]
    assert base.for_platform(Platform("linux", "arm", "v7")) is None
    assert base.for_platform(Platform("linux", "amd64", "v3")) is None  # the base has no amd64 v3 image


def test_a_pulled_platform_reads_docker_layers_as_oci_and_skips_empty_history() -> None:
    pulled = _pulled(
        "linux/arm/v7",
        _manifest(1, 2, media_type=MEDIA_TYPE_DOCKER_LAYER_GZIP),
        _config([], 1, 2, history=[{"created_by": "ENV X=1", "empty_layer": True}, {"created_by": "ADD x"}, {}]),
    )
    assert pulled.platform == Platform("linux", "arm", "v7")
    assert {l.media_type for l in pulled.layers} == {MEDIA_TYPE_OCI_LAYER_GZIP}
    assert pulled.history == ("ADD x", "")
    base = pulled_base_image("registry.example/base", _layer_digest(9), (pulled,), BLOBS)
    (only,) = base.platforms
    assert [l.created_by for l in only.layers] == ["ADD x", "registry.example/base layer 1"]


def test_a_built_in_base_serves_every_platform() -> None:
    scratch = BaseImage("scratch", None, (BasePlatform(None, (), ("PATH=/bin",)),), (), has_libc=False)
    for platform in (Platform("linux", "amd64"), Platform("linux", "arm", "v7")):
        assert scratch.for_platform(platform) == scratch.platforms[0]
    assert scratch.platform_names == ()
