"""`pants publish` to a real registry, and an image built on a base pulled from it by digest."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.registry import local_registry
from go_oci.testing.services import free_port
from go_oci.testing.tools import require_tool

OUT = "testprojects.go.hello/image"


def _registries(host: str, default: bool = True) -> str:
    return f'[go-oci]\nregistries = {{"local" = {{address = "{host}", insecure = true, default = {str(default).lower()}}}}}\n'


def _raw_manifest(host: str, reference: str) -> bytes:
    return subprocess.run(
        [require_tool("skopeo"), "inspect", "--raw", "--tls-verify=false", f"docker://{host}/{reference}"],
        check=True, capture_output=True,
    ).stdout


def _pushed_report(repo: PantsRepo, host: str) -> list[str]:
    """The JSON lines `publish` writes to dist/ for CI, one file per registry."""
    return repo.dist(f"{OUT}/image.{host.replace(':', '_')}.pushed.json").read_text().splitlines()


def test_publish_then_build_on_the_pulled_image(tmp_path: Path) -> None:
    with local_registry(tmp_path) as registry:
        repo = PantsRepo(tmp_path / "repo", extra_config=_registries(registry.host))
        repo.copy_testproject("hello")
        # `publish` builds but does not write dist/: `package` does.
        result = repo.run("package", "publish", "testprojects/go/hello:image").assert_success()
        index_digest = json.loads(repo.dist(f"{OUT}/image.image.json").read_text())["index"]["digest"]
        assert f"{registry.host}/testprojects/hello:latest published to index {index_digest}" in result.stderr

        # Every tag names the very index that was built, byte for byte.
        for tag in ("latest", "1.0.0"):
            raw = _raw_manifest(registry.host, f"testprojects/hello:{tag}")
            assert "sha256:" + hashlib.sha256(raw).hexdigest() == index_digest
        # The SBOM is an artifact whose subject is the image (fallback tag: docker-registry 2.8 has no referrers API).
        sbom = json.loads(_raw_manifest(registry.host, f"testprojects/hello:sha256-{index_digest[7:]}.sbom"))
        assert sbom["artifactType"] == "application/spdx+json"
        assert sbom["subject"]["digest"] == index_digest
        # The pushed references are written for CI.
        report = _pushed_report(repo, registry.host)
        assert json.loads(report[0]) == {"pushed": f"{registry.host}/testprojects/hello@{index_digest}"}

        # A second publish finds every blob there already.
        repo.run("publish", "testprojects/go/hello:image").assert_success()
        report = _pushed_report(repo, registry.host)
        assert json.loads(report[-1])["blobs_uploaded"] == 0

        # An image on that base, pulled by digest: its layers, then ours.
        repo.write(
            "testprojects/go/hello/BUILD",
            (repo.root / "testprojects/go/hello/BUILD").read_text()
            + f'\noci_pull(name="pulled", image="{registry.host}/testprojects/hello", digest="{index_digest}")\n'
            'go_image(name="layered", binary=":hello", base=":pulled", binary_path="/app/hello2", platforms=["linux/arm64"])\n',
        )
        repo.run("package", "testprojects/go/hello:layered").assert_success()
        layered = json.loads(repo.dist("testprojects.go.hello/layered/layered.image.json").read_text())
        base = json.loads(repo.dist(f"{OUT}/image.image.json").read_text())
        base_arm64 = next(p for p in base["platforms"] if p["platform"] == "linux/arm64")
        (platform,) = layered["platforms"]
        assert platform["platform"] == "linux/arm64"
        assert [l["digest"] for l in platform["layers"][:3]] == [l["digest"] for l in base_arm64["layers"]]
        assert platform["layers"][3]["created_by"] == "go_oci: binary /app/hello2"
        index = json.loads(
            repo.dist(f"testprojects.go.hello/layered/oci/blobs/sha256/{layered['index']['digest'][7:]}").read_bytes()
        )
        assert index["annotations"]["org.opencontainers.image.base.digest"] == index_digest
        assert index["annotations"]["org.opencontainers.image.base.name"] == f"{registry.host}/testprojects/hello"

        # A platform the base lacks, and a digest the registry does not have, are clear errors.
        repo.write(
            "testprojects/go/hello/BUILD",
            (repo.root / "testprojects/go/hello/BUILD").read_text()
            + f'oci_pull(name="amd64_only", image="{registry.host}/testprojects/hello", digest="{index_digest}", platforms=["linux/amd64"])\n'
            f'oci_pull(name="missing", image="{registry.host}/testprojects/hello", digest="sha256:{"0" * 64}")\n'
            'oci_pull(name="unpinned", image="example.com/x", digest="latest")\n'
            'go_image(name="on_missing", binary=":hello", base=":missing")\n'
            'go_image(name="on_unpinned", binary=":hello", base=":unpinned")\n',
        )
        missing = repo.run("package", "testprojects/go/hello:on_missing").assert_failure()
        assert f"testprojects/go/hello:missing: could not pull {registry.host}/testprojects/hello@sha256:{'0' * 64}" in missing.stderr
        unpinned = repo.run("package", "testprojects/go/hello:on_unpinned").assert_failure()
        assert "testprojects/go/hello:unpinned: `digest` 'latest' is not a pinned digest" in unpinned.stderr


def test_skip_push_and_a_failed_push(tmp_path: Path) -> None:
    with local_registry(tmp_path) as registry:
        repo = PantsRepo(tmp_path / "repo", extra_config=_registries(registry.host))
        repo.copy_testproject("hello")
        build = repo.root / "testprojects/go/hello/BUILD"
        build.write_text(build.read_text().replace('repository="testprojects/hello",', 'repository="testprojects/hello",\n    skip_push=True,'))
        result = repo.run("publish", "testprojects/go/hello:image").assert_success()
        assert "skip_push" in result.stderr
        tags = subprocess.run(
            [require_tool("skopeo"), "list-tags", "--tls-verify=false", f"docker://{registry.host}/testprojects/hello"],
            capture_output=True, text=True,
        )
        assert tags.returncode != 0 or json.loads(tags.stdout)["Tags"] == []

    # Nothing listens here: the push fails, names the registry, and the goal fails.
    dead = f"127.0.0.1:{free_port()}"
    repo = PantsRepo(tmp_path / "dead", extra_config=_registries(dead))
    repo.copy_testproject("hello")
    result = repo.run("publish", "testprojects/go/hello:image").assert_failure()
    assert f"{dead}/testprojects/hello:latest failed" in result.stderr
