"""`pants publish` of a go_image: push blobs, manifests, the index, the SBOM, then tags (layertool push).

The distribution API moves one tag per request and cannot move several at once, so each tag of each
registry is its own push (and its own ✓/✕ line): each sends whatever the registry lacks, then moves its
one tag, so a line says exactly whether that tag now names the new index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.core.goals.publish import PublishFieldSet, PublishOutputData, PublishPackages, PublishProcesses, PublishRequest
from pants.core.util_rules.distdir import DistDir
from pants.core.util_rules.environments import EnvironmentNameRequest
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.environment import EnvironmentName
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import InteractiveProcess
from pants.engine.rules import Get, collect_rules, rule
from pants.option.global_options import GlobalOptions

from go_oci.oci.registry import ImagePush
from go_oci.subsystems.go_oci import REGISTRIES_OPTION, GoOciSubsystem, Registries
from go_oci.target_types import GoImageFieldSet, invalid_field
from go_oci.util_rules.image import BuiltImage
from go_oci.util_rules.image_spec import GoImageSpec
from go_oci.util_rules.layers import LayerTool


# Where the user's registry credentials are: docker/podman credential files (found through HOME,
# DOCKER_CONFIG, REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR) and docker-credential-* helpers (found on PATH).
# Only these locations reach the push, which is an uncached InteractiveProcess; layertool reads the
# secrets at run time, so they never enter an argv, an env, the sandbox, a log or a cache key.
CREDENTIAL_ENV_VARS = ("HOME", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "PATH")


class PublishGoImageRequest(PublishRequest):
    pass


@dataclass(frozen=True)
class PublishGoImageFieldSet(GoImageFieldSet, PublishFieldSet):
    publish_request_type = PublishGoImageRequest

    def get_output_data(self) -> PublishOutputData:
        return PublishOutputData(
            {"publisher": "go_oci", "registries": self.registries.value or (), **super().get_output_data()}
        )


def resolve_registries(spec: GoImageSpec, registries: Registries) -> tuple[str, ...]:
    """The addresses the image goes to: its `registries` (`@alias` or an address), else [go-oci].registries' defaults."""
    try:
        return registries.addresses(spec.registries)
    except KeyError as e:
        raise invalid_field(
            spec.address, "registries", f"no registry '{e.args[0]}' in {REGISTRIES_OPTION} (it has "
            f"{', '.join(sorted(registries.by_alias)) or 'none'})."
        ) from None


@rule(desc="Push a go_image")
async def publish_go_image(
    request: PublishGoImageRequest,
    layertool: LayerTool,
    go_oci: GoOciSubsystem,
    build_root: BuildRoot,
    dist: DistDir,
    global_options: GlobalOptions,
) -> PublishProcesses:
    field_set = request.field_set
    # Pants runs publish rules in the local environment; the image is the one `package` built, in the
    # target's own environment (a remote one builds it on workers), so it is not built a second time.
    environment = await Get(EnvironmentName, EnvironmentNameRequest, EnvironmentNameRequest.from_field_set(field_set))
    image = await Get(BuiltImage, {GoImageFieldSet.of(field_set): GoImageFieldSet, environment: EnvironmentName})
    registries = resolve_registries(image.spec, go_oci.registries)
    names = tuple(f"{r}/{image.repository}:{t}" for r in registries for t in image.tags) or tuple(
        f"{image.repository}:{t}" for t in image.tags
    )
    if image.spec.skip_push:
        return PublishProcesses([PublishPackages(names=names, description=f"(by `skip_push` on {image.address})")])
    if not registries:
        return PublishProcesses(
            [PublishPackages(names=names, description="(no registry: set `registries`, or a default in [go-oci].registries)")]
        )

    image_push = ImagePush.of(
        image.index, [(i.manifest, i.config, [layer.descriptor for layer in i.layers]) for i in image.images], image.sbom
    )
    push_files = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("push.json", image_push.spec_json_bytes()),
                *(FileContent(path, data) for path, data in image_push.referrer_files()),
            ]
        ),
    )
    # The spec names every file by its blob path: the layout's, and the SBOM referrer's beside them.
    input_digest = await Get(Digest, MergeDigests([image.layout, push_files]))
    credential_env = await Get(EnvironmentVars, EnvironmentVarsRequest(CREDENTIAL_ENV_VARS))
    output_dir = field_set.output_path.value_or_default(file_ending=None)
    jobs = []
    for registry in registries:
        reference = f"{registry}/{image.repository}"
        report = f"{build_root.path}/{dist.relpath}/{output_dir}/{field_set.address.target_name}.{re.sub(r'[^A-Za-z0-9.-]', '_', registry)}.pushed.json"
        for position, tag in enumerate(image.tags):
            args = [
                "push",
                *(["--insecure"] if go_oci.is_insecure_registry(reference) else []),
                f"--report={report}",
                # The first tag's push starts this publish's report; the others add their tag to it.
                *(["--merge-report"] if position else []),
                "push.json",
                reference,
                tag,
            ]
            process = layertool.process(tuple(args), f"Push {reference}:{tag}", input_digest)
            push = InteractiveProcess(
                argv=process.argv,
                env=credential_env,
                input_digest=process.input_digest,
                immutable_input_digests=process.immutable_input_digests,
                keep_sandboxes=global_options.keep_sandboxes,
            )
            jobs.append(
                PublishPackages(
                    names=(f"{reference}:{tag}",),
                    process=push,
                    description=f"index {image.index.digest} of {field_set.address}",
                )
            )
    return PublishProcesses(jobs)


def rules():
    return [*collect_rules(), *PublishGoImageFieldSet.rules()]
