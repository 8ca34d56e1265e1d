"""OCI image layouts and docker archives, checked byte by byte and by the real tools."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict

import pytest

from go_oci.oci.layer import LayerEntry, LayerResult, tar_spec_json_bytes
from go_oci.oci.layout import (
    OCI_LAYOUT_BYTES,
    blob_path,
    docker_archive_entries,
    docker_archive_manifest,
    layout_files,
    tagged_index,
)
from go_oci.oci.model import (
    ANNOTATION_CREATED,
    ANNOTATION_REF_NAME,
    MEDIA_TYPE_OCI_INDEX,
    HistoryEntry,
    ImageConfig,
    Index,
    Manifest,
    Platform,
    validate_env,
)

AMD64 = Platform(os="linux", architecture="amd64")
GREETING = "hello from go_oci"


@dataclass(frozen=True)
class Image:
    config: ImageConfig
    manifest: Manifest
    image_index: Index
    documents: Dict[str, bytes]  # the config, manifest and index, by digest


def assemble_image(layer: LayerResult) -> Image:
    config = ImageConfig(
        platform=AMD64,
        diff_ids=(layer.diff_id,),
        entrypoint=("/app/hello",),
        env=validate_env({"PATH": "/usr/local/bin:/usr/bin:/bin"}),
        user="65532:65532",
        workdir="/",
        exposed_ports=("8080",),
        labels={"org.example.team": "infra"},
        history=(HistoryEntry(created_by="go_oci: binary /app/hello"),),
    )
    manifest = Manifest(
        config=config.descriptor(),
        layers=(layer.descriptor(),),
        annotations={ANNOTATION_CREATED: "1970-01-01T00:00:00Z"},
    )
    image_index = Index(manifests=(manifest.descriptor(platform=AMD64),))
    documents = {
        config.descriptor().digest: config.to_json_bytes(),
        manifest.descriptor().digest: manifest.to_json_bytes(),
        image_index.descriptor().digest: image_index.to_json_bytes(),
    }
    return Image(config, manifest, image_index, documents)


# ---------------------------------------------------------------------------- pure layout


def fake_layer() -> LayerResult:
    data = b"not really gzip"
    return LayerResult(
        digest="sha256:" + hashlib.sha256(data).hexdigest(),
        size=len(data),
        diff_id="sha256:" + "c" * 64,
    )


def test_tagged_index_has_one_entry_per_tag() -> None:
    image = assemble_image(fake_layer())
    layout_index = tagged_index(image.image_index.descriptor(), ["v1", "latest", "v1"])
    assert [dict(m.annotations)[ANNOTATION_REF_NAME] for m in layout_index.manifests] == [
        "latest",
        "v1",
    ]
    assert {m.digest for m in layout_index.manifests} == {image.image_index.descriptor().digest}
    with pytest.raises(ValueError, match="Invalid tag 'bad:tag'"):
        tagged_index(image.image_index.descriptor(), ["bad:tag"])
    with pytest.raises(ValueError, match="needs at least one tag"):
        tagged_index(image.image_index.descriptor(), [])


def test_layout_files_are_sorted_with_exact_metadata() -> None:
    image = assemble_image(fake_layer())
    layout_index = tagged_index(image.image_index.descriptor(), ["latest"])
    files = layout_files(layout_index, image.documents)
    paths = [path for path, _ in files]
    assert paths == sorted(paths)
    assert set(paths) == {"index.json", "oci-layout"} | {blob_path(d) for d in image.documents}
    contents = dict(files)
    assert contents["oci-layout"] == OCI_LAYOUT_BYTES == b'{"imageLayoutVersion":"1.0.0"}'
    assert json.loads(contents["index.json"]) == {
        "schemaVersion": 2,
        "mediaType": MEDIA_TYPE_OCI_INDEX,
        "manifests": [
            {
                "mediaType": MEDIA_TYPE_OCI_INDEX,
                "digest": image.image_index.descriptor().digest,
                "size": len(image.image_index.to_json_bytes()),
                "annotations": {ANNOTATION_REF_NAME: "latest"},
            }
        ],
    }


def test_docker_archive_manifest_is_docker_saves() -> None:
    image = assemble_image(fake_layer())
    config, layer = image.config.descriptor(), fake_layer().descriptor()
    assert docker_archive_manifest(config, [layer], "acme/hello:latest") == (
        f'[{{"Config":"{blob_path(config.digest)}","RepoTags":["acme/hello:latest"],'
        f'"Layers":["{blob_path(layer.digest)}"]}}]'
    ).encode()
    # A blob is in the archive once, however often the image lists it.
    entries = docker_archive_entries(config, [layer, layer], "layout", "manifest.src")
    assert [(e.path, e.src, e.digest) for e in entries] == sorted(
        [
            (blob_path(config.digest), f"layout/{blob_path(config.digest)}", config.digest),
            (blob_path(layer.digest), f"layout/{blob_path(layer.digest)}", layer.digest),
        ]
    ) + [("manifest.json", "manifest.src", None)]


# ---------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def hello_binary(tmp_path_factory: pytest.TempPathFactory, go_build: Callable) -> Path:
    module = tmp_path_factory.mktemp("hello")
    (module / "go.mod").write_text("module example.com/hello\n\ngo 1.22\n")
    (module / "main.go").write_text(
        f'package main\n\nimport "os"\n\nfunc main() {{ os.Stdout.WriteString("{GREETING}\\n") }}\n'
    )
    return go_build(module, module / "hello", goos="linux", goarch="amd64")


@pytest.fixture(scope="module")
def layout(
    tmp_path_factory: pytest.TempPathFactory, hello_binary: Path, layertool: Path
) -> Dict[str, object]:
    work = tmp_path_factory.mktemp("image")
    (work / "bin").mkdir()
    (work / "bin" / "hello").write_bytes(hello_binary.read_bytes())
    (work / "spec.json").write_bytes(
        tar_spec_json_bytes([LayerEntry.file("app/hello", "bin/hello", mode=0o755)])
    )
    stdout = subprocess.run(
        [str(layertool), "layer", "spec.json", "layer.tar.gz"],
        cwd=work,
        check=True,
        capture_output=True,
    ).stdout
    layer = LayerResult.from_json_bytes(stdout)
    image = assemble_image(layer)
    layout_dir = work / "layout"
    files = layout_files(tagged_index(image.image_index.descriptor(), ["latest", "1.0.0"]), image.documents)
    for path, data in [*files, (blob_path(layer.digest), (work / "layer.tar.gz").read_bytes())]:
        (layout_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (layout_dir / path).write_bytes(data)
    return {"dir": layout_dir, "image": image, "layer": layer, "work": work}


def test_layout_on_disk(layout: Dict[str, object]) -> None:
    layout_dir: Path = layout["dir"]
    image: Image = layout["image"]
    blobs = [*image.documents, layout["layer"].digest]
    on_disk = sorted(str(p.relative_to(layout_dir)) for p in layout_dir.rglob("*") if p.is_file())
    assert on_disk == sorted(["index.json", "oci-layout"] + [blob_path(d) for d in blobs])
    for digest in blobs:
        assert (
            "sha256:" + hashlib.sha256((layout_dir / blob_path(digest)).read_bytes()).hexdigest()
            == digest
        )


def test_oci_image_tool_validates_layout(layout: Dict[str, object], require_tool: Callable) -> None:
    tool = require_tool("oci-image-tool")
    for tag in ("latest", "1.0.0"):
        result = subprocess.run(
            [tool, "validate", "--type", "image", "--ref", f"name={tag}", str(layout["dir"])],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_umoci_unpacks_and_the_binary_runs(
    layout: Dict[str, object], hello_binary: Path, require_tool: Callable, tmp_path: Path
) -> None:
    umoci = require_tool("umoci")
    bundle = tmp_path / "bundle"
    # umoci is the validator that recomputes every layer's diff_id against the config.
    result = subprocess.run(
        [umoci, "unpack", "--rootless", "--image", f"{layout['dir']}:latest", str(bundle)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    binary = bundle / "rootfs" / "app" / "hello"
    assert binary.read_bytes() == hello_binary.read_bytes()
    assert binary.stat().st_mode & 0o7777 == 0o755
    runtime_config = json.loads((bundle / "config.json").read_text())
    assert runtime_config["process"]["args"] == ["/app/hello"]
    assert runtime_config["process"]["user"]["uid"] == 65532
    assert runtime_config["process"]["cwd"] == "/"
    assert (
        subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout
        == GREETING + "\n"
    )


def test_skopeo_reads_the_layout(layout: Dict[str, object], require_tool: Callable) -> None:
    skopeo = require_tool("skopeo")
    image: Image = layout["image"]
    raw = subprocess.run(
        [skopeo, "inspect", "--raw", f"oci:{layout['dir']}:1.0.0"], capture_output=True, check=True
    ).stdout
    assert raw == image.image_index.to_json_bytes()
    config = subprocess.run(
        [skopeo, "inspect", "--config", "--raw", f"oci:{layout['dir']}:1.0.0"],
        capture_output=True,
        check=True,
    ).stdout
    assert config == image.config.to_json_bytes()


def docker_archive(
    layertool: Path, layout: Dict[str, object], out: Path
) -> subprocess.CompletedProcess:
    """`layertool archive` of the image's one platform, as the package goal runs it: the layout in
    `layout/`, manifest.json beside it."""
    image: Image = layout["image"]
    layer: LayerResult = layout["layer"]
    work = out.parent / "archive-work"
    work.mkdir()
    (work / "layout").symlink_to(layout["dir"])
    config = image.config.descriptor()
    (work / "manifest.json").write_bytes(docker_archive_manifest(config, [layer.descriptor()], "acme/hello:latest"))
    entries = docker_archive_entries(config, [layer.descriptor()], "layout", "manifest.json")
    (work / "spec.json").write_bytes(tar_spec_json_bytes(entries))
    try:
        return subprocess.run(
            [str(layertool), "archive", "spec.json", str(out)], cwd=work, capture_output=True, text=True
        )
    finally:
        shutil.rmtree(work)


def test_docker_archive_is_deterministic_and_well_formed(
    layout: Dict[str, object], layertool: Path, tmp_path: Path
) -> None:
    image: Image = layout["image"]
    layer: LayerResult = layout["layer"]
    first, second = tmp_path / "first.tar", tmp_path / "second.tar"
    assert docker_archive(layertool, layout, first).returncode == 0
    assert docker_archive(layertool, layout, second).returncode == 0
    assert first.read_bytes() == second.read_bytes()

    config_path = blob_path(image.config.descriptor().digest)
    with tarfile.open(first) as archive:
        members = archive.getmembers()
        assert [m.name for m in members] == ["blobs", "blobs/sha256"] + sorted(
            [config_path, blob_path(layer.digest)]
        ) + ["manifest.json"]
        for member in members:
            assert (member.uid, member.gid, member.uname, member.gname, member.mtime) == (
                0,
                0,
                "",
                "",
                0,
            )
        assert json.loads(archive.extractfile("manifest.json").read()) == [
            {
                "Config": config_path,
                "RepoTags": ["acme/hello:latest"],
                "Layers": [blob_path(layer.digest)],
            }
        ]
        assert archive.extractfile(config_path).read() == image.config.to_json_bytes()


def test_skopeo_reads_the_docker_archive(
    layout: Dict[str, object], layertool: Path, require_tool: Callable, tmp_path: Path
) -> None:
    skopeo = require_tool("skopeo")
    image: Image = layout["image"]
    out = tmp_path / "hello.tar"
    assert docker_archive(layertool, layout, out).returncode == 0
    inspected = json.loads(
        subprocess.run(
            [skopeo, "inspect", f"docker-archive:{out}"], capture_output=True, check=True
        ).stdout
    )
    assert inspected["Architecture"] == "amd64" and inspected["Os"] == "linux"
    assert inspected["Env"] == ["PATH=/usr/local/bin:/usr/bin:/bin"]
    # A docker archive holds uncompressed layers as far as readers are concerned: diff_ids.
    assert inspected["Layers"] == [layout["layer"].diff_id]
    config = subprocess.run(
        [skopeo, "inspect", "--config", "--raw", f"docker-archive:{out}"],
        capture_output=True,
        check=True,
    ).stdout
    assert config == image.config.to_json_bytes()


def test_podman_loads_the_docker_archive(
    layout: Dict[str, object], layertool: Path, require_tool: Callable, tmp_path: Path
) -> None:
    podman = require_tool("podman")
    out = tmp_path / "hello.tar"
    assert docker_archive(layertool, layout, out).returncode == 0
    # A private store keeps the test from touching the host's images. podman limits the runroot
    # path to 50 characters, too short for a pytest tmp_path.
    runroot = tempfile.mkdtemp(prefix="podman-")
    try:
        store = [
            podman,
            "--root",
            str(tmp_path / "root"),
            "--runroot",
            runroot,
            "--storage-driver",
            "vfs",
        ]
        loaded = subprocess.run([*store, "load", "-i", str(out)], capture_output=True, text=True)
        assert loaded.returncode == 0, loaded.stderr
        assert "Loaded image: localhost/acme/hello:latest" in loaded.stdout
        images = subprocess.run(
            [*store, "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    finally:
        shutil.rmtree(runroot, ignore_errors=True)
    image: Image = layout["image"]
    assert images == ["localhost/acme/hello:latest", image.config.descriptor().digest]


def test_docker_archive_refuses_a_missing_blob(
    layout: Dict[str, object], layertool: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing"
    shutil.copytree(layout["dir"], missing)
    (missing / blob_path(layout["layer"].digest)).unlink()
    result = docker_archive(layertool, {**layout, "dir": missing}, tmp_path / "out.tar")
    assert result.returncode == 1
    assert f'source of "{blob_path(layout["layer"].digest)}": open layout/{blob_path(layout["layer"].digest)}: no such file' in result.stderr
    assert not (tmp_path / "out.tar").exists()


def test_docker_archive_rejects_a_corrupt_layer(
    layout: Dict[str, object], layertool: Path, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt"
    shutil.copytree(layout["dir"], corrupt)
    layer_file = corrupt / blob_path(layout["layer"].digest)
    data = bytearray(layer_file.read_bytes())
    data[-1] ^= 0xFF
    layer_file.write_bytes(bytes(data))
    result = docker_archive(layertool, {**layout, "dir": corrupt}, tmp_path / "out.tar")
    assert result.returncode == 1
    path = blob_path(layout["layer"].digest)
    assert f'source of "{path}": layout/{path} holds content that hashes to sha256:' in result.stderr
    assert f", not {layout['layer'].digest}" in result.stderr
    assert not (tmp_path / "out.tar").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["corrupt"]


def test_docker_archive_rejects_a_truncated_layer(
    layout: Dict[str, object], layertool: Path, tmp_path: Path
) -> None:
    truncated = tmp_path / "truncated"
    shutil.copytree(layout["dir"], truncated)
    layer: LayerResult = layout["layer"]
    layer_file = truncated / blob_path(layer.digest)
    layer_file.write_bytes(layer_file.read_bytes()[:-10])
    result = docker_archive(layertool, {**layout, "dir": truncated}, tmp_path / "out.tar")
    assert result.returncode == 1
    assert f"holds content that hashes to sha256:" in result.stderr and f", not {layer.digest}" in result.stderr
    assert not (tmp_path / "out.tar").exists()
