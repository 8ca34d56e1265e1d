"""`pants run` of a go_image: load its docker-archive into podman or docker and run it."""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.platform import Platform as HostPlatform
from pants.engine.rules import Get, collect_rules, rule

from go_oci.goals.package_image import DockerArchive, DockerArchiveRequest
from go_oci.platforms import host_go_platform
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoImageFieldSet
from go_oci.util_rules.image import BuiltImage, GoImageError

# Chooses the engine at run time, on the user's machine: the first of podman and docker that answers.
_RUN_SCRIPT = b"""\
set -eu
archive="$1"; ref="$2"; shift 2
for engine in podman docker; do
  if command -v "$engine" >/dev/null 2>&1 && "$engine" info >/dev/null 2>&1; then
    "$engine" load -i "$archive" >&2
    exec "$engine" $GO_OCI_ENGINE_ARGS run --rm $GO_OCI_RUN_ARGS "$ref" "$@"
  fi
done
echo "go_oci: cannot run $ref: neither podman nor docker works on this machine. Install podman \\
(e.g. apt-get install podman) or start a Docker daemon; or unpack dist/.../oci with umoci and run it with runc." >&2
exit 1
"""


@dataclass(frozen=True)
class GoImageRunFieldSet(GoImageFieldSet, RunFieldSet):
    run_in_sandbox_behavior = RunInSandboxBehavior.NOT_SUPPORTED


@rule
async def run_go_image(field_set: GoImageRunFieldSet, host: HostPlatform, go_oci: GoOciSubsystem) -> RunRequest:
    image = await Get(BuiltImage, GoImageFieldSet, GoImageFieldSet.of(field_set))
    goos, goarch = host_go_platform(host)
    platform_image = next((p for p in image.images if (p.platform.os, p.platform.arch) == (goos, goarch)), None)
    if platform_image is None:
        raise GoImageError(
            f"{image.address}: cannot run it here: it has no {goos}/{goarch} image (it has "
            f"{', '.join(str(p.platform) for p in image.images)}). Add {goos}/{goarch} to `platforms`."
        )
    archive = await Get(DockerArchive, DockerArchiveRequest(image, platform_image))
    script = await Get(Digest, CreateDigest([FileContent("run_image.sh", _RUN_SCRIPT)]))
    return RunRequest(
        digest=await Get(Digest, MergeDigests([archive.digest, script])),
        args=(
            "/bin/sh",
            "{chroot}/run_image.sh",
            "{chroot}/" + archive.name,
            f"{image.repository}:{image.tags[0]}",
        ),
        extra_env={"GO_OCI_ENGINE_ARGS": " ".join(go_oci.engine_args), "GO_OCI_RUN_ARGS": " ".join(go_oci.run_args)},
    )


def rules():
    return [*collect_rules(), *GoImageRunFieldSet.rules()]
