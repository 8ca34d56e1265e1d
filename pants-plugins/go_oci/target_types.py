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
class GoCrossBinaryFieldSet(FieldSet):
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

    @classmethod
    def of(cls, field_set: "GoCrossBinaryFieldSet") -> "GoCrossBinaryFieldSet":
        """The plain field set of a goal's subclass (package, run), so rules are keyed on one type."""
        return cls(**{f.name: getattr(field_set, f.name) for f in dataclasses.fields(cls)})
