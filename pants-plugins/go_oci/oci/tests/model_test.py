from __future__ import annotations

import hashlib
import json
import re

import pytest

from go_oci.oci.model import (
    ANNOTATION_REF_NAME,
    EMPTY_CONFIG_DESCRIPTOR,
    MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_CONFIG,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_LAYER_GZIP,
    MEDIA_TYPE_OCI_MANIFEST,
    Descriptor,
    HistoryEntry,
    ImageConfig,
    Index,
    Manifest,
    Platform,
    canonical_json_bytes,
    parse_document,
    validate_digest,
    validate_env,
    validate_env_name,
    validate_exposed_port,
    validate_metadata_key,
    validate_tag,
    validate_timestamp,
    validate_user,
)

DIFF_ID = "sha256:" + "a" * 64
LAYER_DIGEST = "sha256:" + "b" * 64
AMD64 = Platform(os="linux", architecture="amd64")
ARM_V7 = Platform(os="linux", architecture="arm", variant="v7")


def make_config(**overrides) -> ImageConfig:
    fields = dict(
        platform=AMD64,
        diff_ids=(DIFF_ID,),
        entrypoint=("/app/server",),
        env=validate_env(
            {"PATH": "/usr/bin:/bin", "SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"}
        ),
        user="65532:65532",
        workdir="/",
        exposed_ports=("8080",),
        labels={"org.example.team": "infra"},
        history=(HistoryEntry(created_by="go_oci: binary layer /app/server"),),
    )
    fields.update(overrides)
    return ImageConfig(**fields)


def test_canonical_json_sorts_keys_and_is_compact() -> None:
    assert canonical_json_bytes({"b": 1, "a": [1, {"d": "é", "c": None}]}) == (
        '{"a":[1,{"c":null,"d":"é"}],"b":1}'.encode()
    )


def test_image_config_json_is_exact() -> None:
    assert make_config().to_json_bytes() == (
        b'{"architecture":"amd64",'
        b'"config":{"Entrypoint":["/app/server"],'
        b'"Env":["PATH=/usr/bin:/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],'
        b'"ExposedPorts":{"8080/tcp":{}},"Labels":{"org.example.team":"infra"},'
        b'"User":"65532:65532","WorkingDir":"/"},'
        b'"created":"1970-01-01T00:00:00Z",'
        b'"history":[{"created":"1970-01-01T00:00:00Z","created_by":"go_oci: binary layer /app/server"}],'
        b'"os":"linux",'
        b'"rootfs":{"diff_ids":["sha256:' + b"a" * 64 + b'"],"type":"layers"}}'
    )


def test_image_config_omits_empty_optional_fields_but_keeps_rootfs() -> None:
    config = ImageConfig(platform=ARM_V7)
    assert json.loads(config.to_json_bytes()) == {
        "architecture": "arm",
        "os": "linux",
        "variant": "v7",
        "created": "1970-01-01T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": []},
    }


def test_image_config_normalizes_and_deduplicates_ports() -> None:
    config = make_config(exposed_ports=("8080/tcp", "8080", "53/udp"))
    assert config.exposed_ports == ("53/udp", "8080/tcp")


def test_image_config_rejects_history_that_does_not_match_layers() -> None:
    with pytest.raises(ValueError, match="history has 2 non-empty steps but rootfs has 1 layers"):
        make_config(history=(HistoryEntry(), HistoryEntry(), HistoryEntry(empty_layer=True)))


def test_image_config_validates_user_input() -> None:
    with pytest.raises(ValueError, match="Invalid user"):
        make_config(user="a:b:c")
    with pytest.raises(ValueError, match="Invalid environment variable name '1X'"):
        make_config(env=("1X=y",))
    with pytest.raises(ValueError, match="Invalid label key"):
        make_config(labels={"": "x"})


def test_models_are_hashable_and_equal_by_value() -> None:
    assert hash(make_config()) == hash(make_config())
    assert make_config(labels=[("org.example.team", "infra")]) == make_config()


