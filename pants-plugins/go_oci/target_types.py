from __future__ import annotations

import dataclasses
import os
import posixpath
import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Tuple

from pants.core.goals.package import OutputPathField
from pants.core.util_rules.environments import EnvironmentField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    AsyncFieldMixin,
    BoolField,
    Dependencies,
    DictStringToStringField,
    FieldSet,
    InvalidFieldException,
    MultipleSourcesField,
    SecondaryOwnerMixin,
    StringField,
    StringSequenceField,
    Target,
    TargetGenerator,
)
from pants.engine.addresses import Address
from pants.source.filespec import Filespec
from pants.util.frozendict import FrozenDict
from pants.util.strutil import help_text

from go_oci.go import quoting as go_quoting
from go_oci.oci import model
from go_oci.platforms import CODEGEN_ENV_VARS


def invalid_field(address: Address, alias: str, problem: str) -> InvalidFieldException:
    """The one shape of a field error: the target, the field, what is wrong and the fix."""
    return InvalidFieldException(f"{address}: invalid `{alias}`: {problem}")


class _DistOutputPathField(OutputPathField):
    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value and (posixpath.isabs(value) or posixpath.normpath(value).split("/")[0] == ".."):
            raise invalid_field(
                address, cls.alias, f"{value!r} must stay inside the dist directory: a relative path without "
                "'..', e.g. 'images/greeter'."
            )
        return value


class _PlainFieldSet:
    @classmethod
    def of(cls, field_set):
        """The plain field set of a goal's subclass (package, run, publish), so rules key on one type."""
        return cls(**{f.name: getattr(field_set, f.name) for f in dataclasses.fields(cls)})


class GoOciEnvironmentField(EnvironmentField):
    help = help_text(
        """
        The environment (a name from `[environments-preview].names`) the target builds, tests and vets in.
        In a `remote_environment`, go_oci's compiles, links, Go tests, vet and image steps run on its
        remote-execution workers, while the fetches (the Go SDK, wheels, the module download, base pulls)
        run in the local environment, where the network is (README: Remote execution). A `go_module`
        gives its value to the packages it generates; a `go_image` builds its binary in its own environment.
        """
    )


# ---------------------------------------------------------------------------------------------------
# go_module
# ---------------------------------------------------------------------------------------------------


class GoModuleSourcesField(MultipleSourcesField):
    # The module's own files; every other file belongs to the package targets the module generates,
    # so an edit selects only the packages (and binaries) that read the file.
    default = ("go.mod", "go.sum", "vendor/modules.txt", "go.work", "go.work.sum")
    expected_file_extensions = None
    help = help_text(
        """
        The module's own files: `go.mod`, `go.sum`, `vendor/modules.txt`, and a `go.work` (and
        `go.work.sum`) next to them. The Go, assembly, C,
        `.syso`, embedded and `testdata/` files belong to the package targets the module generates.
        """
    )


class GoImportPathField(StringField):
    alias = "import_path"
    required = True
    help = "The package's import path, e.g. `example.com/greeter/internal/api` or `github.com/google/uuid`."


class GoPackageSourcesField(MultipleSourcesField):
    expected_file_extensions = None
    help = help_text(
        """
        The files `go build` and `go test` read for the package: its Go files (tests included, and files
        that build constraints exclude, whose constraints `go build` reads), assembly, C/C++/H, `.syso`,
        the files its `//go:embed` patterns match, and `testdata/`.
        """
    )


class GoModuleFilesField(SecondaryOwnerMixin, AsyncFieldMixin, StringSequenceField):
    """The module's files that change what the package compiles to, owned secondarily.

    Secondary ownership makes an edit of them select this package in `--changed-since`, while the
    `go_module` stays their primary owner: first-party packages follow go.mod (its `go` line sets the
    language version), third-party ones also go.sum and vendor/modules.txt (which pick the code).
    """

    alias = "_module_files"
    default = ()
    help = "Files of the `go_module` (relative to it) whose edits select this package: set by the generator."

    @property
    def filespec(self) -> Filespec:
        return {"includes": [os.path.join(self.address.spec_path, f) for f in self.value or ()]}


