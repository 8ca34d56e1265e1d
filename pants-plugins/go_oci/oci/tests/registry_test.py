"""layertool push and fetch against a real registry (docker-registry 2.8), directly or through a proxy
that injects the failures registries produce: 5xx, 401, and content that does not match its digest.
Pulls are the model's walk (`PinnedPull`) driven with `layertool fetch`, as the plugin's rule drives it."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import pytest

from go_oci.oci.layer import LayerEntry, LayerResult, tar_spec_json_bytes
from go_oci.oci.layout import blob_path, layout_files, tagged_index
from go_oci.oci.model import (
    MEDIA_TYPE_OCI_EMPTY,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    MEDIA_TYPE_SPDX_JSON,
    Descriptor,
    HistoryEntry,
    ImageConfig,
    Index,
    Manifest,
    Platform,
)
from go_oci.oci.registry import Fetch, Fetched, ImagePush, PinnedPull, PulledImage
from go_oci.oci.sbom import SbomReferrer
from go_oci.testing.registry import local_registry
from go_oci.testing.registry_proxy import DROP_CONNECTION, RegistryProxy, is_manifest_put, is_tag_put

AMD64 = Platform(os="linux", architecture="amd64")
ARM64 = Platform(os="linux", architecture="arm64")
MANIFEST_ACCEPT = ", ".join(
    [
        MEDIA_TYPE_OCI_INDEX,
        MEDIA_TYPE_OCI_MANIFEST,
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
REPO = "acme/greeter"


# ---------------------------------------------------------------------------- images


@dataclass(frozen=True)
class BuiltImage:
    layout: Path
    root_digest: str
    manifests: Dict[str, str]  # "linux/amd64" -> manifest digest
    images: Tuple[Tuple[Descriptor, Descriptor, Tuple[Descriptor, ...]], ...]  # (manifest, config, layers)
    push: ImagePush


def build_layout(
    run_layertool: Callable,
    workdir: Path,
    *,
    content: str,
    platforms: Sequence[Platform] = (AMD64, ARM64),
) -> BuiltImage:
    """An image index with one manifest per platform, each with one layer naming its platform, in an
    image layout written as the plugin writes one.

    `content` goes into every layer, so two builds with different content share no blob.
    """
    workdir.mkdir(parents=True)
    layout = workdir / "layout"
    documents: Dict[str, bytes] = {}
    images: List[Tuple[Descriptor, Descriptor, Tuple[Descriptor, ...]]] = []
    layer_files: Dict[str, Path] = {}
    for platform in platforms:
        name = str(platform).replace("/", "_")
        (workdir / f"{name}.txt").write_text(f"{content} on {platform}\n")
        (workdir / f"{name}.json").write_bytes(
            tar_spec_json_bytes([LayerEntry.file("app/hello.txt", f"{name}.txt")])
        )
        result = run_layertool("layer", f"{name}.json", f"{name}.tar.gz", cwd=workdir)
        layer = LayerResult.from_json_bytes(result.stdout.encode())
        layer_files[layer.digest] = workdir / f"{name}.tar.gz"
        config = ImageConfig(
            platform=platform,
            diff_ids=(layer.diff_id,),
            entrypoint=("/app/hello",),
            history=(HistoryEntry(created_by="go_oci test layer"),),
        )
        manifest = Manifest(config=config.descriptor(), layers=(layer.descriptor(),))
        documents[config.descriptor().digest] = config.to_json_bytes()
        documents[manifest.descriptor().digest] = manifest.to_json_bytes()
        images.append((manifest.descriptor(platform=platform), config.descriptor(), manifest.layers))
    index = Index(manifests=tuple(m for m, _, _ in images))
    documents[index.descriptor().digest] = index.to_json_bytes()
    write_files(layout, layout_files(tagged_index(index.descriptor(), ["local"]), documents))
    for digest, path in layer_files.items():
        write_files(layout, [(blob_path(digest), path.read_bytes())])
    return BuiltImage(
        layout=layout,
        root_digest=index.descriptor().digest,
        manifests={str(m.platform): m.digest for m, _, _ in images},
        images=tuple(images),
        push=ImagePush.of(index.descriptor(), images),
    )


def write_files(root: Path, files: Sequence[Tuple[str, bytes]]) -> None:
    for path, data in files:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)


def layout_blobs(layout: Path) -> Dict[str, bytes]:
    return {path.name: path.read_bytes() for path in (layout / "blobs" / "sha256").iterdir()}


# ---------------------------------------------------------------------------- layertool


@pytest.fixture
def layertool_env(tmp_path: Path) -> Dict[str, str]:
    """No credentials unless a test writes a config.json into $DOCKER_CONFIG."""
    docker_config = tmp_path / "docker-config"
    docker_config.mkdir()
    return {"DOCKER_CONFIG": str(docker_config)}


@pytest.fixture
def registry_tool(
    layertool: Path, layertool_env: Dict[str, str]
) -> Callable[..., subprocess.CompletedProcess]:
    def run(*args: str, check: bool = True, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(layertool), *args], capture_output=True, text=True, env=layertool_env, timeout=60, cwd=cwd
        )
        if check and result.returncode != 0:
            raise AssertionError(f"layertool {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run


def push(
    registry_tool: Callable,
    image: BuiltImage,
    repository: str,
    *tags: str,
    flags: Sequence[str] = ("--insecure",),
    push_spec: Optional[ImagePush] = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """`layertool push` of the image (or of `push_spec`), from its layout as the publish goal runs it."""
    spec = push_spec or image.push
    write_files(image.layout, [("push.json", spec.spec_json_bytes()), *spec.referrer_files()])
    return registry_tool("push", *flags, "push.json", repository, *tags, cwd=image.layout, check=check)


class FetchFailed(Exception):
    pass


def pull(
    registry_tool: Callable, repository: str, digest: str, out: Path, wanted: Sequence[Platform] = ()
) -> PulledImage:
    """The model's pull walk, each fetch a `layertool fetch` into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    walk = PinnedPull(repository, digest, wanted)
    fetch: Optional[Fetch] = walk.next_fetch()
    while fetch is not None:
        (out / "fetch.json").write_bytes(fetch.spec_json_bytes())
        result = registry_tool("fetch", "--insecure", repository, "fetch.json", cwd=out, check=False)
        if result.returncode != 0:
            raise FetchFailed(result.stderr)
        files = {path: (out / path).read_bytes() for path in fetch.read_paths}
        fetch = walk.next_fetch(Fetched.of(fetch, result.stdout.encode(), files))
    assert walk.image is not None
    return walk.image


