from __future__ import annotations

import base64
import json
import subprocess
import zipfile
from pathlib import Path
from typing import Callable, Dict

import pytest

from go_oci.oci.model import MEDIA_TYPE_OCI_INDEX, Descriptor, sha256_digest
from go_oci.oci.sbom import (
    BasePackage,
    GoModule,
    SbomReferrer,
    build_spdx_document,
    golang_purl,
    parse_go_version_m,
    spdx_json_bytes,
)

H1 = "h1:" + base64.b64encode(bytes(range(32))).decode()

SAMPLE = f"""\
/out/server: go1.22.5
\tpath\texample.com/app/cmd/server
\tmod\texample.com/app\t(devel)\t
\tdep\tgithub.com/google/uuid\tv1.6.0\t{H1}
\tdep\tgopkg.in/yaml.v3\tv3.0.1\t{H1}
\t=>\tgithub.com/fork/yaml\tv3.0.2\t{H1}

\tdep\texample.com/local\tv0.0.0
\t=>\t../local\t(devel)\t

\tbuild\t-buildmode=exe
\tbuild\t-compiler=gc
\tbuild\t-ldflags="-s -w -X main.version=1.4.2"
\tbuild\t"odd key"="tab\\there \\u00e9\\x41"
\tbuild\tCGO_ENABLED=0
\tbuild\tGOARCH=arm
\tbuild\tGOOS=linux
\tbuild\tGOARM=7
"""


def packages_by_name(document: dict) -> Dict[str, dict]:
    return {p["name"]: p for p in document["packages"]}


def purl_of(package: dict) -> str:
    (ref,) = package["externalRefs"]
    assert (ref["referenceCategory"], ref["referenceType"]) == ("PACKAGE-MANAGER", "purl")
    return ref["referenceLocator"]