class GoSkipGofmtField(BoolField):
    alias = "skip_gofmt"
    default = False
    help = help_text(
        """
        If true, `pants fmt` and `pants lint` do not run gofmt on the module's Go files. Set on the
        `go_module`, it reaches every package target the module generates.
        """
    )


class GoPackageDependenciesField(Dependencies):
    pass


class GoSkipTestsField(BoolField):
    alias = "skip_tests"
    default = False
    help = "If true, `pants test` does not run the tests of this module's packages."


class GoPackageTarget(Target):
    alias = "go_oci_package"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoImportPathField,
        GoPackageSourcesField,
        GoModuleFilesField,
        GoSkipGofmtField,
        GoPackageDependenciesField,
        GoSkipTestsField,
        GoOciEnvironmentField,
    )
    help = help_text(
        """
        A Go package of a first-party module. Generated by `go_module` (never written in a BUILD file),
        one per package directory, addressed `<module dir>:<go_module name>#./<package dir>` (`#.` for
        the module's root package). Its dependencies are the packages its files (its tests' too) import, for
        every platform, tag set and cgo setting some `go_cross_binary` builds with (and
        `[go-oci].default_platforms` without tags).
        """
    )


class GoThirdPartyModuleField(StringField):
    alias = "module"
    required = True
    help = "The module that provides the package, as `path@version` (from go.mod/go.sum, or vendor/modules.txt)."


class GoThirdPartyPackageSourcesField(GoPackageSourcesField):
    default = ()
    help = "The package's vendored files (under `vendor/`), if the module is vendored; else none."


class GoThirdPartyPackageDependenciesField(Dependencies):
    pass


class GoThirdPartyPackageTarget(Target):
    alias = "go_oci_third_party_package"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        GoImportPathField,
        GoThirdPartyModuleField,
        GoThirdPartyPackageSourcesField,
        GoModuleFilesField,
        GoThirdPartyPackageDependenciesField,
    )
    help = help_text(
        """
        A package of a third-party module. Generated by `go_module`, one per package of each module it
        requires (downloaded as verified against go.sum, or vendored), addressed
        `<module dir>:<go_module name>#<import path>`. It is selected by edits of go.mod, go.sum and
        vendor/modules.txt: Pants sees files, not lines, so a go.sum edit selects every third-party package
        of the module, and through them only the first-party packages that import third-party code.
        """
    )


