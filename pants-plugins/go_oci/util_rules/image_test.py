"""The rules that assemble a go_image, run by the engine with what they compose over given: bases,
binaries and layers come from stand-in rules (no Go, no layertool), so these tests show what
`build_go_image` makes of them: each platform's config and manifest, the index, the layout, and the
errors that need the base or the binary."""

from __future__ import annotations

import json

import pytest
from pants.core.target_types import FilesGeneratorTarget
from pants.engine.addresses import Address
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import Get, QueryRule, rule
from pants.engine.target import InvalidFieldException
from pants.testutil.rule_runner import RuleRunner

from go_oci.elf import ElfLinkage
from go_oci.goals.package import go_binary_spec
from go_oci.oci import model
from go_oci.oci.layer import tar_spec_json_bytes
from go_oci.oci.layout import blob_path
from go_oci.oci.sbom import BasePackage
from go_oci.platforms import Platform
from go_oci.register import target_types
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoImageFieldSet
from go_oci.util_rules import bases, image, image_spec
from go_oci.util_rules.bases import BaseContents, BaseImage, BasePlatform, BuiltinBaseRequest, PulledBaseRequest
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest
from go_oci.util_rules.image import BuiltImage, GoImageError, ImageSbom, ImageSbomRequest
from go_oci.util_rules.layers import BuiltLayer, LayerRequest
from go_oci.util_rules.sdk import GoTargetPairs

PULLED_DIGEST = "sha256:" + "5" * 64


@rule
async def go_target_pairs() -> GoTargetPairs:
    return GoTargetPairs(("linux/amd64", "linux/arm64", "linux/arm"))


async def _layer(content: bytes, created_by: str) -> BuiltLayer:
    """A stand-in layer: its blob is `content`, its diff_id the digest of `content` with a prefix."""
    descriptor = model.Descriptor.for_bytes(model.MEDIA_TYPE_OCI_LAYER_GZIP, content)
    blob = await Get(Digest, CreateDigest([FileContent(blob_path(descriptor.digest), content)]))
    return BuiltLayer(blob, descriptor, model.sha256_digest(b"diff:" + content), created_by)


@rule
async def write_layer(request: LayerRequest) -> BuiltLayer:
    return await _layer(tar_spec_json_bytes(request.entries), request.created_by)


@rule
async def builtin_base(request: BuiltinBaseRequest) -> BaseImage:
    if request.name == "scratch":
        return BaseImage("scratch", None, (BasePlatform(None, (), ("PATH=/bin",)),), (), False, BaseContents.of("", "", ()))
    layer = await _layer(b"static base", "go_oci: static base")
    return BaseImage(
        "static", None, (BasePlatform(None, (layer,), ("PATH=/bin", "SSL_CERT_FILE=/certs")),), (), False,
        BaseContents.of(bases._PASSWD, bases._GROUP, ()),
    )


@rule
async def pulled_base(request: PulledBaseRequest) -> BaseImage:
    """Each platform its own layer and env; the `amd64_only` base has no arm64."""
    platforms = []
    for arch in ("amd64", "arm64")[: 1 if request.address.target_name == "amd64_only" else 2]:
        layer = await _layer(f"pulled {arch}".encode(), f"ADD {arch}")
        platforms.append(BasePlatform(Platform("linux", arch), (layer,), ("PATH=/usr/bin", f"BASE_ARCH={arch}")))
    return BaseImage("registry.example/base", PULLED_DIGEST, tuple(platforms), (BasePackage("registry.example/base", PULLED_DIGEST),), True)


@rule
async def build_go_binary(request: GoBinaryBuildRequest) -> BuiltGoBinary:
    """cgo binaries stand for dynamically linked ones."""
    platform = request.platform
    path = f"{platform.dir_name}/{request.spec.binary_name}"
    digest = await Get(Digest, CreateDigest([FileContent(path, f"binary for {platform}".encode())]))
    linkage = (
        ElfLinkage(platform.arch, "/lib/ld-linux.so", ("libc.so.6",)) if request.spec.cgo else ElfLinkage(platform.arch, None, ())
    )
    return BuiltGoBinary(digest, path, platform, linkage)