def test_parse_sample_build_info() -> None:
    info = parse_go_version_m(SAMPLE)
    assert info.go_version == "go1.22.5"
    assert info.path == "example.com/app/cmd/server"
    assert info.main == GoModule("example.com/app", "(devel)")
    assert info.deps == (
        GoModule("github.com/google/uuid", "v1.6.0", H1),
        GoModule(
            "gopkg.in/yaml.v3", "v3.0.1", H1, replace=GoModule("github.com/fork/yaml", "v3.0.2", H1)
        ),
        GoModule("example.com/local", "v0.0.0", replace=GoModule("../local", "(devel)")),
    )
    assert info.setting("-ldflags") == "-s -w -X main.version=1.4.2"
    assert info.setting("odd key") == "tab\there éA"
    assert info.setting("GOARM") == "7"
    assert info.setting("missing") is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Not `go version -m` output"),
        ("hello world", "Not `go version -m` output"),
        ("x: go1.22\n\t=>\ta\tv1\t", "Line 2: a replacement ('=>') must follow a mod or dep line."),
        ("x: go1.22\n\tfrob\tx", "Line 2: unknown build info line"),
        ("x: go1.22\n\tbuild\tnovalue", "Line 2: build setting 'novalue' is not KEY=VALUE."),
        ('x: go1.22\n\tbuild\tK="open', "Unterminated quoted string"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_go_version_m(text)


def test_golang_purl() -> None:
    assert (
        golang_purl("github.com/google/uuid", "v1.6.0")
        == "pkg:golang/github.com/google/uuid@v1.6.0"
    )
    assert golang_purl("example.com/app", "(devel)") == "pkg:golang/example.com/app"
    assert (
        golang_purl("github.com/a/b", "v2.0.0+incompatible")
        == "pkg:golang/github.com/a/b@v2.0.0%2Bincompatible"
    )
    assert golang_purl("example.com/Caps Here/x") == "pkg:golang/example.com/Caps%20Here/x"


def test_spdx_document_from_sample() -> None:
    base = [BasePackage("tzdata", "2024a", "Unlicense", purl="pkg:pypi/tzdata@2024.1")]
    document = build_spdx_document(
        parse_go_version_m(SAMPLE),
        name="acme/greeter",
        base_packages=base,
        image_name="acme/greeter",
    )
    assert document["spdxVersion"] == "SPDX-2.3"
    assert document["dataLicense"] == "CC0-1.0"
    assert document["SPDXID"] == "SPDXRef-DOCUMENT"
    assert document["creationInfo"] == {
        "created": "1970-01-01T00:00:00Z",
        "creators": ["Tool: go_oci"],
    }
    assert document["documentNamespace"].startswith(
        "https://spdx.org/spdxdocs/go_oci/acme-greeter-"
    )

    packages = packages_by_name(document)
    assert set(packages) == {
        "acme/greeter",
        "example.com/app",
        "stdlib",
        "github.com/google/uuid",
        "github.com/fork/yaml",
        "gopkg.in/yaml.v3",
        "example.com/local",
        "tzdata",
    }
    app = packages["example.com/app"]
    assert app["primaryPackagePurpose"] == "APPLICATION"
    assert "versionInfo" not in app  # "(devel)" is not a version
    assert purl_of(app) == "pkg:golang/example.com/app"
    assert app["annotations"][0]["comment"].startswith("Built for linux/arm/v7 with go1.22.5: ")
    assert "'-ldflags=-s -w -X main.version=1.4.2'" in app["annotations"][0]["comment"]

    uuid = packages["github.com/google/uuid"]
    assert uuid["versionInfo"] == "v1.6.0"
    assert purl_of(uuid) == "pkg:golang/github.com/google/uuid@v1.6.0"
    assert uuid["checksums"] == [{"algorithm": "SHA256", "checksumValue": bytes(range(32)).hex()}]

    # A replaced module: what is compiled in (the fork, with its checksum) and what go.mod required.
    fork = packages["github.com/fork/yaml"]
    assert (fork["versionInfo"], purl_of(fork), fork["primaryPackagePurpose"]) == (
        "v3.0.2",
        "pkg:golang/github.com/fork/yaml@v3.0.2",
        "LIBRARY",
    )
    assert fork["sourceInfo"] == "replaces gopkg.in/yaml.v3 v3.0.1"
    assert fork["checksums"] == [{"algorithm": "SHA256", "checksumValue": bytes(range(32)).hex()}]
    yaml = packages["gopkg.in/yaml.v3"]
    assert (yaml["versionInfo"], purl_of(yaml)) == ("v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1")
    assert "checksums" not in yaml and "primaryPackagePurpose" not in yaml
    assert yaml["comment"].startswith("Required by the build, and replaced by github.com/fork/yaml v3.0.2")
    assert {
        "spdxElementId": fork["SPDXID"],
        "relationshipType": "VARIANT_OF",
        "relatedSpdxElement": yaml["SPDXID"],
        "comment": "replace gopkg.in/yaml.v3 v3.0.1 => github.com/fork/yaml v3.0.2",
    } in document["relationships"]

    local = packages["example.com/local"]
    assert "versionInfo" not in local and "checksums" not in local
    assert local["sourceInfo"] == "replaced by ../local"
    assert purl_of(local) == "pkg:golang/example.com/local"

    assert (packages["stdlib"]["versionInfo"], purl_of(packages["stdlib"])) == (
        "go1.22.5",
        "pkg:golang/stdlib@1.22.5",
    )
    assert packages["tzdata"]["licenseDeclared"] == "Unlicense"
    assert purl_of(packages["tzdata"]) == "pkg:pypi/tzdata@2024.1"

    ids = {name: p["SPDXID"] for name, p in packages.items()}
    relationships = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in document["relationships"]
    }
    assert ("SPDXRef-DOCUMENT", "DESCRIBES", ids["acme/greeter"]) in relationships
    assert (ids["acme/greeter"], "CONTAINS", ids["example.com/app"]) in relationships
    assert (ids["acme/greeter"], "CONTAINS", ids["tzdata"]) in relationships
    for dep in ("stdlib", "github.com/google/uuid", "github.com/fork/yaml", "example.com/local"):
        assert (ids["example.com/app"], "DEPENDS_ON", ids[dep]) in relationships
    assert (ids["github.com/fork/yaml"], "VARIANT_OF", ids["gopkg.in/yaml.v3"]) in relationships
    assert len(relationships) == 8
    for spdx_id in ids.values():
        assert all(c.isalnum() or c in ".-" for c in spdx_id), spdx_id


def test_spdx_document_is_deterministic_and_namespaced_by_content() -> None:
    info = parse_go_version_m(SAMPLE)
    first = spdx_json_bytes(build_spdx_document(info, name="app"))
    assert first == spdx_json_bytes(build_spdx_document(info, name="app"))
    assert json.loads(first) == json.loads(first.decode())  # valid JSON, UTF-8
    later = build_spdx_document(info, name="app", created="2024-01-01T00:00:00Z")
    assert later["documentNamespace"] != json.loads(first)["documentNamespace"]
    other_base = build_spdx_document(info, name="app", base_packages=[BasePackage("x", "1")])
    assert other_base["documentNamespace"] != json.loads(first)["documentNamespace"]


