"""Field parsing and the errors a user sees for malformed go_cross_binary and go_image fields."""

import pytest

from go_oci.oci.layer import LayerEntry
from go_oci.platforms import Platform
from go_oci.register import target_types
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.target_types import GoCrossBinaryFieldSet, GoImageFieldSet
from go_oci.util_rules import bases
from go_oci.util_rules.build import GoBinarySpec, GoBuildError
from go_oci.util_rules.image import _image_platforms, _tags, check_against_base
from go_oci.util_rules.modules import ancestors
from go_oci.util_rules.sdk import GoTargetPairs
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.target import InvalidFieldException
from pants.testutil.option_util import create_subsystem
from pants.testutil.rule_runner import RuleRunner
from pants.util.frozendict import FrozenDict

PAIRS = GoTargetPairs(("linux/amd64", "linux/arm64", "linux/arm", "darwin/arm64"))
GO_OCI = create_subsystem(GoOciSubsystem, default_platforms=["linux/amd64", "linux/arm64"])


def _spec(build_file: str, name: str = "bin") -> GoBinarySpec:
    rule_runner = RuleRunner(target_types=target_types())
    rule_runner.write_files({"svc/BUILD": build_file})
    target = rule_runner.get_target(Address("svc", target_name=name))
    return GoBinarySpec.from_field_set(GoCrossBinaryFieldSet.create(target), PAIRS, GO_OCI)


def test_defaults():
    spec = _spec('go_cross_binary(name="bin")')
    assert spec.main_dir == "svc"
    assert spec.binary_name == "svc"
    assert [str(p) for p in spec.platforms] == ["linux/amd64", "linux/arm64"]
    assert spec.strip and not spec.cgo
    assert dict(spec.x_defs) == {}


def test_all_fields():
    spec = _spec(
        """go_cross_binary(
            name="bin",
            main="./cmd/server",
            platforms=["linux/arm/v7", "linux/amd64"],
            binary_name="srv",
            x_defs={"main.version": "1.4.2"},
            ldflags=["-extldflags=-static"],
            gcflags=["-B"],
            asmflags=["-spectre=all"],
            tags=["netgo", "premium"],
            strip=False,
            env={"GOAMD64": "v3"},
        )"""
    )
    assert spec.main_dir == "svc/cmd/server"
    assert spec.binary_name == "srv"
    assert [str(p) for p in spec.platforms] == ["linux/amd64", "linux/arm/v7"]
    assert dict(spec.x_defs) == {"main.version": "1.4.2"}
    assert spec.ldflags == ("-extldflags=-static",) and spec.gcflags == ("-B",) and spec.asmflags == ("-spectre=all",)
    assert spec.tags == ("netgo", "premium")
    assert not spec.strip
    assert dict(spec.env) == {"GOAMD64": "v3"}


@pytest.mark.parametrize(
    "build_file, message",
    [
        (
            'go_cross_binary(name="bin", platforms=["linux/sparc"])',
            "svc:bin: invalid `platforms` entry 'linux/sparc': the Go SDK cannot build for linux/sparc. It supports "
            "(`go tool dist list`): darwin/arm64, linux/amd64, linux/arm, linux/arm64",
        ),
        ('go_cross_binary(name="bin", platforms=["amd64"])', "write it as os/arch or os/arch/variant"),
        (
            'go_cross_binary(name="bin", platforms=["linux/arm/v9"])',
            "svc:bin: invalid `platforms` entry 'linux/arm/v9': arm has no variant 'v9'. Valid variants: v5, v6, v7.",
        ),
        ('go_cross_binary(name="bin", platforms=[])', "svc:bin: `platforms` is empty"),
        (
            'go_cross_binary(name="bin", env={"GOOS": "windows", "HOME": "/root"})',
            "svc:bin: `env` may only set Go code-generation variables",
        ),
        (
            'go_cross_binary(name="bin", platforms=["linux/amd64/v3"], env={"GOAMD64": "v2"})',
            "svc:bin: platform linux/amd64/v3 already sets GOAMD64; remove it from `env`.",
        ),
    ],
)
def test_field_errors(build_file, message):
    with pytest.raises(GoBuildError) as e:
        _spec(build_file)
    assert message in str(e.value)
    if "`env`" in message and "code-generation" in message:
        assert "remove GOOS, HOME" in str(e.value)


