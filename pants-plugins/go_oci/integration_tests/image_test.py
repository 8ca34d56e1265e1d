"""go_image outputs checked by the real tools: oci-image-tool, umoci, skopeo, podman, runc."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from go_oci.elf import read_linkage
from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.registry import local_registry
from go_oci.testing.services import free_port
from go_oci.testing.tools import missing, require_tool

OUT = "testprojects.go.hello/image"
# podman's default runtime (crun) fails on these machines; runc works (docs/architecture.md, Testing).
PODMAN_CONFIG = """\
[go-oci]
engine_args = ["--runtime", "runc"]
run_args = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> PantsRepo:
    repo = PantsRepo(tmp_path_factory.mktemp("image") / "repo", extra_config=PODMAN_CONFIG)
    repo.copy_testproject("hello")
    # An executable data file, which must stay executable; its interpreter is the image's own binary, since
    # the static base has no shell.
    repo.write("testprojects/go/hello/static/print-version", "#!/app/hello -version\n").chmod(0o755)
    repo.run("package", "testprojects/go/hello:image").assert_success()
    return repo


def _layout(repo: PantsRepo) -> Path:
    return repo.dist(f"{OUT}/oci")


def _metadata(repo: PantsRepo) -> dict:
    return json.loads(repo.dist(f"{OUT}/image.image.json").read_text())


def _blob(layout: Path, digest: str) -> bytes:
    data = (layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == digest
    return data


def _one_ref_layout(layout: Path, ref: str, dest: Path) -> Path:
    """A copy whose index.json names only `ref`: this oci-image-tool ignores `--ref name=` filters."""
    shutil.copytree(layout, dest)
    index = json.loads((layout / "index.json").read_text())
    index["manifests"] = [
        m for m in index["manifests"] if m["annotations"]["org.opencontainers.image.ref.name"] == ref
    ]
    assert len(index["manifests"]) == 1
    (dest / "index.json").write_text(json.dumps(index))
    return dest


def _unpack(layout: Path, ref: str, bundle: Path) -> Path:
    umoci = require_tool("umoci")
    rootless = [] if os.geteuid() == 0 else ["--rootless"]
    subprocess.run([umoci, "unpack", *rootless, "--image", f"{layout}:{ref}", str(bundle)], check=True, capture_output=True)
    return bundle / "rootfs"


def test_index_has_one_manifest_per_platform(built: PantsRepo) -> None:
    layout = _layout(built)
    meta = _metadata(built)
    index = json.loads(_blob(layout, meta["index"]["digest"]))
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]] == [
        ("linux", "amd64"),
        ("linux", "arm64"),
    ]
    assert index["annotations"]["org.opencontainers.image.version"] == "1.0.0"
    assert index["annotations"]["org.opencontainers.image.created"] == "1970-01-01T00:00:00Z"
    for entry in index["manifests"]:
        manifest = json.loads(_blob(layout, entry["digest"]))
        config = json.loads(_blob(layout, manifest["config"]["digest"]))
        assert config["architecture"] == entry["platform"]["architecture"]
        assert config["config"]["User"] == "65532:65532"
        assert config["config"]["Entrypoint"] == ["/app/hello"]
        assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
        assert config["config"]["Labels"] == {"org.example.team": "go_oci"}
        assert "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt" in config["config"]["Env"]
        assert len(config["rootfs"]["diff_ids"]) == len(manifest["layers"]) == len(config["history"]) == 3
    # Each tag names the whole index in the layout.
    refs = {
        m["annotations"]["org.opencontainers.image.ref.name"]: m["digest"]
        for m in json.loads((layout / "index.json").read_text())["manifests"]
    }
    assert refs["latest"] == refs["1.0.0"] == meta["index"]["digest"]