@rule
async def image_sbom(request: ImageSbomRequest) -> ImageSbom:
    return ImageSbom(f"sbom of {len(request.binaries)} binaries, base {request.base_packages}".encode())


@pytest.fixture(scope="module")
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *image_spec.rules(),
            image.image_base,
            image.data_layer,
            image.image_binary,
            image.platform_image,
            image.image_layout,
            image.build_go_image,
            go_binary_spec,
            *GoOciSubsystem.rules(),
            go_target_pairs,
            write_layer,
            builtin_base,
            pulled_base,
            build_go_binary,
            image_sbom,
            QueryRule(BuiltImage, [GoImageFieldSet]),
            QueryRule(DigestContents, [Digest]),
        ],
        target_types=[*target_types(), FilesGeneratorTarget],
    )


BUILD = f"""\
go_module(name="mod")
go_cross_binary(name="bin", platforms=["linux/amd64", "linux/arm64"], x_defs={{"main.version": "1.4.2"}})
go_cross_binary(name="cgo", cgo=True, platforms=["linux/amd64"])
files(name="assets", sources=["static/*"])
oci_pull(name="base", image="registry.example/base", digest="{PULLED_DIGEST}")
oci_pull(name="amd64_only", image="registry.example/base", digest="{PULLED_DIGEST}")
"""


def _build(rule_runner: RuleRunner, image: str) -> tuple[BuiltImage, dict[str, bytes]]:
    rule_runner.write_files({"svc/BUILD": f"{BUILD}{image}\n", "svc/go.mod": "module example.com/svc\n", "svc/static/a.txt": "a\n"})
    target = rule_runner.get_target(Address("svc", target_name="img"))
    built = rule_runner.request(BuiltImage, [GoImageFieldSet.create(target)])
    return built, {f.path: f.content for f in rule_runner.request(DigestContents, [built.layout])}


def _json(layout: dict[str, bytes], digest: str) -> dict:
    content = layout[blob_path(digest)]
    assert model.sha256_digest(content) == digest
    return json.loads(content)


def test_an_image_on_a_pulled_base(rule_runner: RuleRunner) -> None:
    built, layout = _build(
        rule_runner,
        'go_image(name="img", binary=":bin", base=":base", data=[":assets"], env={"APP": "1", "PATH": "/app"}, '
        'annotations={"org.example.team": "x"}, tags=["latest", "{version}"])',
    )
    assert (built.address, built.repository, built.tags) == (Address("svc", target_name="img"), "img", ("latest", "1.4.2"))
    index = _json(layout, built.index.digest)
    assert index["annotations"] == {
        "org.opencontainers.image.base.digest": PULLED_DIGEST,
        "org.opencontainers.image.base.name": "registry.example/base",
        "org.opencontainers.image.created": "1970-01-01T00:00:00Z",
        "org.opencontainers.image.title": "img",
        "org.opencontainers.image.version": "1.4.2",
        "org.example.team": "x",
    }
    assert [m["platform"] for m in index["manifests"]] == [
        {"architecture": "amd64", "os": "linux"}, {"architecture": "arm64", "os": "linux"}
    ]
    for arch, entry, platform_image in zip(("amd64", "arm64"), index["manifests"], built.images):
        assert entry["digest"] == platform_image.manifest.digest
        manifest = _json(layout, entry["digest"])
        assert manifest["annotations"] == index["annotations"]
        config = _json(layout, manifest["config"]["digest"])
        # The platform's own base env, then the target's, which overrides a name the base sets.
        assert config["config"]["Env"] == ["PATH=/app", f"BASE_ARCH={arch}", "APP=1"]
        assert config["config"]["Entrypoint"] == ["/app/svc"]
        assert [h["created_by"] for h in config["history"]] == [f"ADD {arch}", "go_oci: data /app/data", "go_oci: binary /app/svc"]
        layers = [layout[blob_path(layer["digest"])] for layer in manifest["layers"]]
        assert layers[0] == f"pulled {arch}".encode()
        assert json.loads(layers[1])["entries"] == [
            {"path": "app/data/static/a.txt", "type": "file", "src": "svc/static/a.txt", "mode": "0644"}
        ]
        assert json.loads(layers[2])["entries"] == [
            {"path": "app/svc", "type": "file", "src": f"linux_{arch}/svc", "mode": "0755"}
        ]
        assert config["rootfs"]["diff_ids"] == [model.sha256_digest(b"diff:" + layer) for layer in layers]
    refs = {
        m["annotations"]["org.opencontainers.image.ref.name"]: m["digest"] for m in json.loads(layout["index.json"])["manifests"]
    }
    assert refs == {
        "1.4.2": built.index.digest,
        "latest": built.index.digest,
        **{f"{tag}-linux_{arch}": i.manifest.digest for tag in ("latest", "1.4.2") for arch, i in zip(("amd64", "arm64"), built.images)},
    }
    assert json.loads(layout["oci-layout"]) == {"imageLayoutVersion": "1.0.0"}
    # Every blob is named by its digest, and nothing else is in the layout.
    blobs = {p for p in layout if p.startswith("blobs/")}
    assert all(p == blob_path(model.sha256_digest(layout[p])) for p in blobs)
    assert len(blobs) == 1 + 2 * 2 + 2 + 1 + 2  # index, config and manifest per platform, base layers, data, binaries