def _target(build_file: str, name: str):
    rule_runner = RuleRunner(target_types=target_types())
    rule_runner.write_files({"svc/BUILD": build_file})
    return rule_runner.get_target(Address("svc", target_name=name))


def _field_error(build_file: str, name: str) -> str:
    """The message `pants package` shows for a target whose fields do not parse."""
    with pytest.raises(ExecutionError) as e:
        _target(build_file, name)
    message = str(e.value)
    assert "InvalidFieldException" in message, message
    return message


# Each: the BUILD file's target, then fragments of the one message: target, field, what and the fix.
BINARY_FIELD_ERRORS = {
    "absolute_main": (
        'go_cross_binary(name="bin", main="/tmp")',
        ["svc:bin: invalid `main`: '/tmp' is an absolute path; write the directory relative to this BUILD file"],
    ),
    "main_outside_build_root": (
        'go_cross_binary(name="bin", main="../../outside")',
        ["svc:bin: invalid `main`: '../../outside' points outside the build root"],
    ),
    "binary_name_with_slash": (
        'go_cross_binary(name="bin", binary_name="a/b")',
        ["svc:bin: invalid `binary_name`: 'a/b' is not a file name; give a plain name such as 'server'"],
    ),
    "binary_name_dot_dot": ('go_cross_binary(name="bin", binary_name="..")', ["svc:bin: invalid `binary_name`: '..'"]),
    "output_path_escapes_dist": (
        'go_cross_binary(name="bin", output_path="../../etc")',
        ["svc:bin: invalid `output_path`: '../../etc' must stay inside the dist directory"],
    ),
    "output_path_absolute": ('go_cross_binary(name="bin", output_path="/etc")', ["svc:bin: invalid `output_path`: '/etc'"]),
    "x_defs_key_without_dot": (
        'go_cross_binary(name="bin", x_defs={"version": "1"})',
        ["svc:bin: invalid `x_defs`: key 'version' is not `importpath.name`", "e.g. 'main.version'"],
    ),
    "x_defs_value_with_both_quotes": (
        """go_cross_binary(name="bin", x_defs={"main.v": "it's \\"x\\""})""",
        ["svc:bin: invalid `x_defs`: the value of 'main.v':", "both single and double quotes", "use only one kind"],
    ),
    "ldflags_flag_and_value_in_one_item": (
        'go_cross_binary(name="bin", ldflags=["-X main.version=1"])',
        [
            "svc:bin: invalid `ldflags`: '-X main.version=1' is one item, so one argument",
            "['-X', 'main.version=1'], or as one joined by '=', '-X=main.version=1' (or use `x_defs`)",
        ],
    ),
    "gcflags_two_flags_in_one_item": (
        'go_cross_binary(name="bin", gcflags=["-N -l"])',
        ["svc:bin: invalid `gcflags`: '-N -l' is one item", "write each flag as its own item: ['-N', '-l']"],
    ),
    "gcflags_package_pattern": (
        'go_cross_binary(name="bin", gcflags=["all=-N"])',
        ["svc:bin: invalid `gcflags`: the first item 'all=-N' is not a flag; `go build` would read it as a package pattern"],
    ),
    "asmflags_empty_item": ('go_cross_binary(name="bin", asmflags=["-I=x", ""])', ["svc:bin: invalid `asmflags`: item 1 is empty"]),
}


@pytest.mark.parametrize("case", sorted(BINARY_FIELD_ERRORS))
def test_binary_field_errors(case: str) -> None:
    build_file, fragments = BINARY_FIELD_ERRORS[case]
    message = _field_error(build_file, "bin")
    for fragment in fragments:
        assert fragment in message


def test_flags_with_spaces_and_quotes_are_accepted() -> None:
    spec = _spec(
        """go_cross_binary(
            name="bin",
            x_defs={"main.version": "it's 1.0", "example.com/app/build.Note": 'say "hi"'},
            ldflags=["-X", "main.extra=a b", "-extldflags=-static -lm"],
            gcflags=["-d=checkptr=0", "-trimpath=/a b"],
        )"""
    )
    assert dict(spec.x_defs) == {"main.version": "it's 1.0", "example.com/app/build.Note": 'say "hi"'}
    assert spec.ldflags == ("-X", "main.extra=a b", "-extldflags=-static -lm")
    assert spec.gcflags == ("-d=checkptr=0", "-trimpath=/a b")