def json_lines(stdout: str) -> List[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


# ---------------------------------------------------------------------------- registry queries


def manifest_in_registry(host: str, repo: str, reference: str) -> Optional[Tuple[str, bytes]]:
    """(digest, bytes) of the manifest the registry serves for a tag or digest, or None."""
    request = urllib.request.Request(
        f"http://{host}/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_ACCEPT}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            return response.headers["Docker-Content-Digest"], body
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def skopeo_digest(skopeo: str, host: str, repo: str, tag: str) -> str:
    result = subprocess.run(
        [skopeo, "inspect", "--tls-verify=false", f"docker://{host}/{repo}:{tag}"],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return json.loads(result.stdout)["Digest"]


# ---------------------------------------------------------------------------- push


def test_push_is_visible_to_skopeo_and_a_second_push_uploads_nothing(
    registry,
    registry_tool: Callable,
    run_layertool: Callable,
    require_tool: Callable,
    tmp_path: Path,
) -> None:
    skopeo = require_tool("skopeo")
    image = build_layout(run_layertool, tmp_path / "image", content="first push")

    first = push(registry_tool, image, f"{registry.host}/{REPO}", "latest", "1.0")

    reference = f"{registry.host}/{REPO}"
    assert json_lines(first.stdout) == [
        {"pushed": f"{reference}@{image.root_digest}"},
        {"tag": f"{reference}:latest", "digest": image.root_digest},
        {"tag": f"{reference}:1.0", "digest": image.root_digest},
        {"blobs_uploaded": 4, "blobs_skipped": 0},  # a config and a layer per platform
    ]
    assert skopeo_digest(skopeo, registry.host, REPO, "latest") == image.root_digest
    assert skopeo_digest(skopeo, registry.host, REPO, "1.0") == image.root_digest
    for platform, digest in image.manifests.items():
        assert manifest_in_registry(registry.host, REPO, digest) is not None, platform

    second = push(registry_tool, image, f"{registry.host}/{REPO}", "latest")
    assert json_lines(second.stdout)[-1] == {"blobs_uploaded": 0, "blobs_skipped": 4}


def test_push_of_a_single_manifest(
    registry, registry_tool: Callable, tmp_path: Path, run_layertool: Callable
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="single", platforms=(AMD64,))
    manifest = image.push.manifests[0]
    single = ImagePush(blobs=image.push.blobs, manifests=(manifest,))

    result = push(registry_tool, image, f"{registry.host}/{REPO}", "amd64-only", push_spec=single)

    assert json_lines(result.stdout)[0] == {"pushed": f"{registry.host}/{REPO}@{manifest.digest}"}
    assert manifest_in_registry(registry.host, REPO, "amd64-only")[0] == manifest.digest


def test_push_with_sbom_tags_the_artifact_for_registries_without_referrers(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="with sbom")
    sbom = json.dumps({"spdxVersion": "SPDX-2.3", "name": "greeter"}).encode()
    with_sbom = ImagePush(image.push.blobs, image.push.manifests, SbomReferrer(image.push.manifests[-1], sbom))

    result = push(registry_tool, image, f"{registry.host}/{REPO}", "latest", push_spec=with_sbom)

    lines = json_lines(result.stdout)
    fallback_tag = "sha256-" + image.root_digest.split(":")[1] + ".sbom"
    sbom_line = next(line for line in lines if "sbom" in line)
    assert sbom_line["fallback_tag"] == f"{registry.host}/{REPO}:{fallback_tag}"
    digest, artifact_bytes = manifest_in_registry(registry.host, REPO, fallback_tag)
    # The registry holds the very referrer the model wrote.
    assert artifact_bytes == with_sbom.sbom.manifest.to_json_bytes()
    assert sbom_line["sbom"] == f"{registry.host}/{REPO}@{digest}"
    artifact = json.loads(artifact_bytes)
    assert artifact["artifactType"] == MEDIA_TYPE_SPDX_JSON
    assert artifact["config"] == {
        "mediaType": MEDIA_TYPE_OCI_EMPTY,
        "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest(),
        "size": 2,
    }
    assert artifact["subject"]["digest"] == image.root_digest
    assert artifact["subject"]["mediaType"] == MEDIA_TYPE_OCI_INDEX
    (layer,) = artifact["layers"]
    assert layer["mediaType"] == MEDIA_TYPE_SPDX_JSON
    with urllib.request.urlopen(
        f"{registry.url}/v2/{REPO}/blobs/{layer['digest']}", timeout=5
    ) as blob:
        assert blob.read() == sbom
    # The tag moved only once the SBOM was in.
    assert [next(iter(line)) for line in lines] == ["pushed", "sbom", "tag", "blobs_uploaded"]


def test_push_with_sbom_to_a_registry_with_referrers_needs_no_fallback_tag(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="referrers")
    with_sbom = ImagePush(
        image.push.blobs, image.push.manifests, SbomReferrer(image.push.manifests[-1], b'{"spdxVersion": "SPDX-2.3"}')
    )

    def announce_referrers(method, path, request_body, headers, body):
        # What a registry with the referrers API answers to a manifest with a subject.
        if is_manifest_put(method, path) and b'"subject"' in request_body:
            headers = {**headers, "OCI-Subject": image.root_digest}
        return headers, body

    with RegistryProxy(registry.host, rewrite=announce_referrers) as proxy:
        result = push(registry_tool, image, f"{proxy.host}/{REPO}", push_spec=with_sbom)

    sbom_line = next(line for line in json_lines(result.stdout) if "sbom" in line)
    assert sbom_line["fallback_tag"] is None
    assert not [r for r in proxy.requests if is_tag_put(r[0], r[1])]


def test_push_retries_5xx_and_dropped_connections_and_moves_tags_only_after_every_manifest(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="flaky registry")
    failed_puts = []
    dropped_manifest_puts = []

    def fail_first_two_puts_and_drop_the_first_manifest_put(method, path, headers):
        if method == "PUT" and len(failed_puts) < 2:
            failed_puts.append(path)
            return (
                503,
                {"Content-Type": "application/json"},
                b'{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}',
            )
        if is_manifest_put(method, path) and not dropped_manifest_puts:
            dropped_manifest_puts.append(path)
            return DROP_CONNECTION
        return None

    with RegistryProxy(
        registry.host, intercept=fail_first_two_puts_and_drop_the_first_manifest_put
    ) as proxy:
        result = push(registry_tool, image, f"{proxy.host}/{REPO}", "latest")

    assert len(failed_puts) == 2 and len(dropped_manifest_puts) == 1
    assert json_lines(result.stdout)[-1] == {"blobs_uploaded": 4, "blobs_skipped": 0}
    assert manifest_in_registry(registry.host, REPO, "latest")[0] == image.root_digest
    # Every blob and manifest went in before the first tag.
    methods_paths = [(m, p) for m, p, status in proxy.requests if status < 300]
    first_tag = next(i for i, (m, p) in enumerate(methods_paths) if is_tag_put(m, p))
    before_tag = [p for m, p in methods_paths[:first_tag] if m == "PUT"]
    for digest in [image.root_digest, *image.manifests.values()]:
        assert f"/v2/{REPO}/manifests/{digest}" in before_tag
    assert sum("/blobs/uploads/" in p for p in before_tag) == 4


def test_push_that_fails_midway_leaves_tags_where_they_were(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    old = build_layout(run_layertool, tmp_path / "old", content="version 1")
    new = build_layout(run_layertool, tmp_path / "new", content="version 2")
    push(registry_tool, old, f"{registry.host}/{REPO}", "latest")

    def break_manifest_puts(method, path, headers):
        if is_manifest_put(method, path):
            return 500, {}, b'{"errors":[{"code":"UNKNOWN","message":"disk on fire"}]}'
        return None

    with RegistryProxy(registry.host, intercept=break_manifest_puts) as proxy:
        result = push(registry_tool, new, f"{proxy.host}/{REPO}", "latest", "fresh", check=False)

    assert result.returncode == 1
    assert (
        "HTTP 500" in result.stderr
        and "disk on fire" in result.stderr
        and "gave up after 4 attempts" in result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert manifest_in_registry(registry.host, REPO, "latest")[0] == old.root_digest
    assert manifest_in_registry(registry.host, REPO, "fresh") is None
    assert not [r for r in proxy.requests if is_tag_put(r[0], r[1])]


def test_401_without_credentials_says_how_to_log_in(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="unauthorized")

    def refuse(method, path, headers):
        return (
            401,
            {"WWW-Authenticate": 'Basic realm="registry"'},
            b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
        )

    with RegistryProxy(registry.host, intercept=refuse) as proxy:
        result = push(registry_tool, image, f"{proxy.host}/{REPO}", "latest", check=False)

    assert result.returncode == 1
    assert "requires credentials" in result.stderr
    assert f"docker login {proxy.host}" in result.stderr


def test_401_with_credentials_sends_them_and_says_they_were_refused(
    registry,
    registry_tool: Callable,
    run_layertool: Callable,
    layertool_env: Dict[str, str],
    tmp_path: Path,
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="wrong password")
    authorizations = []

    def refuse(method, path, headers):
        authorizations.append(headers.get("Authorization"))
        return 401, {"WWW-Authenticate": 'Basic realm="registry"'}, b""

    with RegistryProxy(registry.host, intercept=refuse) as proxy:
        write_docker_config(layertool_env, proxy.host, "ci-bot", "s3cret")
        result = push(registry_tool, image, f"{proxy.host}/{REPO}", "latest", check=False)

    assert result.returncode == 1
    assert 'refused the credentials for user "ci-bot"' in result.stderr
    assert f"docker login {proxy.host}" in result.stderr
    assert authorizations == [None, "Basic " + base64.b64encode(b"ci-bot:s3cret").decode()]


def test_bearer_token_flow(
    registry,
    registry_tool: Callable,
    run_layertool: Callable,
    layertool_env: Dict[str, str],
    tmp_path: Path,
) -> None:
    """The registry challenges with Bearer; layertool gets a token from the realm with Basic credentials."""
    image = build_layout(run_layertool, tmp_path / "image", content="bearer")
    token_requests = []

    def token_auth(method, path, headers):
        if path.startswith("/token"):
            token_requests.append((path, headers.get("Authorization")))
            if (
                headers.get("Authorization")
                != "Basic " + base64.b64encode(b"ci-bot:s3cret").decode()
            ):
                return 401, {}, b""
            return 200, {"Content-Type": "application/json"}, b'{"token": "let-me-in"}'
        if headers.get("Authorization") != "Bearer let-me-in":
            challenge = f'Bearer realm="http://{proxy.host}/token",service="test-registry",scope="repository:{REPO}:pull"'
            return 401, {"WWW-Authenticate": challenge}, b""
        return None

    with RegistryProxy(registry.host, intercept=token_auth) as proxy:
        write_docker_config(layertool_env, proxy.host, "ci-bot", "s3cret")
        push(registry_tool, image, f"{proxy.host}/{REPO}", "latest")
        pull(registry_tool, f"{proxy.host}/{REPO}", image.root_digest, tmp_path / "pulled")

    assert manifest_in_registry(registry.host, REPO, "latest")[0] == image.root_digest
    # One token per process, reused for every later request; push asks for push rights. The pull's
    # three fetches (the index, its manifests, their blobs) are three processes.
    assert len(token_requests) == 4
    assert f"scope=repository%3A{REPO.replace('/', '%2F')}%3Apull%2Cpush" in token_requests[0][0]
    assert "service=test-registry" in token_requests[0][0]


def write_docker_config(layertool_env: Dict[str, str], host: str, user: str, password: str) -> None:
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = Path(layertool_env["DOCKER_CONFIG"]) / "config.json"
    config.write_text(json.dumps({"auths": {host: {"auth": auth}}}))


def _basic_auth_digest(host: str, tag: str, user: str, password: str) -> Optional[str]:
    request = urllib.request.Request(
        f"http://{host}/v2/{REPO}/manifests/{tag}",
        method="HEAD",
        headers={
            "Accept": MANIFEST_ACCEPT,
            "Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers["Docker-Content-Digest"]


def test_push_to_an_htpasswd_registry_with_an_auth_file_and_a_credential_helper(
    registry_tool: Callable,
    run_layertool: Callable,
    layertool_env: Dict[str, str],
    tmp_path: Path,
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="logged in")
    with local_registry(tmp_path / "auth-registry", users={"ci-bot": "s3cret"}) as registry:
        # podman's auth.json, named by REGISTRY_AUTH_FILE.
        auth_file = tmp_path / "auth.json"
        auth = base64.b64encode(b"ci-bot:s3cret").decode()
        auth_file.write_text(json.dumps({"auths": {registry.host: {"auth": auth}}}))
        layertool_env["REGISTRY_AUTH_FILE"] = str(auth_file)
        push(registry_tool, image, f"{registry.host}/{REPO}", "from-auth-file")

        # Docker's config.json naming a docker-credential-* helper found on PATH.
        del layertool_env["REGISTRY_AUTH_FILE"]
        helpers = tmp_path / "helpers"
        helpers.mkdir()
        helper = helpers / "docker-credential-test"
        helper.write_text(
            "#!/bin/sh\nread server\n"
            f'[ "$server" = "{registry.host}" ] || {{ echo "credentials not found in native keychain"; exit 1; }}\n'
            f'echo \'{{"ServerURL":"{registry.host}","Username":"ci-bot","Secret":"s3cret"}}\'\n'
        )
        helper.chmod(0o755)
        layertool_env["PATH"] = f"{helpers}:/usr/bin:/bin"
        (Path(layertool_env["DOCKER_CONFIG"]) / "config.json").write_text(json.dumps({"credsStore": "test"}))
        push(registry_tool, image, f"{registry.host}/{REPO}", "from-helper")

        for tag in ("from-auth-file", "from-helper"):
            assert _basic_auth_digest(registry.host, tag, "ci-bot", "s3cret") == image.root_digest


def test_a_failed_tag_does_not_stop_the_others_and_a_failed_push_keeps_the_report(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    old = build_layout(run_layertool, tmp_path / "old", content="version 1")
    new = build_layout(run_layertool, tmp_path / "new", content="version 2")
    report = tmp_path / "report" / "pushed.json"
    reference = f"{registry.host}/{REPO}"
    push(registry_tool, old, reference, "1.0", "latest", flags=("--insecure", f"--report={report}"))
    good_report = report.read_bytes()
    assert [json.loads(line) for line in good_report.splitlines()][1:3] == [
        {"tag": f"{reference}:1.0", "digest": old.root_digest},
        {"tag": f"{reference}:latest", "digest": old.root_digest},
    ]

    def fail_the_first_tag(method, path, headers):
        if method == "PUT" and path.endswith("/manifests/1.0"):
            return 400, {}, b'{"errors":[{"code":"TAG_INVALID","message":"tag 1.0 is immutable"}]}'
        return None

    with RegistryProxy(registry.host, intercept=fail_the_first_tag) as proxy:
        result = push(
            registry_tool, new, f"{proxy.host}/{REPO}", "1.0", "latest", flags=("--insecure", f"--report={report}"),
            check=False,
        )

    assert result.returncode == 1
    (message,) = result.stderr.strip().splitlines()
    assert "tag 1.0 is immutable" in message
    assert message.endswith(
        f"the image is in {proxy.host}/{REPO} as {new.root_digest}, and these tags still name what they named "
        "before: 1.0; tags moved to it: latest"
    )
    assert [line for line in json_lines(result.stdout) if "tag" in line] == [
        {"tag": f"{proxy.host}/{REPO}:latest", "digest": new.root_digest}
    ]
    assert manifest_in_registry(registry.host, REPO, "latest")[0] == new.root_digest
    assert manifest_in_registry(registry.host, REPO, "1.0")[0] == old.root_digest
    # The report is replaced only by a push that succeeded; this one leaves the last good one whole.
    assert report.read_bytes() == good_report
    assert [p.name for p in report.parent.iterdir()] == ["pushed.json"]


def test_push_errors_are_usage_errors_before_any_request(
    registry_tool: Callable, tmp_path: Path
) -> None:
    bad_tag = registry_tool(
        "push", "--insecure", "push.json", "127.0.0.1:1/acme/greeter", ":bad", check=False, cwd=tmp_path
    )
    bad_repo = registry_tool("push", "push.json", "acme/Greeter", check=False, cwd=tmp_path)
    assert bad_tag.returncode == 2 and "tag" in bad_tag.stderr
    assert bad_repo.returncode == 2 and "repository" in bad_repo.stderr


def test_push_checks_every_file_before_any_request(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="broken")
    layer = image.push.blobs[1]
    (image.layout / blob_path(layer.digest)).write_bytes(b"truncated")
    truncated = push(registry_tool, image, f"{registry.host}/{REPO}", "latest", check=False)
    assert truncated.returncode == 1
    assert f"blob {layer.digest}: {blob_path(layer.digest)} has 9 bytes, {layer.size} expected" in truncated.stderr

    index = image.push.manifests[-1]
    (image.layout / blob_path(index.digest)).write_bytes(b"{}")
    rewritten = push(registry_tool, image, f"{registry.host}/{REPO}", "latest", check=False)
    assert rewritten.returncode == 1
    assert f"manifest {index.digest}: {blob_path(index.digest)} holds content that hashes to sha256:44136fa" in rewritten.stderr
    assert manifest_in_registry(registry.host, REPO, "latest") is None


# ---------------------------------------------------------------------------- pull


@pytest.fixture
def pushed_image(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> BuiltImage:
    image = build_layout(run_layertool, tmp_path / "image", content="to pull")
    push(registry_tool, image, f"{registry.host}/{REPO}", "latest")
    return image


def test_pull_brings_the_image_byte_for_byte(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    out = tmp_path / "pulled"
    pulled = pull(registry_tool, f"{registry.host}/{REPO}", pushed_image.root_digest, out)

    assert layout_blobs(out) == layout_blobs(pushed_image.layout)
    assert pulled.digest == pushed_image.root_digest
    assert [str(p.platform) for p in pulled.platforms] == ["linux/amd64", "linux/arm64"]
    for platform, (manifest, config, layers) in zip(pulled.platforms, pushed_image.images):
        assert platform.manifest.descriptor().digest == manifest.digest
        assert platform.config == (pushed_image.layout / blob_path(config.digest)).read_bytes()
        assert platform.manifest.layers == tuple(layers)


def test_pull_of_one_platform_keeps_the_pinned_index_and_only_that_platforms_blobs(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    out = tmp_path / "pulled"
    pulled = pull(registry_tool, f"{registry.host}/{REPO}", pushed_image.root_digest, out, [ARM64])

    (arm64,) = pulled.platforms
    assert str(arm64.platform) == "linux/arm64"
    expected = {pushed_image.root_digest, pushed_image.manifests["linux/arm64"], arm64.manifest.config.digest}
    expected |= {layer.digest for layer in arm64.manifest.layers}
    assert set(layout_blobs(out)) == {d.split(":")[1] for d in expected}
    index_bytes = (out / blob_path(pushed_image.root_digest)).read_bytes()
    assert index_bytes == (pushed_image.layout / blob_path(pushed_image.root_digest)).read_bytes()


def test_pull_of_an_absent_platform_names_it_and_lists_the_available_ones(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    out = tmp_path / "pulled"
    s390x = Platform(os="linux", architecture="s390x")
    with pytest.raises(ValueError, match="has no linux/s390x manifest; it has linux/amd64, linux/arm64$"):
        pull(registry_tool, f"{registry.host}/{REPO}", pushed_image.root_digest, out, [s390x])
    # Only the index was fetched.
    assert set(layout_blobs(out)) == {pushed_image.root_digest.split(":")[1]}


def test_pull_of_a_single_manifest_reads_its_platform_from_the_config(
    registry, registry_tool: Callable, run_layertool: Callable, tmp_path: Path
) -> None:
    image = build_layout(run_layertool, tmp_path / "image", content="single", platforms=(ARM64,))
    manifest = image.push.manifests[0]
    push(registry_tool, image, f"{registry.host}/{REPO}", push_spec=ImagePush(image.push.blobs, (manifest,)))

    pulled = pull(registry_tool, f"{registry.host}/{REPO}", manifest.digest, tmp_path / "pulled", [ARM64])
    (only,) = pulled.platforms
    assert (str(only.platform), only.manifest.descriptor().digest) == ("linux/arm64", manifest.digest)

    with pytest.raises(ValueError, match="has no linux/amd64 manifest; it is a single linux/arm64 image"):
        pull(registry_tool, f"{registry.host}/{REPO}", manifest.digest, tmp_path / "amd64", [AMD64])
    # The config told; no layer was fetched.
    assert set(layout_blobs(tmp_path / "amd64")) == {
        manifest.digest.split(":")[1], only.manifest.config.digest.split(":")[1]
    }


def test_pull_of_a_digest_the_registry_lacks_fails(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    missing = "sha256:" + hashlib.sha256(b"no such manifest").hexdigest()
    with pytest.raises(FetchFailed, match=f"fetching manifest {registry.host}/{REPO}@{missing}: not found"):
        pull(registry_tool, f"{registry.host}/{REPO}", missing, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == [tmp_path / "out" / "fetch.json"]


def test_fetch_rejects_a_manifest_that_does_not_match_the_pinned_digest(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    def tamper(method, path, request_body, headers, body):
        if method == "GET" and "/manifests/" in path:
            body = body.replace(b"linux", b"LINUX")
        return headers, body

    with RegistryProxy(registry.host, rewrite=tamper) as proxy:
        with pytest.raises(FetchFailed, match="the registry sent content that hashes to sha256:[0-9a-f]+, not sha256:"):
            pull(registry_tool, f"{proxy.host}/{REPO}", pushed_image.root_digest, tmp_path / "out")
    assert not (tmp_path / "out" / "blobs").exists()


def test_fetch_rejects_a_blob_that_does_not_match_its_digest(
    registry, pushed_image: BuiltImage, registry_tool: Callable, tmp_path: Path
) -> None:
    def tamper(method, path, request_body, headers, body):
        if method == "GET" and "/blobs/" in path and len(body) > 2:
            body = body[:-1] + bytes([body[-1] ^ 1])
        return headers, body

    with RegistryProxy(registry.host, rewrite=tamper) as proxy:
        with pytest.raises(FetchFailed, match="fetching blob .*: the registry sent content that hashes to"):
            pull(registry_tool, f"{proxy.host}/{REPO}", pushed_image.root_digest, tmp_path / "out")
    # Manifests are in; no blob that failed its digest was kept.
    blobs = set(layout_blobs(tmp_path / "out"))
    assert blobs == {d.split(":")[1] for d in (pushed_image.root_digest, *pushed_image.manifests.values())}


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"manifests": [{"digest": "sha256:../../x", "path": "x"}]}, 'digest "sha256:../../x" must be'),
        ({"blobs": [{"digest": "sha256:" + "0" * 64, "size": 1, "path": "/etc/x"}]}, "must be relative"),
        ({"blobs": [], "layers": []}, 'invalid spec: json: unknown field "layers"'),
    ],
)
def test_fetch_refuses_a_bad_spec_before_any_request(
    registry_tool: Callable, tmp_path: Path, spec: dict, message: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "fetch.json").write_text(json.dumps(spec))
    result = registry_tool("fetch", "127.0.0.1:1/acme/greeter", "fetch.json", cwd=work, check=False)
    assert result.returncode == 1 and message in result.stderr
    assert [p.name for p in work.iterdir()] == ["fetch.json"]


def test_fetch_usage_errors(registry_tool: Callable, tmp_path: Path) -> None:
    missing_spec = registry_tool("fetch", "127.0.0.1:5000/acme/greeter", check=False)
    bad_repository = registry_tool("fetch", "acme/Greeter", "fetch.json", check=False)
    assert missing_spec.returncode == 2 and "fetch takes REPOSITORY and FETCH.json" in missing_spec.stderr
    assert bad_repository.returncode == 2 and 'repository "acme/Greeter" must be' in bad_repository.stderr


def test_the_walk_refuses_an_index_inside_an_index() -> None:
    inner = Index().descriptor(platform=AMD64)
    outer = Index(manifests=(inner,))
    walk = PinnedPull("registry.example/acme/greeter", outer.descriptor().digest, [AMD64])
    first = walk.next_fetch()
    served = Fetched(((outer.descriptor().digest, outer.to_json_bytes()),), ())
    with pytest.raises(ValueError, match="only image manifests are supported inside an index"):
        walk.next_fetch(served)
    assert first == Fetch(manifests=(outer.descriptor().digest,))


# ---------------------------------------------------------------------------- Go unit tests


def test_layertool_registry_go_unit_tests(go_sdk: str, go_env: Dict[str, str]) -> None:
    """Challenge parsing, references, credentials, retries and reports (layertool/registry_test.go)."""
    result = subprocess.run(
        [go_sdk, "test", "-count=1", "."],
        cwd=Path(__file__).resolve().parent.parent / "layertool",
        env=go_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