class GoModuleTarget(TargetGenerator):
    alias = "go_module"
    core_fields = (
        *COMMON_TARGET_FIELDS, GoModuleSourcesField, GoSkipGofmtField, GoSkipTestsField, GoOciEnvironmentField, Dependencies
    )
    generated_target_cls = GoPackageTarget
    copied_fields = (*COMMON_TARGET_FIELDS, GoSkipGofmtField, GoSkipTestsField, GoOciEnvironmentField)
    moved_fields = ()
    help = help_text(
        """
        A Go module: put it next to `go.mod` (`pants tailor` does). It owns go.mod, go.sum and
        vendor/modules.txt, and generates a `go_oci_package` target per package of the module and a
        `go_oci_third_party_package` per package of the modules it requires, so `pants dependencies`,
        `dependents` and `--changed-since` follow the real import graph. No BUILD file per package
        directory is needed.

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
        the build root and inside a `go_module` (the nearest `go.mod` above it).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        if posixpath.isabs(value):
            raise invalid_field(
                address, cls.alias, f"{value!r} is an absolute path; write the directory relative to this BUILD "
                "file, e.g. './cmd/server'."
            )
        if posixpath.normpath(posixpath.join(address.spec_path, value)).split("/")[0] == "..":
            raise invalid_field(
                address, cls.alias, f"{value!r} points outside the build root; write a directory below the "
                "build root, relative to this BUILD file, e.g. './cmd/server'."
            )
        return value


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
    help = help_text(
        """
        The binary's file name (no directories). Default: the main package's directory name (the module's
        for `.`).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        if value is not None and (value in ("", ".", "..") or "/" in value or "\0" in value):
            raise invalid_field(
                address, cls.alias, f"{value!r} is not a file name; give a plain name such as 'server' (the "
                "directory is `output_path`, or `binary_path` in an image)."
            )
        return value


_X_DEF_KEY = re.compile(r"[^\s=\"']+\.[^\W\d]\w*")


def _check_go_tool_argument(address: Address, alias: str, argument: str, what: str) -> None:
    """`argument` can reach a Go tool through `go build -<tool>flags` unchanged."""
    if "\0" in argument:
        raise invalid_field(address, alias, f"{what} {argument!r} contains a NUL byte; remove it.")
    try:
        go_quoting.join([argument])
    except go_quoting.UnquotableArgument as e:
        raise invalid_field(address, alias, f"{what} {e}; use only one kind of quote in it.") from None


class GoXDefsField(DictStringToStringField):
    alias = "x_defs"
    help = help_text(
        """
        String variables to set at link time, as `-X importpath.name=value` flags:
        `x_defs={"main.version": "1.4.2"}`. Values reach the program exactly as written (spaces and one
        kind of quote included; `go build` cannot pass a value holding both `'` and `"`).
        """
    )

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Dict[str, str]], address: Address
    ) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        for key, definition in (value or {}).items():
            if not _X_DEF_KEY.fullmatch(key):
                raise invalid_field(
                    address, cls.alias, f"key {key!r} is not `importpath.name` (the package's import path, a dot, "
                    "the variable's name), e.g. 'main.version' or 'example.com/app/build.commit'."
                )
            _check_go_tool_argument(address, cls.alias, f"-X={key}={definition}", f"the value of {key!r}:")
        return value