def test_sbom_comes_from_every_platforms_binary(rule_runner: RuleRunner) -> None:
    built, _ = _build(rule_runner, 'go_image(name="img", binary=":bin", base="scratch", user="0")')
    assert built.sbom == b"sbom of 2 binaries, base ()"
    unsbommed, _ = _build(rule_runner, 'go_image(name="img", binary=":bin", base="scratch", user="0", sbom=False)')
    assert unsbommed.sbom is None


def _error(rule_runner: RuleRunner, image: str) -> Exception:
    with pytest.raises(ExecutionError) as e:
        _build(rule_runner, image)
    (error,) = e.value.wrapped_exceptions
    return error


def test_a_dynamic_binary_on_a_base_without_libc(rule_runner: RuleRunner) -> None:
    error = _error(rule_runner, 'go_image(name="img", binary=":cgo", base="scratch", user="0")')
    assert isinstance(error, GoImageError)
    assert str(error) == (
        "svc:img: the binary svc:cgo for linux/amd64 is dynamically linked (interpreter /lib/ld-linux.so, needs "
        "libc.so.6), and the `scratch` base has no libc. Set `cgo=False` on svc:cgo, link statically "
        "(ldflags=['-extldflags=-static']), or use a base image with libc (an `oci_pull`)."
    )
    # A pulled base has libc.
    _build(rule_runner, 'go_image(name="img", binary=":cgo", base=":base")')


@pytest.mark.parametrize(
    "image, message",
    [
        (
            'go_image(name="img", binary=":bin", base=":amd64_only")',
            "svc:img: invalid `platforms`: the base :amd64_only has no linux/arm64 (it has linux/amd64). Pull those "
            "platforms in its oci_pull, or narrow `platforms`.",
        ),
        (
            'go_image(name="img", binary=":bin", user="root:abc")',
            "svc:img: invalid `user`: the group 'abc' is not in the `static` base, which has the groups nobody, "
            "nonroot, root.",
        ),
        (
            'go_image(name="img", binary=":bin", data=[":assets"], binary_path="/app/data/static")',
            "svc:img: invalid `binary_path`: '/app/data/static' clashes with /app/data/static of the `data` layer",
        ),
    ],
)
def test_fields_that_contradict_the_base_or_the_data(rule_runner: RuleRunner, image: str, message: str) -> None:
    error = _error(rule_runner, image)
    assert isinstance(error, InvalidFieldException)
    assert str(error).startswith(message)