IMAGE = 'go_cross_binary(name="bin")\n'
IMAGE_FIELD_ERRORS = {
    "relative_binary_path": (
        'binary_path="app/bin"', ["svc:img: invalid `binary_path`: 'app/bin' must be a clean absolute path"]
    ),
    "unclean_data_dir": ('data_dir="/app/../data"', ["svc:img: invalid `data_dir`: '/app/../data' must be a clean absolute path"]),
    "relative_workdir": ('workdir="tmp"', ["svc:img: invalid `workdir`: 'tmp'"]),
    "user_syntax": ('user="bad user!"', ["svc:img: invalid `user`: Invalid user 'bad user!'"]),
    "exposed_port": ('exposed_ports=["http"]', ["svc:img: invalid `exposed_ports`: Invalid exposed port 'http'"]),
    "env_name": ('env={"1BAD": "x"}', ["svc:img: invalid `env`: Invalid environment variable name '1BAD'"]),
    "label_key": ('labels={"bad key": "x"}', ["svc:img: invalid `labels`: Invalid label key 'bad key'"]),
    "annotation_key": ('annotations={"-x": "y"}', ["svc:img: invalid `annotations`: Invalid annotation key '-x'"]),
    "created": ('created="yesterday"', ["svc:img: invalid `created`: Invalid timestamp 'yesterday'"]),
    "repository_uppercase": (
        'repository="Acme/Hello"',
        ["svc:img: invalid `repository`: Invalid repository 'Acme/Hello'", "e.g. 'acme/greeter'; here 'acme/hello'"],
    ),
    "repository_with_registry": ('repository="localhost:5000/acme"', ["svc:img: invalid `repository`: Invalid repository"]),
    "repository_double_slash": ('repository="acme//x"', ["svc:img: invalid `repository`"]),
    "tag_grammar": ('tags=["latest", "v1 beta"]', ["svc:img: invalid `tags`: Invalid tag 'v1 beta'"]),
    "tag_grammar_around_placeholder": ('tags=["-{version}"]', ["svc:img: invalid `tags`: Invalid tag '-0'"]),
    "tag_unknown_placeholder": (
        'tags=["{commit}"]', ["svc:img: invalid `tags`: '{commit}' uses {commit}, which go_oci does not fill in"]
    ),
    "tags_empty": ("tags=[]", ["svc:img: invalid `tags`: it is empty"]),
    "platforms_not_linux": (
        'platforms=["plan9/amd64"]', ["svc:img: invalid `platforms`: 'plan9/amd64' is not a Linux platform"]
    ),
    "output_path": ('output_path="../x"', ["svc:img: invalid `output_path`: '../x' must stay inside the dist directory"]),
}


@pytest.mark.parametrize("case", sorted(IMAGE_FIELD_ERRORS))
def test_image_field_errors(case: str) -> None:
    fields, fragments = IMAGE_FIELD_ERRORS[case]
    message = _field_error(f'{IMAGE}go_image(name="img", binary=":bin", {fields})', "img")
    for fragment in fragments:
        assert fragment in message


def test_image_fields_parsed() -> None:
    target = _target(
        f"""{IMAGE}go_image(
            name="img", binary=":bin", exposed_ports=["8080", "53/udp"], repository="acme/greeter_v2.x--y",
            tags=["latest", "v{{version}}-rc_1"], user="nonroot:nonroot", workdir="/",
        )""",
        "img",
    )
    field_set = GoImageFieldSet.create(target)
    assert field_set.exposed_ports.value == ("8080/tcp", "53/udp")
    assert field_set.repository.value == "acme/greeter_v2.x--y"
    assert field_set.tags.value == ("latest", "v{version}-rc_1")


# ---------------------------------------------------------------- what depends on the binary or the base

IMG = Address("svc", target_name="img")
STATIC = bases.BaseContents.of(
    bases._PASSWD,
    bases._GROUP,
    (
        LayerEntry.file("etc/passwd", "x"),
        LayerEntry.file("etc/ssl/certs/ca-certificates.crt", "x"),
        LayerEntry.directory("tmp", 0o1777),
        LayerEntry.file("usr/share/zoneinfo/UTC", "x"),
    ),
)
SCRATCH = bases.BaseContents.of("", "", ())