def test_without_image_the_document_describes_the_binary() -> None:
    document = build_spdx_document(parse_go_version_m(SAMPLE), name="server")
    ids = {p["name"]: p["SPDXID"] for p in document["packages"]}
    described = [
        r["relatedSpdxElement"]
        for r in document["relationships"]
        if r["relationshipType"] == "DESCRIBES"
    ]
    assert described == [ids["example.com/app"]]


def _without_sums(text: str) -> str:
    """Build info as a vendored build records it: no go.sum hashes."""
    return text.replace(f"\t{H1}", "\t")


def test_vendored_build_info_takes_checksums_from_go_sum() -> None:
    info = parse_go_version_m(_without_sums(SAMPLE))
    assert all(not d.sum and not (d.replace and d.replace.sum) for d in info.deps)
    uuid_h1 = "h1:" + base64.b64encode(bytes(range(1, 33))).decode()
    go_sums = {
        ("github.com/google/uuid", "v1.6.0"): uuid_h1,
        ("github.com/fork/yaml", "v3.0.2"): H1,  # the replacement's, which is what the binary holds
    }
    packages = packages_by_name(build_spdx_document(info, name="app", go_sums=go_sums))
    assert packages["github.com/google/uuid"]["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": bytes(range(1, 33)).hex()}
    ]
    assert packages["github.com/fork/yaml"]["checksums"][0]["checksumValue"] == bytes(range(32)).hex()
    assert "checksums" not in packages["gopkg.in/yaml.v3"]
    # A build info hash wins over go.sum's: it is what `go` verified for this binary.
    packages = packages_by_name(build_spdx_document(parse_go_version_m(SAMPLE), name="app", go_sums=go_sums))
    assert packages["github.com/google/uuid"]["checksums"][0]["checksumValue"] == bytes(range(32)).hex()


def test_multi_platform_document_names_every_platform() -> None:
    arm = parse_go_version_m(SAMPLE)
    amd64 = parse_go_version_m(
        SAMPLE.replace("GOARCH=arm", "GOARCH=amd64").replace("\tbuild\tGOARM=7\n", "\tbuild\tGOAMD64=v1\n")
        + f"\tdep\tgolang.org/x/sys\tv0.3.0\t{H1}\n"
    )
    document = build_spdx_document([arm, amd64], name="app", image_name="app")
    app = packages_by_name(document)["example.com/app"]
    comments = [a["comment"] for a in app["annotations"]]
    assert [c.split(":")[0] for c in comments] == [
        "Built for linux/amd64 with go1.22.5",
        "Built for linux/arm/v7 with go1.22.5",
    ]
    assert "GOAMD64=v1" in comments[0] and "GOARM=7" in comments[1]
    # The dependencies are the union of the platforms', each listed once.
    names = [p["name"] for p in document["packages"]]
    assert names.count("github.com/google/uuid") == 1 and "golang.org/x/sys" in names
    assert len(document["relationships"]) == len({json.dumps(r, sort_keys=True) for r in document["relationships"]})


def test_binary_without_module_info_is_an_error() -> None:
    with pytest.raises(ValueError, match="has no module information"):
        build_spdx_document(parse_go_version_m("/x: go1.22.5\n"), name="x")
    with pytest.raises(ValueError, match="Invalid timestamp 'now'"):
        build_spdx_document(parse_go_version_m(SAMPLE), name="x", created="now")


# ---------------------------------------------------------------------------- a real binary


def write_module_proxy(proxy: Path, module: str, version: str, files: Dict[str, str]) -> None:
    """A GOPROXY directory (served as file://) holding one module version."""
    versions = proxy / module / "@v"
    versions.mkdir(parents=True)
    (versions / "list").write_text(f"{version}\n")
    (versions / f"{version}.info").write_text(
        json.dumps({"Version": version, "Time": "2020-01-01T00:00:00Z"})
    )
    (versions / f"{version}.mod").write_text(files["go.mod"])
    with zipfile.ZipFile(versions / f"{version}.zip", "w") as archive:
        for name, content in files.items():
            archive.writestr(f"{module}@{version}/{name}", content)


