"""`pants publish` to a real registry, and an image built on a base pulled from it by digest."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import urllib.request
from pathlib import Path

import pytest

from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.registry import local_registry
from go_oci.testing.registry_proxy import RegistryProxy
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

        # A digest the registry does not have is a clear error (an unpinned digest and a platform the base
        # lacks are unit tests: target_types_test.py, util_rules/image_test.py).
        repo.write(
            "testprojects/go/hello/BUILD",
            (repo.root / "testprojects/go/hello/BUILD").read_text()
            + f'oci_pull(name="missing", image="{registry.host}/testprojects/hello", digest="sha256:{"0" * 64}")\n'
            'go_image(name="on_missing", binary=":hello", base=":missing")\n',
        )
        missing = repo.run("package", "testprojects/go/hello:on_missing").assert_failure()
        assert f"testprojects/go/hello:missing: could not pull {registry.host}/testprojects/hello@sha256:{'0' * 64}" in missing.stderr


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


def _docker_config(directory: Path, host: str, user: str, password: str) -> Path:
    """What `docker login HOST` leaves in DIRECTORY/config.json."""
    directory.mkdir(parents=True, exist_ok=True)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    (directory / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    return directory


def _tag_digest(host: str, tag: str, user: str, password: str) -> str:
    request = urllib.request.Request(
        f"http://{host}/v2/testprojects/hello/manifests/{tag}",
        method="HEAD",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json",
            "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Docker-Content-Digest"]


def _files_holding(roots: list[Path], secret: bytes) -> list[Path]:
    return [
        path
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink() and secret in path.read_bytes()
    ]


def test_publish_with_credentials_and_a_tag_that_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`pants publish` to a registry with htpasswd auth: credentials from $DOCKER_CONFIG and from
    ~/.docker/config.json, a refused password, and a registry that refuses only the second tag."""
    password = f"pw-{secrets.token_hex(8)}"
    secrets_in_files = [password.encode(), base64.b64encode(f"ci-bot:{password}".encode())]
    # HOME moves below; the nested Pants keeps using the shared caches under the real one.
    user_cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pants"
    failing_tags: set[str] = set()

    def fail_listed_tag_puts(method: str, path: str, headers: object):
        tag = path.rsplit("/manifests/", 1)[-1]
        if method == "PUT" and tag in failing_tags:
            return 500, {"Content-Type": "application/json"}, b'{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}'
        return None

    with local_registry(tmp_path, users={"ci-bot": password}) as registry, RegistryProxy(
        registry.host, intercept=fail_listed_tag_puts
    ) as proxy:
        repo = PantsRepo(
            tmp_path / "repo",
            local_store=user_cache / "lmdb_store",
            named_caches=user_cache / "named_caches",
            extra_config=_registries(proxy.host),
        )
        repo.copy_testproject("hello")
        target = "testprojects/go/hello:image"
        report = repo.dist(f"{OUT}/image.{proxy.host.replace(':', '_')}.pushed.json")

        # 1. Credentials in $DOCKER_CONFIG; sandboxes kept, and the publish goal's process logged.
        monkeypatch.setenv("DOCKER_CONFIG", str(_docker_config(tmp_path / "docker-config", proxy.host, "ci-bot", password)))
        first = repo.run(
            "--keep-sandboxes=always", "--log-levels-by-target={'pants.core.goals.publish': 'debug'}",
            "package", "publish", target,
        ).assert_success()
        old_index = json.loads(repo.dist(f"{OUT}/image.image.json").read_text())["index"]["digest"]
        for tag in ("latest", "1.0.0"):
            assert f"{proxy.host}/testprojects/hello:{tag} published to index {old_index} of {target}" in first.stderr
            assert _tag_digest(registry.host, tag, "ci-bot", password) == old_index
        # The push got where the credentials are, and nothing else of them.
        (executed,) = re.findall(r"Execute InteractiveProcess\(.*?latest.*", first.stderr)
        assert f"'DOCKER_CONFIG': '{tmp_path / 'docker-config'}'" in executed and "'HOME': " in executed
        kept = [Path(p) for p in re.findall(r"Preserving local process execution dir `?([^`\s]+)`?", first.stderr)]
        assert kept
        for secret in secrets_in_files:
            assert _files_holding([repo.root / ".pants.d", repo.root / "dist", *kept], secret) == []
        good_report = report.read_bytes()
        assert [list(json.loads(line))[0] for line in good_report.splitlines()] == ["pushed", "sbom", "tag", "tag", "blobs_uploaded"]

        # 2. Credentials in ~/.docker/config.json, a new image, and a registry that refuses the
        # second tag: the first tag moves, the second stays, and the lines and the report say so.
        monkeypatch.delenv("DOCKER_CONFIG")
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        _docker_config(tmp_path / "home" / ".docker", proxy.host, "ci-bot", password)
        repo.write("testprojects/go/hello/static/index.html", "<p>version two</p>\n")
        failing_tags.add("1.0.0")
        partial = repo.run("package", "publish", target).assert_failure()
        new_index = json.loads(repo.dist(f"{OUT}/image.image.json").read_text())["index"]["digest"]
        assert new_index != old_index
        assert f"✓ {proxy.host}/testprojects/hello:latest published to index {new_index}" in partial.stderr
        assert f"✕ {proxy.host}/testprojects/hello:1.0.0 failed for index {new_index} of {target}" in partial.stderr
        assert "disk on fire" in partial.stderr
        assert f"the image is in {proxy.host}/testprojects/hello as {new_index}, and these tags still name what they named before: 1.0.0" in partial.stderr
        assert _tag_digest(registry.host, "latest", "ci-bot", password) == new_index
        assert _tag_digest(registry.host, "1.0.0", "ci-bot", password) == old_index
        assert [json.loads(line) for line in report.read_text().splitlines() if '"tag"' in line] == [
            {"tag": f"{proxy.host}/testprojects/hello:latest", "digest": new_index}
        ]
        partial_report = report.read_bytes()

        # 3. A refused password: one clear message per tag, no tag moves, the last report survives.
        failing_tags.clear()
        _docker_config(tmp_path / "home" / ".docker", proxy.host, "ci-bot", "not-the-password")
        repo.write("testprojects/go/hello/static/index.html", "<p>version three</p>\n")
        refused = repo.run("package", "publish", target).assert_failure()
        assert f'registry {proxy.host} refused the credentials for user "ci-bot" from {tmp_path}/home/.docker/config.json' in refused.stderr
        assert f"log in again with `docker login {proxy.host}`" in refused.stderr
        assert f"✕ {proxy.host}/testprojects/hello:1.0.0 failed for index" in refused.stderr
        assert "usage:" not in refused.stderr
        assert _tag_digest(registry.host, "latest", "ci-bot", password) == new_index
        assert report.read_bytes() == partial_report
