"""Image layers, written by `layertool` (compiled by the pinned Go SDK) in cached processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pants.engine.fs import CreateDigest, Digest, DigestEntries, FileContent, FileEntry, MergeDigests, RemovePrefix
from pants.engine.platform import Platform as HostPlatform
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_oci.oci.layer import LayerEntry, LayerResult, tar_spec_json_bytes
from go_oci.oci.layout import blob_path
from go_oci.oci.model import Descriptor
from go_oci.platforms import host_go_platform
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.util_rules.sdk import GoProcess

_LAYERTOOL_SOURCES = Path(__file__).resolve().parent.parent / "oci" / "layertool"
_LAYERTOOL_DIR = "__layertool"
LAYERTOOL = f"{_LAYERTOOL_DIR}/layertool"
_LAYER_FILE = "__layer.tar.gz"


@dataclass(frozen=True)
class LayerTool:
    digest: Digest  # holds `layertool`, to mount at _LAYERTOOL_DIR

    def process(self, args: tuple[str, ...], description: str, input_digest: Digest, **kwargs) -> Process:
        return Process(
            argv=(LAYERTOOL, *args),
            description=description,
            input_digest=input_digest,
            immutable_input_digests={_LAYERTOOL_DIR: self.digest},
            **kwargs,
        )


@rule(desc="Build layertool", level=LogLevel.DEBUG)
async def build_layertool(host: HostPlatform) -> LayerTool:
    sources = await Get(
        Digest,
        CreateDigest(
            FileContent(f"src/{path.name}", path.read_bytes())
            for path in sorted(_LAYERTOOL_SOURCES.iterdir())
            if path.name == "go.mod" or (path.suffix == ".go" and not path.name.endswith("_test.go"))
        ),
    )
    goos, goarch = host_go_platform(host)
    result = await Get(
        ProcessResult,
        GoProcess(
            ("build", "-trimpath", "-buildvcs=false", "-ldflags=-buildid= -s -w", "-o", "../out/layertool", "."),
            "Build layertool with the pinned Go SDK",
            sources,
            working_dir="src",
            env={"GOOS": goos, "GOARCH": goarch},
            output_files=("out/layertool",),
        ),
    )
    return LayerTool(await Get(Digest, RemovePrefix(result.output_digest, "out")))


@dataclass(frozen=True)
class LayerRequest:
    entries: tuple[LayerEntry, ...]
    sources: Digest  # the files the entries' `src` paths name
    description: str
    created_by: str  # the history entry of the layer, e.g. "go_oci: binary /app/server"


@dataclass(frozen=True)
class BuiltLayer:
    blob: Digest  # `blobs/sha256/<hex>`, ready to merge into an OCI layout
    descriptor: Descriptor
    diff_id: str
    created_by: str


@rule(desc="Write an image layer", level=LogLevel.DEBUG)
async def write_layer(request: LayerRequest, layertool: LayerTool, go_oci: GoOciSubsystem) -> BuiltLayer:
    spec = await Get(Digest, CreateDigest([FileContent("__layer_spec.json", tar_spec_json_bytes(request.entries))]))
    inputs = await Get(Digest, MergeDigests([spec, request.sources]))
    result = await Get(
        ProcessResult,
        layertool.process(
            ("layer", f"--level={go_oci.layer_compression_level}", "__layer_spec.json", _LAYER_FILE),
            request.description,
            inputs,
            output_files=(_LAYER_FILE,),
            level=LogLevel.DEBUG,
        ),
    )
    layer = LayerResult.from_json_bytes(result.stdout)
    # A blob is named by its digest, known only once it is written: the file is renamed in rule memory.
    (written,) = await Get(DigestEntries, Digest, result.output_digest)
    assert isinstance(written, FileEntry)
    blob = await Get(Digest, CreateDigest([FileEntry(blob_path(layer.digest), written.file_digest)]))
    return BuiltLayer(blob, layer.descriptor(), layer.diff_id, request.created_by)


def rules():
    return collect_rules()
