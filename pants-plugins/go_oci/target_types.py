from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.core.goals.package import OutputPathField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    Dependencies,
    DictStringToStringField,
    FieldSet,
    MultipleSourcesField,
    StringField,
    StringSequenceField,
    Target,
)
from pants.util.strutil import help_text

from go_oci.platforms import CODEGEN_ENV_VARS

class _PlainFieldSet:
    @classmethod
    def of(cls, field_set):
        """The plain field set of a goal's subclass (package, run, publish), so rules key on one type."""
        return cls(**{f.name: getattr(field_set, f.name) for f in dataclasses.fields(cls)})


# ---------------------------------------------------------------------------------------------------
# go_module
# ---------------------------------------------------------------------------------------------------


class GoModuleSourcesField(MultipleSourcesField):
    # `go build` may read any file of the module (//go:embed takes any name), so the module owns them
    # all; files of nested modules are dropped when the module is analysed.
    default = ("**/*", "!**/BUILD", "!**/BUILD.*")
    expected_file_extensions = None
    help = help_text(
        """
        The files of the module: by default every file below the `go.mod` (`go.mod`, `go.sum`, `*.go`,
        assembly, C, `*.syso`, embedded files, `vendor/`), except BUILD files and nested modules.
        """
    )


class GoModuleTarget(Target):
    alias = "go_module"
    core_fields = (*COMMON_TARGET_FIELDS, GoModuleSourcesField, Dependencies)
    help = help_text(
        """
        A Go module: put it next to `go.mod` (`pants tailor` does). It owns every file `go build` may
        read, so changing any of them is seen by the binaries built from the module.

        Example:

            go_module(name="mod")
        """
    )


# ---------------------------------------------------------------------------------------------------
# go_cross_binary
# ---------------------------------------------------------------------------------------------------


class GoMainField(StringField):
    alias = "main"
    default = "."
    help = help_text(
        """
        The main package's directory, relative to this BUILD file, e.g. `./cmd/server`. It must be inside
        a `go_module` (the nearest `go.mod` above it).
        """
    )


class GoPlatformsField(StringSequenceField):
    alias = "platforms"
    help = help_text(
        """
        Platforms to build for, as `os/arch[/variant]`: e.g. `["linux/amd64", "linux/arm64",
        "linux/arm/v7"]`. Variants set GOARM (`v5`-`v7`), GOAMD64 (`v1`-`v4`), GOARM64 (`v8.0`-`v9.5`),
        GO386, GOMIPS, GOPPC64 or GORISCV64. Default: `[go-oci].default_platforms`.
        """
    )


class GoBinaryNameField(StringField):
    alias = "binary_name"
    help = "The binary's file name. Default: the main package's directory name (the module's for `.`)."


class GoXDefsField(DictStringToStringField):
    alias = "x_defs"
    help = help_text(
        """
        String variables to set at link time, as `-X importpath.name=value` flags:
        `x_defs={"main.version": "1.4.2"}`.
        """
    )


class GoLdflagsField(StringSequenceField):
    alias = "ldflags"
    default = ()
    help = "Extra flags for the Go linker (`go build -ldflags`), e.g. `[\"-extldflags=-static\"]`."


class GoGcflagsField(StringSequenceField):
    alias = "gcflags"
    default = ()
    help = "Extra flags for the Go compiler (`go build -gcflags`), e.g. `[\"-B\"]`."


class GoAsmflagsField(StringSequenceField):
    alias = "asmflags"
    default = ()
    help = "Extra flags for the Go assembler (`go build -asmflags`)."


class GoTagsField(StringSequenceField):
    alias = "tags"
    default = ()
    help = "Build tags (`go build -tags`): files with `//go:build` constraints on them are included."


class GoStripField(BoolField):
    alias = "strip"
    default = True
    help = "Strip the symbol table and DWARF debug info (`-ldflags=-s -w`): smaller binaries and images."


class GoCgoField(BoolField):
    alias = "cgo"
    default = False
    help = help_text(
        """
        Build with cgo (`CGO_ENABLED=1`) and the C compiler of `[go-oci].cc`. This is the one non-hermetic
        mode: the compiler comes from the host, so its path and version enter the cache key, and the
        binary links against the host's libc unless your ldflags say otherwise. Only the host's own
        platform can be built this way. Images on `scratch` or `static` need a static binary.
        """
    )


class GoEnvField(DictStringToStringField):
    alias = "env"
    help = help_text(
        f"""
        Go environment variables that change generated code, e.g. `{{"GOAMD64": "v3"}}`. Allowed:
        {', '.join(sorted(CODEGEN_ENV_VARS))}. Anything else (GOOS, GOARCH and CGO_ENABLED have their own
        fields) is an error, because it would make the build depend on more than its inputs.
        """
    )


class GoCrossBinaryOutputPathField(OutputPathField):
    help = help_text(
        """
        Where the binaries go, relative to `dist/`: one subdirectory per platform
        (`<output_path>/linux_amd64/<binary_name>`). Default: `path.to.dir/target_name`.
        """
    )