def test_descriptor_digest_and_size_match_the_json_bytes() -> None:
    config = make_config()
    data = config.to_json_bytes()
    descriptor = config.descriptor()
    assert descriptor.media_type == MEDIA_TYPE_OCI_CONFIG
    assert descriptor.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    assert descriptor.size == len(data)
    assert descriptor.hex == hashlib.sha256(data).hexdigest()


def test_manifest_and_index_json() -> None:
    layer = Descriptor(media_type=MEDIA_TYPE_OCI_LAYER_GZIP, digest=LAYER_DIGEST, size=10)
    config_descriptor = Descriptor(media_type=MEDIA_TYPE_OCI_CONFIG, digest=DIFF_ID, size=5)
    manifest = Manifest(config=config_descriptor, layers=(layer,))
    assert manifest.to_json_bytes() == (
        b'{"config":{"digest":"'
        + DIFF_ID.encode()
        + b'","mediaType":"'
        + MEDIA_TYPE_OCI_CONFIG.encode()
        + b'","size":5},"layers":[{"digest":"'
        + LAYER_DIGEST.encode()
        + b'","mediaType":"'
        + MEDIA_TYPE_OCI_LAYER_GZIP.encode()
        + b'","size":10}],"mediaType":"'
        + MEDIA_TYPE_OCI_MANIFEST.encode()
        + b'","schemaVersion":2}'
    )

    index = Index(manifests=(manifest.descriptor(platform=ARM_V7),))
    parsed = json.loads(index.to_json_bytes())
    assert parsed == {
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_INDEX,
        "manifests": [
            {
                "mediaType": MEDIA_TYPE_OCI_MANIFEST,
                "digest": manifest.descriptor().digest,
                "size": len(manifest.to_json_bytes()),
                "platform": {"os": "linux", "architecture": "arm", "variant": "v7"},
            }
        ],
    }
    # Descriptors survive a JSON round trip unchanged.
    assert Descriptor.from_json(parsed["manifests"][0]) == manifest.descriptor(platform=ARM_V7)


def test_empty_manifest_keeps_required_layers_and_empty_index_keeps_manifests() -> None:
    assert json.loads(Manifest(config=EMPTY_CONFIG_DESCRIPTOR).to_json_bytes())["layers"] == []
    assert json.loads(Index().to_json_bytes())["manifests"] == []


def test_descriptor_annotations_are_sorted_and_mergeable() -> None:
    descriptor = Descriptor.for_bytes("x/y", b"data", annotations={"b": "2", "a": "1"})
    assert descriptor.annotations == (("a", "1"), ("b", "2"))
    tagged = descriptor.with_annotations({ANNOTATION_REF_NAME: "latest", "a": "3"})
    assert dict(tagged.annotations) == {"a": "3", "b": "2", ANNOTATION_REF_NAME: "latest"}


def test_descriptor_rejects_bad_digest() -> None:
    with pytest.raises(ValueError, match=r"Invalid digest 'sha256:ABC'"):
        Descriptor(media_type="x/y", digest="sha256:ABC", size=1)


def test_manifest_rejects_non_manifest_media_type() -> None:
    with pytest.raises(ValueError, match="is not a manifest media type"):
        Manifest(config=EMPTY_CONFIG_DESCRIPTOR, media_type=MEDIA_TYPE_OCI_INDEX)


def test_platform_json_and_str() -> None:
    assert str(ARM_V7) == "linux/arm/v7"
    windows = Platform(
        os="windows", architecture="amd64", os_version="10.0.20348.1", os_features=["win32k"]
    )
    assert windows.to_json() == {
        "os": "windows",
        "architecture": "amd64",
        "os.version": "10.0.20348.1",
        "os.features": ["win32k"],
    }


def test_platform_parse_from_json_and_matching() -> None:
    assert Platform.parse("linux/arm/v7") == ARM_V7
    for bad in ("linux", "linux/", "linux/arm/v7/x", "/amd64"):
        with pytest.raises(ValueError, match="must be OS/ARCH\\[/VARIANT\\]"):
            Platform.parse(bad)
    assert Platform.from_json({"os": "linux", "architecture": "arm", "variant": "v7", "rootfs": {}}) == ARM_V7
    arm64 = Platform.parse("linux/arm64")
    # arm64 images are often marked v8, requests rarely are.
    assert arm64.matches(Platform.parse("linux/arm64/v8")) and Platform.parse("linux/arm64/v8").matches(arm64)
    assert not ARM_V7.matches(Platform.parse("linux/arm/v6"))
    assert not AMD64.matches(Platform(os="windows", architecture="amd64"))