@pytest.mark.parametrize("platform, machine", [("linux_amd64", "amd64"), ("linux_arm64", "arm64")])
def test_layout_validates_and_unpacks(built: PantsRepo, tmp_path: Path, platform: str, machine: str) -> None:
    ref = f"latest-{platform}"
    layout = _one_ref_layout(_layout(built), ref, tmp_path / "layout")
    result = subprocess.run(
        [require_tool("oci-image-tool"), "validate", "--type", "image", str(layout)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # umoci checks every layer against the config's diff_ids.
    rootfs = _unpack(_layout(built), ref, tmp_path / "bundle")
    binary = rootfs / "app/hello"
    assert read_linkage(binary.read_bytes()).machine == machine
    assert (binary.stat().st_mode & 0o777) == 0o755
    assert (rootfs / "usr/share/zoneinfo/UTC").read_bytes().startswith(b"TZif")
    assert b"BEGIN CERTIFICATE" in (rootfs / "etc/ssl/certs/ca-certificates.crt").read_bytes()
    assert "nonroot:x:65532:65532:nonroot:/home/nonroot:" in (rootfs / "etc/passwd").read_text()
    assert (rootfs / "tmp").stat().st_mode & 0o7777 == 0o1777
    assert (rootfs / "home/nonroot").is_dir()
    assert (rootfs / "app/data/static/index.html").read_text() == "<h1>hello</h1>\n"


def test_layers_declare_owners_and_modes(built: PantsRepo) -> None:
    layout = _layout(built)
    index = json.loads(_blob(layout, _metadata(built)["index"]["digest"]))
    manifest = json.loads(_blob(layout, index["manifests"][0]["digest"]))
    members = {}
    for layer in manifest["layers"]:
        with tarfile.open(fileobj=io.BytesIO(_blob(layout, layer["digest"])), mode="r:gz") as archive:
            members.update((m.name, (m.uid, m.gid, m.mode)) for m in archive.getmembers())
    # nonroot owns its home, as in distroless; everything else is root's.
    assert members["home/nonroot"] == (65532, 65532, 0o700)
    assert members["home"] == (0, 0, 0o755)
    assert members["app/data/static/print-version"] == (0, 0, 0o755)
    assert members["app/data/static/index.html"] == (0, 0, 0o644)
    assert {owner[:2] for name, owner in members.items() if name != "home/nonroot"} == {(0, 0)}


def test_skopeo_pushes_it_to_a_registry(built: PantsRepo, tmp_path: Path) -> None:
    skopeo = require_tool("skopeo")
    meta = _metadata(built)
    with local_registry(tmp_path) as registry:
        subprocess.run(
            [skopeo, "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
             f"oci:{_layout(built)}:latest", f"docker://{registry.host}/hello:latest"],
            check=True, capture_output=True,
        )
        raw = subprocess.run(
            [skopeo, "inspect", "--raw", "--tls-verify=false", f"docker://{registry.host}/hello:latest"],
            check=True, capture_output=True,
        ).stdout
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == meta["index"]["digest"]


def test_docker_archive_loads(built: PantsRepo) -> None:
    archive = built.dist(f"{OUT}/image.linux_arm64.docker.tar")
    inspected = json.loads(
        subprocess.run([require_tool("skopeo"), "inspect", f"docker-archive:{archive}"], check=True, capture_output=True).stdout
    )
    assert inspected["Architecture"] == "arm64"
    assert len(inspected["Layers"]) == 3
    podman = require_tool("podman")
    loaded = subprocess.run(
        [podman, "load", "-i", str(built.dist(f"{OUT}/image.linux_amd64.docker.tar"))], check=True, capture_output=True, text=True
    )
    assert "testprojects/hello:latest" in loaded.stdout + loaded.stderr


def test_container_answers_http_as_nonroot(built: PantsRepo, tmp_path: Path) -> None:
    runc = require_tool("runc")
    if os.geteuid() != 0:
        missing("running a container with runc needs root here")
    busybox = require_tool("busybox")
    if not read_linkage(Path(busybox).read_bytes()).is_static:
        missing("busybox is not statically linked: apt-get install busybox-static")
    bundle = tmp_path / "bundle"
    rootfs = _unpack(_layout(built), "latest-linux_amd64", bundle)
    # A shell for the test to probe the running container with; the image has none.
    (rootfs / "probe").mkdir()
    shutil.copy(busybox, rootfs / "probe/busybox")
    config = json.loads((bundle / "config.json").read_text())
    port = free_port()
    config["process"]["terminal"] = False
    config["process"]["args"] += ["-addr", f"127.0.0.1:{port}"]
    # The host's network namespace, so the test can reach the service on 127.0.0.1.
    config["linux"]["namespaces"] = [n for n in config["linux"]["namespaces"] if n["type"] != "network"]
    (bundle / "config.json").write_text(json.dumps(config))
    name = f"go-oci-test-{port}"
    proc = subprocess.Popen([runc, "run", "--bundle", str(bundle), name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        body = None
        deadline = time.monotonic() + 20
        while body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as response:
                    body = response.read().decode()
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.monotonic() < deadline, "the container never answered"
                time.sleep(0.2)
        assert body == "hello from linux/amd64, version 1.0.0\n"
        state = json.loads(subprocess.run([runc, "state", name], check=True, capture_output=True).stdout)
        status = Path(f"/proc/{state['pid']}/status").read_text()
        assert "\nUid:\t65532\t65532\t65532\t65532\n" in status
        # As the image's user: $HOME (from /etc/passwd) is writable, and a data script runs.
        probe = subprocess.run(
            [runc, "exec", name, "/probe/busybox", "sh", "-c",
             'b=/probe/busybox; $b id -u && echo ok > "$HOME/f" && $b cat "$HOME/f" && echo "$HOME"'],
            capture_output=True, text=True,
        )
        assert (probe.returncode, probe.stdout) == (0, "65532\nok\n/home/nonroot\n"), probe.stderr
        script = subprocess.run([runc, "exec", name, "/app/data/static/print-version"], capture_output=True, text=True)
        assert (script.returncode, script.stdout) == (0, "hello 1.0.0 linux/amd64\n"), script.stderr
    finally:
        subprocess.run([runc, "kill", name, "KILL"], capture_output=True)
        proc.wait(timeout=20)
        subprocess.run([runc, "delete", "-f", name], capture_output=True)


def test_pants_run_runs_the_image_with_podman(built: PantsRepo) -> None:
    require_tool("podman")
    require_tool("runc")
    result = built.run("run", "testprojects/go/hello:image", "--", "-version").assert_success()
    assert result.stdout.strip().splitlines()[-1] == "hello 1.0.0 linux/amd64"


def test_sbom(built: PantsRepo) -> None:
    sbom = json.loads(built.dist(f"{OUT}/image.spdx.json").read_text())
    assert sbom["spdxVersion"] == "SPDX-2.3"
    names = {p["name"]: p.get("versionInfo") for p in sbom["packages"]}
    # The main module is built from source, so Go records no version for it: `(devel)`, not in the SBOM.
    main = next(p for p in sbom["packages"] if p["name"] == "example.com/hello")
    assert [r["referenceLocator"] for r in main["externalRefs"]] == ["pkg:golang/example.com/hello"]
    assert "testprojects/hello" in names
    assert names["certifi"] == "2026.10.18"
    assert names["tzdata"] == "2026.6"
    assert any(v == "go1.27.3" for v in names.values())
    # The build note names every platform of the image, not only the first.
    notes = [a["comment"].split(":")[0] for a in main["annotations"]]
    assert notes == ["Built for linux/amd64 with go1.27.3", "Built for linux/arm64 with go1.27.3"]