class GoCrossBinaryDependenciesField(Dependencies):
    pass


class GoCrossBinaryTarget(Target):
    alias = "go_cross_binary"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoMainField,
        GoPlatformsField,
        GoBinaryNameField,
        GoXDefsField,
        GoLdflagsField,
        GoGcflagsField,
        GoAsmflagsField,
        GoTagsField,
        GoStripField,
        GoCgoField,
        GoEnvField,
        GoCrossBinaryOutputPathField,
        GoCrossBinaryDependenciesField,
    )
    help = help_text(
        """
        A Go main package compiled for one or more platforms, hermetically: each (binary, platform) is a
        sandboxed process whose inputs are exactly the files of the packages the binary imports, so its
        result is reused from the local and remote cache.

        Example:

            go_cross_binary(
                name="server",
                main="./cmd/server",
                platforms=["linux/amd64", "linux/arm64"],
                x_defs={"main.version": "1.4.2"},
            )

        `pants package` writes `dist/<output_path>/<os>_<arch>[_<variant>]/<binary_name>`; `pants run`
        builds for the host and runs it.
        """
    )


@dataclass(frozen=True)
class GoCrossBinaryFieldSet(FieldSet, _PlainFieldSet):
    required_fields = (GoMainField,)

    main: GoMainField
    platforms: GoPlatformsField
    binary_name: GoBinaryNameField
    x_defs: GoXDefsField
    ldflags: GoLdflagsField
    gcflags: GoGcflagsField
    asmflags: GoAsmflagsField
    tags: GoTagsField
    strip: GoStripField
    cgo: GoCgoField
    env: GoEnvField
    output_path: GoCrossBinaryOutputPathField


# ---------------------------------------------------------------------------------------------------
# go_image
# ---------------------------------------------------------------------------------------------------

BUILTIN_BASES = ("static", "scratch")
DEFAULT_CREATED = "1970-01-01T00:00:00Z"


class GoImageBinaryField(StringField):
    alias = "binary"
    required = True
    help = "The `go_cross_binary` to put in the image, e.g. `\":server\"`."


class GoImageBaseField(StringField):
    alias = "base"
    default = "static"
    help = help_text(
        """
        The base image: `"static"` (built in: passwd/group with root, nobody and nonroot 65532,
        `/home/nonroot`, `/tmp`, CA certificates and the IANA tz database, like distroless/static),
        `"scratch"` (nothing), or the address of an `oci_pull` target (a base pinned by digest).
        """
    )


class GoImagePlatformsField(StringSequenceField):
    alias = "platforms"
    help = help_text(
        """
        Platforms of the image index, as `os/arch[/variant]`. Default: the binary's platforms. Each must
        be a platform of the binary and of the base.
        """
    )


class GoImageBinaryPathField(StringField):
    alias = "binary_path"
    help = "Where the binary goes in the image: an absolute path. Default: `/app/<binary_name>`."


class GoImageEntrypointField(StringSequenceField):
    alias = "entrypoint"
    help = "The image's entrypoint. Default: `[binary_path]`."


class GoImageArgsField(StringSequenceField):
    alias = "args"
    default = ()
    help = "Arguments after the entrypoint (the config's `Cmd`), e.g. `[\"--addr=:8080\"]`."


class GoImageEnvField(DictStringToStringField):
    alias = "env"
    help = help_text(
        """
        Environment variables of the image, added to `PATH` (and `SSL_CERT_FILE` on `static`), which they
        may override: `env={"GODEBUG": "madvdontneed=1"}`.
        """
    )


class GoImageUserField(StringField):
    alias = "user"
    default = "65532:65532"
    help = "The user to run as: `uid`, `uid:gid`, or a name from the base's /etc/passwd. Default: nonroot."


class GoImageWorkdirField(StringField):
    alias = "workdir"
    default = "/"
    help = "The working directory of the entrypoint: an absolute path."


class GoImageExposedPortsField(StringSequenceField):
    alias = "exposed_ports"
    default = ()
    help = "Ports the service listens on, as `port[/tcp|udp|sctp]`: `[\"8080/tcp\"]`."


class GoImageLabelsField(DictStringToStringField):
    alias = "labels"
    help = "Labels of the image config: `labels={\"team\": \"payments\"}`."


class GoImageAnnotationsField(DictStringToStringField):
    alias = "annotations"
    help = help_text(
        """
        Annotations of the index and each manifest, on top of the standard `org.opencontainers.image.*`
        ones go_oci fills in (created, title, version, base.name, base.digest).
        """
    )


class GoImageDataField(StringSequenceField):
    alias = "data"
    default = ()
    help = help_text(
        """
        `files`/`resources` targets whose files go into a data layer under `data_dir`, at their paths
        relative to the BUILD file of the target that owns them: `data=[":assets"]`.
        """
    )


class GoImageDataDirField(StringField):
    alias = "data_dir"
    default = "/app/data"
    help = "Where the `data` files go in the image: an absolute path."


class GoImageRepositoryField(StringField):
    alias = "repository"
    help = "The repository to tag and push as, e.g. `acme/greeter`. Default: the target's name."