def index_of(*platforms: Platform) -> Index:
    return Index(
        manifests=tuple(
            Descriptor.for_bytes(MEDIA_TYPE_OCI_MANIFEST, str(p).encode(), platform=p) for p in platforms
        )
    )


def test_index_selects_platforms_in_its_own_order() -> None:
    arm64_v8 = Platform(os="linux", architecture="arm64", variant="v8")
    index = index_of(AMD64, arm64_v8, ARM_V7)
    assert index.select([]) == index.manifests
    selected = index.select([ARM_V7, Platform.parse("linux/arm64"), ARM_V7])
    assert [str(d.platform) for d in selected] == ["linux/arm64/v8", "linux/arm/v7"]
    with pytest.raises(ValueError, match="^has no linux/s390x manifest; it has linux/amd64, linux/arm64/v8, linux/arm/v7$"):
        index.select([Platform.parse("linux/s390x")])
    with pytest.raises(ValueError, match="it has no platform-specific manifests"):
        Index().select([AMD64])


def test_parse_document_round_trips_what_the_model_writes() -> None:
    manifest = Manifest(config=make_config().descriptor(), layers=(Descriptor(MEDIA_TYPE_OCI_LAYER_GZIP, LAYER_DIGEST, 9),))
    index = Index(manifests=(manifest.descriptor(platform=AMD64),), annotations={"a": "b"})
    assert parse_document(manifest.to_json_bytes()) == manifest
    assert parse_document(index.to_json_bytes()) == index


def test_parse_document_takes_the_media_type_from_how_it_was_served() -> None:
    config = make_config().descriptor().to_json()
    docker = {"schemaVersion": 2, "config": config, "layers": []}
    served_as_docker = parse_document(json.dumps(docker).encode(), MEDIA_TYPE_DOCKER_MANIFEST + "; charset=utf-8")
    assert isinstance(served_as_docker, Manifest) and served_as_docker.media_type == MEDIA_TYPE_DOCKER_MANIFEST
    # Neither the document nor the answer says: the fields tell an index from a manifest.
    assert parse_document(json.dumps(docker).encode(), "application/json").media_type == MEDIA_TYPE_OCI_MANIFEST
    listing = {"schemaVersion": 2, "manifests": []}
    assert parse_document(json.dumps(listing).encode()).media_type == MEDIA_TYPE_OCI_INDEX
    as_list = parse_document(json.dumps(listing).encode(), MEDIA_TYPE_DOCKER_MANIFEST_LIST)
    assert isinstance(as_list, Index) and as_list.media_type == MEDIA_TYPE_DOCKER_MANIFEST_LIST


