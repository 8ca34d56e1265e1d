from __future__ import annotations

import json
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.fs import AddPrefix, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_oci.oci.layer import tar_spec_json_bytes
from go_oci.oci.layout import docker_archive_entries, docker_archive_manifest
from go_oci.target_types import GoImageFieldSet
from go_oci.util_rules.image import BuiltImage, PlatformImage
from go_oci.util_rules.layers import LayerTool

LAYOUT_DIR = "oci"


@dataclass(frozen=True)
class GoImagePackageFieldSet(GoImageFieldSet, PackageFieldSet):
    pass


@dataclass(frozen=True)
class DockerArchiveRequest:
    image: BuiltImage
    platform_image: PlatformImage


@dataclass(frozen=True)
class DockerArchive:
    digest: Digest  # one file, `name`
    name: str


def docker_archive_name(image: BuiltImage, platform_image: PlatformImage) -> str:
    return f"{image.address.target_name}.{platform_image.platform.dir_name}.docker.tar"


@rule(desc="Write a docker-archive", level=LogLevel.DEBUG)
async def docker_archive(request: DockerArchiveRequest, layertool: LayerTool) -> DockerArchive:
    image, platform_image = request.image, request.platform_image
    name = docker_archive_name(image, platform_image)
    config, layers = platform_image.config, [layer.descriptor for layer in platform_image.layers]
    manifest = docker_archive_manifest(config, layers, f"{image.repository}:{image.tags[0]}")
    entries = docker_archive_entries(config, layers, "layout", "__manifest.json")
    spec, layout = await MultiGet(
        Get(
            Digest,
            CreateDigest(
                [FileContent("__archive_spec.json", tar_spec_json_bytes(entries)), FileContent("__manifest.json", manifest)]
            ),
        ),
        Get(Digest, AddPrefix(image.layout, "layout")),
    )
    inputs = await Get(Digest, MergeDigests([spec, layout]))
    result = await Get(
        ProcessResult,
        layertool.process(
            ("archive", "__archive_spec.json", name),
            f"Write the docker-archive of {image.address} for {platform_image.platform}",
            inputs,
            output_files=(name,),
        ),
    )
    return DockerArchive(result.output_digest, name)


def image_metadata(image: BuiltImage, archives: tuple[DockerArchive, ...]) -> bytes:
    """`<name>.image.json`: what CI and deploy tooling need without parsing the layout."""
    return (
        json.dumps(
            {
                "address": str(image.address),
                "repository": image.repository,
                "tags": list(image.tags),
                "index": {"digest": image.index.digest, "size": image.index.size, "mediaType": image.index.media_type},
                "layout": LAYOUT_DIR,
                "platforms": [
                    {
                        "platform": str(p.platform),
                        "manifest": p.manifest.digest,
                        "config": p.config.digest,
                        "docker_archive": archive.name,
                        "layers": [
                            {
                                "digest": layer.descriptor.digest,
                                "size": layer.descriptor.size,
                                "diff_id": layer.diff_id,
                                "created_by": layer.created_by,
                            }
                            for layer in p.layers
                        ],
                    }
                    for p, archive in zip(image.images, archives)
                ],
                "sbom": f"{image.address.target_name}.spdx.json" if image.sbom is not None else None,
            },
            indent=2,
            sort_keys=True,
        )
        + "\n"
    ).encode()


@rule(desc="Package a go_image", level=LogLevel.DEBUG)
async def package_go_image(field_set: GoImagePackageFieldSet) -> BuiltPackage:
    image = await Get(BuiltImage, GoImageFieldSet, GoImageFieldSet.of(field_set))
    archives = await MultiGet(Get(DockerArchive, DockerArchiveRequest(image, p)) for p in image.images)
    name = image.address.target_name
    files = [FileContent(f"{name}.image.json", image_metadata(image, archives))]
    if image.sbom is not None:
        files.append(FileContent(f"{name}.spdx.json", image.sbom))
    output_dir = field_set.output_path.value_or_default(file_ending=None)
    merged = await Get(
        Digest,
        MergeDigests(
            [
                await Get(Digest, AddPrefix(image.layout, LAYOUT_DIR)),
                await Get(Digest, CreateDigest(files)),
                *(a.digest for a in archives),
            ]
        ),
    )
    digest = await Get(Digest, AddPrefix(merged, output_dir))
    artifacts = [
        BuiltPackageArtifact(
            f"{output_dir}/{LAYOUT_DIR}",
            extra_log_lines=(f"index {image.index.digest}, tags {', '.join(image.tags)}",),
        ),
        *(BuiltPackageArtifact(f"{output_dir}/{a.name}") for a in archives),
        *(BuiltPackageArtifact(f"{output_dir}/{f.path}") for f in files),
    ]
    return BuiltPackage(digest, tuple(artifacts))


def rules():
    return [*collect_rules(), UnionRule(PackageFieldSet, GoImagePackageFieldSet)]