class GoImageTagsField(StringSequenceField):
    alias = "tags"
    default = ("latest",)
    help = help_text(
        """
        Tags of the image. `{version}` is replaced by the binary's `x_defs["main.version"]`:
        `tags=["latest", "{version}"]`.
        """
    )


class GoImageRegistriesField(StringSequenceField):
    alias = "registries"
    help = help_text(
        """
        Registries to push to: addresses (`registry.example.com:5000`) or `@alias`es of
        `[go-oci].registries`. Default: the registries marked `default` there.
        """
    )


class GoImageSkipPushField(BoolField):
    alias = "skip_push"
    default = False
    help = "Build the image but never push it with `pants publish`."


class GoImageSbomField(BoolField):
    alias = "sbom"
    default = True
    help = "Write an SPDX 2.3 JSON SBOM of the binary's modules and the base's packages."


class GoImageCreatedField(StringField):
    alias = "created"
    default = DEFAULT_CREATED
    help = help_text(
        """
        The image's creation time (RFC 3339). Default: the Unix epoch, so the same inputs always give the
        same digest. Never the current time.
        """
    )


class GoImageOutputPathField(OutputPathField):
    help = help_text(
        """
        Where the image's outputs go, relative to `dist/`: the OCI layout (`oci/`), a docker-archive per
        platform, the SBOM and `<name>.image.json`. Default: `path.to.dir/target_name`.
        """
    )


class GoImageDependenciesField(Dependencies):
    pass


class GoImageTarget(Target):
    alias = "go_image"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoImageBinaryField,
        GoImageBaseField,
        GoImagePlatformsField,
        GoImageBinaryPathField,
        GoImageEntrypointField,
        GoImageArgsField,
        GoImageEnvField,
        GoImageUserField,
        GoImageWorkdirField,
        GoImageExposedPortsField,
        GoImageLabelsField,
        GoImageAnnotationsField,
        GoImageDataField,
        GoImageDataDirField,
        GoImageRepositoryField,
        GoImageTagsField,
        GoImageRegistriesField,
        GoImageSkipPushField,
        GoImageSbomField,
        GoImageCreatedField,
        GoImageOutputPathField,
        GoImageDependenciesField,
    )
    help = help_text(
        """
        A layered, reproducible OCI image (a multi-platform index) of a `go_cross_binary`, built without a
        Docker daemon. Layers, bottom to top: the base's, the data layer, the binary layer, so a code
        change re-uploads one layer.

        Example:

            go_image(
                name="image",
                binary=":server",
                base="static",
                exposed_ports=["8080/tcp"],
                data=[":assets"],
                repository="acme/greeter",
                tags=["latest", "{version}"],
            )

        `pants package` writes an OCI image layout, a docker-archive per platform (for `docker load` /
        `podman load`), an SPDX SBOM and `<name>.image.json`; `pants run` runs it with podman or docker.
        """
    )


# ---------------------------------------------------------------------------------------------------
# oci_pull
# ---------------------------------------------------------------------------------------------------


class OciPullImageField(StringField):
    alias = "image"
    required = True
    help = "The image repository to pull, e.g. `gcr.io/distroless/static-debian12`."


class OciPullDigestField(StringField):
    alias = "digest"
    required = True
    help = "The digest of the image index or manifest, `sha256:<64 hex>`: bases are pinned by digest."


class OciPullPlatformsField(StringSequenceField):
    alias = "platforms"
    help = "The platforms to take from the index. Default: every platform of the image."


class OciPullTarget(Target):
    alias = "oci_pull"
    core_fields = (*COMMON_TARGET_FIELDS, OciPullImageField, OciPullDigestField, OciPullPlatformsField)
    help = help_text(
        """
        A base image pulled from a registry by digest, for `go_image(base=...)`. The pull is a cached
        process whose output is verified against the digest, so it runs once per digest.

        Example:

            oci_pull(
                name="distroless_static",
                image="gcr.io/distroless/static-debian12",
                digest="sha256:...",
                platforms=["linux/amd64", "linux/arm64"],
            )
        """
    )


@dataclass(frozen=True)
class GoImageFieldSet(FieldSet, _PlainFieldSet):
    required_fields = (GoImageBinaryField,)

    binary: GoImageBinaryField
    base: GoImageBaseField
    platforms: GoImagePlatformsField
    binary_path: GoImageBinaryPathField
    entrypoint: GoImageEntrypointField
    args: GoImageArgsField
    env: GoImageEnvField
    user: GoImageUserField
    workdir: GoImageWorkdirField
    exposed_ports: GoImageExposedPortsField
    labels: GoImageLabelsField
    annotations: GoImageAnnotationsField
    data: GoImageDataField
    data_dir: GoImageDataDirField
    repository: GoImageRepositoryField
    tags: GoImageTagsField
    registries: GoImageRegistriesField
    skip_push: GoImageSkipPushField
    sbom: GoImageSbomField
    created: GoImageCreatedField
    output_path: GoImageOutputPathField