@pytest.mark.parametrize(
    "document, message",
    [
        (b"<html>", "not a JSON manifest"),
        (b"[]", "not a JSON manifest: not an object"),
        (b'{"schemaVersion": 1, "fsLayers": []}', "schemaVersion 1 is not supported"),
        (b'{"schemaVersion": 2, "mediaType": "text/plain"}', "media type 'text/plain' is neither"),
        (b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}', "the manifest has no config"),
        (
            b'{"schemaVersion": 2, "manifests": [{"mediaType": "x", "digest": "sha256:../../x", "size": 1}]}',
            "Invalid digest 'sha256:../../x'",
        ),
        (b'{"schemaVersion": 2, "manifests": [{"digest": "sha256:' + b"0" * 64 + b'", "size": 1}]}', "has no 'mediaType'"),
    ],
)
def test_parse_document_refuses_what_it_cannot_pin_or_use(document: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_document(document)


@pytest.mark.parametrize(
    "port, normalized",
    [("8080", "8080/tcp"), ("8080/tcp", "8080/tcp"), ("53/udp", "53/udp"), ("9/sctp", "9/sctp")],
)
def test_valid_exposed_ports(port: str, normalized: str) -> None:
    assert validate_exposed_port(port) == normalized


@pytest.mark.parametrize(
    "port, message",
    [
        ("8080/http", "Invalid exposed port '8080/http': protocol must be one of tcp, udp, sctp"),
        ("0", "Invalid exposed port '0': the port must be a number from 1 to 65535"),
        (
            "65536/tcp",
            "Invalid exposed port '65536/tcp': the port must be a number from 1 to 65535",
        ),
        ("http", "Invalid exposed port 'http': the port must be a number from 1 to 65535"),
        ("", "Invalid exposed port '': the port must be a number from 1 to 65535"),
        ("８０", "Invalid exposed port '８０': the port must be a number"),
    ],
)
def test_invalid_exposed_ports(port: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_exposed_port(port)
    assert str(error.value).startswith(message)
    assert '"8080/tcp"' in str(error.value)


@pytest.mark.parametrize(
    "user", ["65532", "65532:65532", "nonroot", "nonroot:nonroot", "0:0", "app-user:1"]
)
def test_valid_users(user: str) -> None:
    assert validate_user(user) == user


@pytest.mark.parametrize(
    "user, message",
    [
        ("", "Invalid user '': it must not be empty"),
        ("a:b:c", "Invalid user 'a:b:c': expected USER or USER:GROUP"),
        ("4294967295", "Invalid user '4294967295': user id 4294967295 is larger than 4294967294"),
        ("1:4294967296", "Invalid user '1:4294967296': group id 4294967296 is larger"),
        (
            "no root",
            "Invalid user 'no root': user 'no root' is neither a numeric id nor a valid name",
        ),
        ("65532:", "Invalid user '65532:': group '' is neither a numeric id nor a valid name"),
    ],
)
def test_invalid_users(user: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_user(user)
    assert str(error.value).startswith(message)


def test_env_validation() -> None:
    assert validate_env({"B": "2", "A": "1=1"}) == ("A=1=1", "B=2")
    assert validate_env_name("_GO_OCI1") == "_GO_OCI1"
    for bad in ("", "1A", "A-B", "A=B", "A B", "A\n"):
        with pytest.raises(
            ValueError, match=re.escape(f"Invalid environment variable name {bad!r}: it must start")
        ):
            validate_env_name(bad)
    with pytest.raises(
        ValueError, match="Invalid value for environment variable 'A': it contains NUL"
    ):
        validate_env({"A": "x\0"})


def test_metadata_key_validation() -> None:
    assert (
        validate_metadata_key("org.opencontainers.image.source")
        == "org.opencontainers.image.source"
    )
    assert validate_metadata_key("com.example/team_name-1") == "com.example/team_name-1"
    with pytest.raises(
        ValueError, match=r"Invalid annotation key 'has space': it must be non-empty"
    ):
        validate_metadata_key("has space", "annotation")
    with pytest.raises(ValueError, match=r"Invalid label key '\.hidden'"):
        validate_metadata_key(".hidden")


def test_tag_digest_and_timestamp_validation() -> None:
    assert validate_tag("v1.4.2_rc-1") == "v1.4.2_rc-1"
    for bad in ("", "-x", ".x", "a:b", "a/b", "x" * 129):
        with pytest.raises(ValueError, match="Invalid tag"):
            validate_tag(bad)
    assert validate_digest("sha256:" + "0" * 64)
    for bad in ("sha256:" + "0" * 64 + "\n", "sha512:" + "0" * 64, "sha256:" + "A" * 64):
        with pytest.raises(ValueError, match="followed by 64 lowercase hex digits"):
            validate_digest(bad)
    assert validate_timestamp("2024-02-29T12:30:00.123456789+01:00")
    bad_timestamps = (
        "2024-02-30T00:00:00Z",
        "1970-01-01 00:00:00Z",
        "now",
        "1970-01-01T00:00:00",
        "1970-01-01T00:00:00Z\n",
    )
    for bad in bad_timestamps:
        with pytest.raises(
            ValueError, match=re.escape(f"Invalid timestamp {bad!r}: expected RFC 3339")
        ):
            validate_timestamp(bad)