class _GoToolFlagsField(StringSequenceField):
    """Flags for one Go tool: each item is one argument, quoted for `go build` by go_oci."""

    default = ()
    # Whether the first item starts `go build -<tool>flags=`: there, an item without a leading `-`
    # would be read as a package pattern (`all=-N`), which go_oci does not offer.
    first_must_be_flag = True

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address) -> Optional[Tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        for i, item in enumerate(value or ()):
            if not item:
                raise invalid_field(address, cls.alias, f"item {i} is empty; remove it.")
            flag_name = item.split("=", 1)[0]
            if item.startswith("-") and any(c in go_quoting.SEPARATORS for c in flag_name):
                flag, rest = item.split(None, 1)
                if rest.startswith("-"):
                    fix = f"write each flag as its own item: {item.split()!r}"
                else:
                    fix = (
                        f"write the flag and its value as two items, {[flag, rest]!r}, or as one joined by '=', "
                        f"{flag + '=' + rest!r}" + (" (or use `x_defs`)" if flag == "-X" else "")
                    )
                raise invalid_field(
                    address, cls.alias, f"{item!r} is one item, so one argument, and a flag's name cannot hold a "
                    f"space: {fix}."
                )
            if i == 0 and cls.first_must_be_flag and not item.startswith("-"):
                raise invalid_field(
                    address, cls.alias, f"the first item {item!r} is not a flag; `go build` would read it as a "
                    "package pattern. Start with a flag, e.g. '-N'. The flags apply to the main package."
                )
            _check_go_tool_argument(address, cls.alias, item, "item")
        return value


_FLAGS_HELP = (
    "Each item is one argument, passed to the tool exactly as written (go_oci quotes it for `go build`), "
    "so a flag and its value are two items or one joined by `=`: `[\"-X\", \"main.v=1\"]` or "
    "`[\"-X=main.v=1\"]`, never `[\"-X main.v=1\"]`."
)


class GoLdflagsField(_GoToolFlagsField):
    alias = "ldflags"
    first_must_be_flag = False  # go_oci's own linker flags come first
    help = help_text(
        f"""
        Extra flags for the Go linker (`go build -ldflags`), e.g. `[\"-extldflags=-static\"]`.
        {_FLAGS_HELP}
        """
    )


class GoGcflagsField(_GoToolFlagsField):
    alias = "gcflags"
    help = help_text(
        f"""
        Extra flags for the Go compiler (`go build -gcflags`) of the main package, e.g. `[\"-B\"]`.
        {_FLAGS_HELP}
        """
    )


class GoAsmflagsField(_GoToolFlagsField):
    alias = "asmflags"
    help = help_text(
        f"""
        Extra flags for the Go assembler (`go build -asmflags`) of the main package. {_FLAGS_HELP}
        """
    )


class GoTagsField(StringSequenceField):
    alias = "tags"
    default = ()
    help = help_text(
        """
        Build tags (`go build -tags`): files with `//go:build` constraints on them are included. Package
        targets infer dependencies from the files some binary builds: its platforms with its tags.
        """
    )


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


class GoCrossBinaryOutputPathField(_DistOutputPathField):
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
        GoOciEnvironmentField,
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
    environment: EnvironmentField


# ---------------------------------------------------------------------------------------------------
# go_image
# ---------------------------------------------------------------------------------------------------

BUILTIN_BASES = ("static", "scratch")
DEFAULT_CREATED = "1970-01-01T00:00:00Z"
# The placeholders `tags` may use, filled in from the binary when the image is built.
TAG_PLACEHOLDERS = ("version",)
_TAG_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# An OCI image here holds a Linux binary: the built-in bases, the layers' ownership and modes, and the
# runtimes go_oci hands images to (podman, docker, runc) are Linux's.
IMAGE_OS = "linux"


def _check_absolute_path(address: Address, alias: str, value: str, *, root_ok: bool) -> str:
    if not value.startswith("/") or posixpath.normpath(value) != value or (value == "/" and not root_ok):
        raise invalid_field(address, alias, f"{value!r} must be a clean absolute path, e.g. '/app/server'.")
    return value


def _model_checked(address: Address, alias: str, check, *values):
    """`check(value)` from go_oci.oci.model (the owner of the OCI grammars), as a field error."""
    try:
        return tuple(check(v) for v in values)
    except ValueError as e:
        raise invalid_field(address, alias, str(e)) from None


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
        Platforms of the image index, as `linux/arch[/variant]`. Default: the binary's platforms. Each must
        be a platform of the binary and of the base. Images hold Linux binaries only: a binary built for
        other systems too needs `platforms` here naming its Linux ones.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address) -> Optional[Tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        if value is not None and not value:
            raise invalid_field(address, cls.alias, "it is empty; name at least one platform of the binary.")
        for platform in value or ():
            if platform.split("/")[0] != IMAGE_OS:
                raise invalid_field(
                    address, cls.alias, f"{platform!r} is not a Linux platform: images hold Linux binaries only, "
                    "e.g. 'linux/amd64'."
                )
        return value


class GoImageBinaryPathField(StringField):
    alias = "binary_path"
    help = help_text(
        """
        Where the binary goes in the image: an absolute path. Default: `/app/<binary_name>`. On `static`
        it may not be a path the base has (e.g. `/etc/passwd`), nor one of the `data` files; on a pulled
        base it is not checked against the base's files, and a file there of the same name is hidden.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        return value if value is None else _check_absolute_path(address, cls.alias, value, root_ok=False)


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

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Dict[str, str]], address: Address
    ) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        _model_checked(address, cls.alias, model.validate_env, value or {})
        return value


class GoImageUserField(StringField):
    alias = "user"
    default = "65532:65532"
    help = help_text(
        """
        The user to run as: `uid`, `uid:gid`, `name` or `name:group`. Default: nonroot. On `static` a name
        must be one of its accounts (root, nobody, nonroot) and a group one of its groups; `scratch` has
        no /etc/passwd, so only numeric ids work there. On a pulled base names are not checked: the
        container runtime looks them up in the base's /etc/passwd and /etc/group when it starts.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        _model_checked(address, cls.alias, model.validate_user, value)
        return value


class GoImageWorkdirField(StringField):
    alias = "workdir"
    default = "/"
    help = "The working directory of the entrypoint: an absolute path."

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        return _check_absolute_path(address, cls.alias, super().compute_value(raw_value, address), root_ok=True)


class GoImageExposedPortsField(StringSequenceField):
    alias = "exposed_ports"
    default = ()
    help = "Ports the service listens on, as `port[/tcp|udp|sctp]`: `[\"8080/tcp\"]`."

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address) -> Optional[Tuple[str, ...]]:
        """Each port as `<port>/<protocol>`."""
        value = super().compute_value(raw_value, address)
        return _model_checked(address, cls.alias, model.validate_exposed_port, *value)


class _MetadataField(DictStringToStringField):
    kind: str  # "label" or "annotation", for messages

    @classmethod
    def compute_value(
        cls, raw_value: Optional[Dict[str, str]], address: Address
    ) -> Optional[FrozenDict[str, str]]:
        value = super().compute_value(raw_value, address)
        _model_checked(address, cls.alias, lambda key: model.validate_metadata_key(key, cls.kind), *(value or {}))
        return value


class GoImageLabelsField(_MetadataField):
    alias = "labels"
    kind = "label"
    help = "Labels of the image config: `labels={\"team\": \"payments\"}`."


class GoImageAnnotationsField(_MetadataField):
    alias = "annotations"
    kind = "annotation"
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

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        return _check_absolute_path(address, cls.alias, super().compute_value(raw_value, address), root_ok=False)


class GoImageRepositoryField(StringField):
    alias = "repository"
    help = help_text(
        """
        The repository to tag and push as, without the registry: lowercase components separated by `/`,
        e.g. `acme/greeter`. Default: the target's name (which must then be a valid repository name).
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> Optional[str]:
        value = super().compute_value(raw_value, address)
        return value if value is None else _model_checked(address, cls.alias, model.validate_repository, value)[0]


class GoImageTagsField(StringSequenceField):
    alias = "tags"
    default = ("latest",)
    help = help_text(
        """
        Tags of the image. `{version}` is replaced by the binary's `x_defs["main.version"]`:
        `tags=["latest", "{version}"]`. A tag, once filled in, is 1-128 letters, digits, `_`, `.` and `-`,
        not starting with `.` or `-`.
        """
    )

    @classmethod
    def compute_value(cls, raw_value: Optional[Iterable[str]], address: Address) -> Optional[Tuple[str, ...]]:
        value = super().compute_value(raw_value, address)
        if not value:
            raise invalid_field(address, cls.alias, "it is empty; an image needs at least one tag, e.g. 'latest'.")
        for tag in value:
            unknown = sorted(set(_TAG_PLACEHOLDER.findall(tag)) - set(TAG_PLACEHOLDERS))
            if unknown:
                known = ", ".join(f"{{{k}}}" for k in TAG_PLACEHOLDERS)
                raise invalid_field(
                    address, cls.alias, f"{tag!r} uses {{{unknown[0]}}}, which go_oci does not fill in; the "
                    f"placeholders are {known}."
                )
            # The text around the placeholders must already be tag text: check it with a stand-in value.
            _model_checked(address, cls.alias, model.validate_tag, _TAG_PLACEHOLDER.sub("0", tag))
        return value


def fill_in_tag(tag: str, values: Dict[str, str]) -> str:
    """`tag` with its placeholders replaced; KeyError names a placeholder `values` lacks."""
    return _TAG_PLACEHOLDER.sub(lambda match: values[match.group(1)], tag)


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

    @classmethod
    def compute_value(cls, raw_value: Optional[str], address: Address) -> str:
        value = super().compute_value(raw_value, address)
        _model_checked(address, cls.alias, model.validate_timestamp, value)
        return value


class GoImageOutputPathField(_DistOutputPathField):
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
        GoOciEnvironmentField,
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
    environment: EnvironmentField