@pytest.mark.parametrize(
    "contents, user, binary_path, data, message",
    [
        (STATIC, "root:abc", "/app/x", (), "invalid `user`: the group 'abc' is not in the `static` base, which has the groups nobody, nonroot, root."),
        (STATIC, "alice", "/app/x", (), "invalid `user`: the user 'alice' is not in the `static` base"),
        (SCRATCH, "nonroot", "/app/x", (), "invalid `user`: the user 'nonroot' is not in the `scratch` base, which has no /etc/passwd or /etc/group. Use one of those or numeric ids"),
        (STATIC, "0", "/etc/passwd", (), "invalid `binary_path`: /etc/passwd would replace /etc/passwd, which the `static` base holds"),
        (STATIC, "0", "/tmp", (), "invalid `binary_path`: /tmp would replace /tmp"),
        (STATIC, "0", "/etc/passwd/x", (), "invalid `binary_path`: /etc/passwd/x would replace /etc/passwd"),
        (STATIC, "0", "/usr/share/zoneinfo/UTC", (), "/usr/share/zoneinfo/UTC would replace /usr/share/zoneinfo/UTC"),
        (STATIC, "0", "/etc", (), "/etc would replace /etc"),
        (STATIC, "0", "/app/x", ("/etc/ssl/certs/ca-certificates.crt",), "invalid `data`: /etc/ssl/certs/ca-certificates.crt would replace"),
        (None, "0", "/app/data/a", ("/app/data/a",), "invalid `binary_path`: '/app/data/a' clashes with /app/data/a of the `data` layer"),
        (None, "0", "/app/data", ("/app/data/a",), "'/app/data' clashes with /app/data of the `data` layer"),
    ],
)
def test_fields_checked_against_the_base(contents, user, binary_path, data, message) -> None:
    base_name = "scratch" if contents is SCRATCH else "static"
    with pytest.raises(InvalidFieldException) as e:
        check_against_base(IMG, base_name, contents, user, binary_path, data)
    assert str(e.value).startswith("svc:img: invalid `")
    assert message in str(e.value)


@pytest.mark.parametrize(
    "contents, user, binary_path, data",
    [
        (STATIC, "nonroot:nonroot", "/app/server", ("/app/data/a",)),
        (STATIC, "root:65532", "/usr/share/zoneinfo/Mars", ()),  # a new file in a base directory is fine
        (SCRATCH, "65532:65532", "/etc/passwd", ()),
        (None, "postgres:postgres", "/etc/passwd", ()),  # a pulled base: not read, not checked
    ],
)
def test_fields_that_fit_the_base(contents, user, binary_path, data) -> None:
    check_against_base(IMG, "base", contents, user, binary_path, data)


def _binary(**fields) -> GoBinarySpec:
    defaults = dict(
        address=Address("svc", target_name="bin"), main_dir="svc", binary_name="bin", x_defs=FrozenDict(),
        ldflags=(), gcflags=(), asmflags=(), tags=(), strip=True, cgo=False, env=FrozenDict(),
        platforms=(Platform("linux", "amd64"),),
    )
    return GoBinarySpec(**{**defaults, **fields})


def test_tags_filled_in_from_the_binary() -> None:
    binary = _binary(x_defs=FrozenDict({"main.version": "1.4.2"}))
    assert _tags(IMG, ("latest", "v{version}"), binary) == ("latest", "v1.4.2")
    with pytest.raises(InvalidFieldException, match=r"svc:img: invalid `tags`: '\{version\}' uses \{version\}, which svc:bin does not set"):
        _tags(IMG, ("{version}",), _binary())
    with pytest.raises(InvalidFieldException, match=r"'\{version\}' becomes '1.0 beta' with the `x_defs` of svc:bin: Invalid tag"):
        _tags(IMG, ("{version}",), _binary(x_defs=FrozenDict({"main.version": "1.0 beta"})))


def test_image_of_a_non_linux_binary() -> None:
    target = _target(f'{IMAGE}go_image(name="img", binary=":bin")', "img")
    binary = _binary(platforms=(Platform("linux", "arm64"), Platform("plan9", "amd64")))
    with pytest.raises(InvalidFieldException) as e:
        _image_platforms(GoImageFieldSet.create(target), binary, PAIRS)
    assert str(e.value) == (
        "svc:img: invalid `platforms`: by default the binary's, and svc:bin builds plan9/amd64: images hold Linux "
        "binaries only. Set this go_image's `platforms` to the binary's Linux ones, ['linux/arm64']."
    )


def test_ancestors_of_an_absolute_path_end_at_the_root() -> None:
    assert ancestors("/tmp") == ["/tmp", "/"]
    assert ancestors("a/b") == ["a/b", "a", ""]