@pytest.fixture(scope="module")
def binary_with_deps(
    tmp_path_factory: pytest.TempPathFactory,
    go_sdk: str,
    go_env: Dict[str, str],
    go_build: Callable,
) -> Path:
    root = tmp_path_factory.mktemp("sbom")
    write_module_proxy(
        root / "proxy",
        "example.com/greet",
        "v1.2.3",
        {
            "go.mod": "module example.com/greet\n\ngo 1.22\n",
            "greet.go": 'package greet\n\nconst Hello = "hello"\n',
        },
    )
    (root / "local").mkdir()
    (root / "local" / "go.mod").write_text("module example.com/local\n\ngo 1.22\n")
    (root / "local" / "local.go").write_text('package local\n\nconst Name = "world"\n')
    app = root / "app"
    app.mkdir()
    (app / "go.mod").write_text(
        "module example.com/app\n\ngo 1.22\n\n"
        "require (\n\texample.com/greet v1.2.3\n\texample.com/local v0.0.0\n)\n\n"
        "replace example.com/local => ../local\n"
    )
    (app / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n\t"example.com/local"\n)\n\n'
        "func main() { fmt.Println(greet.Hello, local.Name) }\n"
    )
    # The module proxy is a local directory: resolving go.sum here needs no network.
    proxy_env = {
        **go_env,
        "GOPROXY": f"file://{root / 'proxy'}",
        "GOFLAGS": go_env["GOFLAGS"] + " -mod=mod",
    }
    subprocess.run(
        [go_sdk, "mod", "download", "all"], cwd=app, env=proxy_env, check=True, capture_output=True
    )
    subprocess.run([go_sdk, "mod", "tidy"], cwd=app, env=proxy_env, check=True, capture_output=True)
    return go_build(app, root / "server", goarch="arm64", args=["-ldflags=-s -w -buildid="])


def test_spdx_from_real_go_version_m(
    binary_with_deps: Path, go_sdk: str, go_env: Dict[str, str]
) -> None:
    output = subprocess.run(
        [go_sdk, "version", "-m", str(binary_with_deps)],
        env=go_env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = parse_go_version_m(output)
    go_version = subprocess.run(
        [go_sdk, "env", "GOVERSION"], env=go_env, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert info.go_version == go_version
    assert info.path == "example.com/app"
    assert info.main == GoModule("example.com/app", "(devel)")
    assert info.setting("GOOS") == "linux" and info.setting("GOARCH") == "arm64"
    assert info.setting("CGO_ENABLED") == "0"
    assert info.setting("-trimpath") == "true"

    go_sum = (binary_with_deps.parent / "app" / "go.sum").read_text().split()
    greet_sum = go_sum[go_sum.index("v1.2.3") + 1]
    assert greet_sum.startswith("h1:")
    deps = {d.path: d for d in info.deps}
    assert deps["example.com/greet"] == GoModule("example.com/greet", "v1.2.3", greet_sum)
    assert deps["example.com/local"].replace.path == "../local"

    document = build_spdx_document(info, name="server", image_name="acme/server")
    packages = packages_by_name(document)
    greet = packages["example.com/greet"]
    assert purl_of(greet) == "pkg:golang/example.com/greet@v1.2.3"
    assert greet["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": base64.b64decode(greet_sum[3:]).hex()}
    ]
    assert purl_of(packages["stdlib"]) == f"pkg:golang/stdlib@{go_version[2:]}"
    assert purl_of(packages["example.com/local"]) == "pkg:golang/example.com/local"
    assert "GOARCH=arm64" in packages["example.com/app"]["annotations"][0]["comment"]


def test_sbom_referrer_is_an_oci_artifact_whose_subject_is_the_image() -> None:
    image = Descriptor(MEDIA_TYPE_OCI_INDEX, "sha256:" + "2" * 64, 1234, annotations={"org.opencontainers.image.ref.name": "x"})
    document = b'{"spdxVersion":"SPDX-2.3"}'
    referrer = SbomReferrer(image, document)
    manifest_bytes = referrer.manifest.to_json_bytes()
    assert manifest_bytes == (
        b'{"artifactType":"application/spdx+json",'
        b'"config":{"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",'
        b'"mediaType":"application/vnd.oci.empty.v1+json","size":2},'
        b'"layers":[{"digest":"' + sha256_digest(document).encode() + b'","mediaType":"application/spdx+json","size":26}],'
        b'"mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2,'
        b'"subject":{"digest":"sha256:' + b"2" * 64 + b'","mediaType":"application/vnd.oci.image.index.v1+json","size":1234}}'
    )
    assert referrer.blobs() == {
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a": b"{}",
        sha256_digest(document): document,
        sha256_digest(manifest_bytes): manifest_bytes,
    }
    assert referrer.fallback_tag == "sha256-" + "2" * 64 + ".sbom"
