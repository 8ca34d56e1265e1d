"""go_module's package targets: what each owns, and the dependencies inferred from imports."""

from __future__ import annotations

import pytest
from pants.engine.addresses import Address, Addresses
from pants.engine.target import (
    Dependencies,
    DependenciesRequest,
    HydratedSources,
    HydrateSourcesRequest,
    SourcesField,
)
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_oci.gomod import Replace
from go_oci.register import rules as all_rules
from go_oci.register import target_types
from go_oci.target_types import GoImportPathField, GoThirdPartyModuleField
from go_oci.go.package_targets import _downloaded_packages, parse_vendor_modules_txt


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *all_rules(),
            QueryRule(Addresses, (DependenciesRequest,)),
            QueryRule(Owners, (OwnersRequest,)),
            QueryRule(HydratedSources, (HydrateSourcesRequest,)),
        ],
        target_types=target_types(),
    )


def _lib(name: str, *imports: str) -> str:
    lines = "".join(f'import "{i}"\n' for i in imports)
    return f"package {name}\n\n{lines}"


MODULE = {
    "svc/BUILD": (
        'go_module(name="mod")\n\ngo_cross_binary(name="server", main="./cmd/server", tags=["premium"], '
        'platforms=["linux/amd64", "windows/amd64"])\n'
    ),
    "svc/go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire github.com/google/uuid v1.3.0\n",
    "svc/go.sum": "github.com/google/uuid v1.3.0 h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n",
    "svc/vendor/modules.txt": "# github.com/google/uuid v1.3.0\n## explicit\ngithub.com/google/uuid\n",
    "svc/vendor/github.com/google/uuid/uuid.go": _lib("uuid", "crypto/rand", "github.com/google/uuid/internal"),
    "svc/README.md": "not read by go build\n",
    "svc/cmd/server/main.go": (
        "// Command server.\npackage main\n\nimport (\n\t\"fmt\" // std\n\tapi \"example.com/svc/internal/api\"\n"
        "\t_ \"example.com/svc/web\"\n\t\"github.com/google/uuid\"\n)\n\nfunc main() { fmt.Println(api.X, uuid.X) }\n"
    ),
    "svc/cmd/server/premium.go": "//go:build premium\n\n" + _lib("main", "example.com/svc/internal/premium"),
    "svc/cmd/server/gen.go": "//go:build ignore\n\n" + _lib("main", "example.com/svc/internal/gen"),
    "svc/cmd/server/tools.go": "//go:build tools\n\n" + _lib("main", "example.com/svc/internal/tools"),
    "svc/cmd/server/main_test.go": _lib("main", "example.com/svc/internal/testutil"),
    "svc/internal/api/api.go": _lib("api"),
    "svc/internal/api/api_windows.go": _lib("api", "example.com/svc/internal/winapi"),
    "svc/internal/api/api_plan9.go": _lib("api", "example.com/svc/internal/plan9only"),
    "svc/internal/api/api_test.go": _lib("api"),
    # An external test package importing a package that imports this one: no dependency (a cycle).
    "svc/internal/api/api_ext_test.go": _lib("api_test", "example.com/svc/cmd/server"),
    "svc/internal/api/asm_amd64.s": "TEXT ·f(SB),0,$0\n",
    "svc/internal/api/testdata/golden.txt": "golden\n",
    "svc/internal/api/_scratch.go": _lib("api", "example.com/svc/internal/gen"),
    "svc/web/web.go": 'package web\n\nimport "embed"\n\n//go:embed static templates/*.html\nvar FS embed.FS\n',
    "svc/web/static/index.html": "<html/>\n",
    "svc/web/static/.hidden": "x\n",
    "svc/web/templates/a.html": "<a/>\n",
    "svc/web/templates/b.txt": "b\n",
    **{f"svc/internal/{n}/{n}.go": _lib(n) for n in ("premium", "gen", "tools", "testutil", "winapi", "plan9only")},
    "svc/nested/go.mod": "module example.com/nested\n",
    "svc/nested/x.go": _lib("nested"),
}


def _address(generated: str) -> Address:
    return Address("svc", target_name="mod", generated_name=generated)


def _dependencies(rule_runner: RuleRunner, address: Address) -> list[str]:
    target = rule_runner.get_target(address)
    return sorted(str(a) for a in rule_runner.request(Addresses, [DependenciesRequest(target[Dependencies])]))


def _sources(rule_runner: RuleRunner, address: Address) -> list[str]:
    """The files the target owns, relative to the module."""
    target = rule_runner.get_target(address)
    hydrated = rule_runner.request(HydratedSources, [HydrateSourcesRequest(target[SourcesField])])
    return sorted(f[len("svc/") :] for f in hydrated.snapshot.files)


def test_module_generates_a_target_per_package(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(MODULE)
    generated = _dependencies(rule_runner, Address("svc", target_name="mod"))
    assert generated == [
        "svc:mod#./cmd/server",
        "svc:mod#./internal/api",
        "svc:mod#./internal/gen",
        "svc:mod#./internal/plan9only",
        "svc:mod#./internal/premium",
        "svc:mod#./internal/testutil",
        "svc:mod#./internal/tools",
        "svc:mod#./internal/winapi",
        "svc:mod#./web",
        "svc:mod#github.com/google/uuid",
    ]
    assert _sources(rule_runner, Address("svc", target_name="mod")) == ["go.mod", "go.sum", "vendor/modules.txt"]
    # Every Go file (tests and excluded ones too: go reads their constraints), assembly and testdata/.
    assert _sources(rule_runner, _address("./internal/api")) == [
        "internal/api/api.go",
        "internal/api/api_ext_test.go",
        "internal/api/api_plan9.go",
        "internal/api/api_test.go",
        "internal/api/api_windows.go",
        "internal/api/asm_amd64.s",
        "internal/api/testdata/golden.txt",
    ]
    # //go:embed: a directory without its hidden files, and a glob.
    assert _sources(rule_runner, _address("./web")) == ["web/static/index.html", "web/templates/a.html", "web/web.go"]
    uuid = rule_runner.get_target(_address("github.com/google/uuid"))
    assert uuid[GoThirdPartyModuleField].value == "github.com/google/uuid@v1.3.0"
    assert uuid[GoImportPathField].value == "github.com/google/uuid"
    assert _sources(rule_runner, _address("github.com/google/uuid")) == ["vendor/github.com/google/uuid/uuid.go"]


def test_dependencies_follow_imports_for_every_platform_and_binary_tag_set(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(MODULE)
    # Not: `ignore` and `tools` files (no binary sets those tags), `_` files, std imports. Internal test
    # files' imports are: the package's target runs its tests.
    assert _dependencies(rule_runner, _address("./cmd/server")) == [
        "svc:mod#./internal/api",
        "svc:mod#./internal/premium",  # a go_cross_binary builds with `premium`
        "svc:mod#./internal/testutil",  # main_test.go
        "svc:mod#./web",
        "svc:mod#github.com/google/uuid",
    ]
    # A binary builds for windows/amd64; none for plan9.
    assert _dependencies(rule_runner, _address("./internal/api")) == ["svc:mod#./internal/winapi"]
    assert _dependencies(rule_runner, Address("svc", target_name="server")) == ["svc:mod#./cmd/server"]


def test_go_sum_selects_third_party_packages_and_go_mod_every_package(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(MODULE)

    def owners(path: str) -> set[str]:
        return {str(a) for a in rule_runner.request(Owners, [OwnersRequest((path,))])}

    # Owners are generated targets (their generator depends on them): go.sum selects the third-party
    # packages, so only the first-party packages importing them and the binaries above those.
    assert owners("svc/go.sum") == {"svc:mod#github.com/google/uuid"}
    assert owners("svc/vendor/modules.txt") == {"svc:mod#github.com/google/uuid"}
    # The `go` line sets every package's language version.
    assert len(owners("svc/go.mod")) == 10
    assert owners("svc/README.md") == set()
    assert owners("svc/web/templates/b.txt") == set()


def test_packages_of_downloaded_modules() -> None:
    files = (
        "__gomod/cache/download/github.com/!burnt!sushi/toml/@v/v1.2.0.mod",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/go.mod",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/decode.go",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/internal/tz.go",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/internal/testdata/x.go",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/cmd/tomlv/main_test.go",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/_examples/e.go",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/sub/go.mod",
        "__gomod/github.com/!burnt!sushi/toml@v1.2.0/sub/s.go",
        "__gomod/golang.org/x/sys@v0.3.0/unix/zerrors_linux.go",
        "__gomod/golang.org/x/sys@v0.1.0/unix/zerrors_linux.go",
        "__gomod/example.com/fork/perks@v1.0.1/quantile/stream.go",
    )
    fork = Replace("github.com/beorn7/perks", "", "example.com/fork/perks", "v1.0.1")
    packages = _downloaded_packages(files, {"golang.org/x/sys": "v0.3.0"}, (fork,))
    assert [(p.import_path, p.module, p.dir) for p in packages] == [
        # A replacement keeps the replaced module's import paths.
        ("github.com/beorn7/perks/quantile", "example.com/fork/perks@v1.0.1", "__gomod/example.com/fork/perks@v1.0.1/quantile"),
        ("github.com/BurntSushi/toml", "github.com/BurntSushi/toml@v1.2.0", "__gomod/github.com/!burnt!sushi/toml@v1.2.0"),
        (
            "github.com/BurntSushi/toml/internal",
            "github.com/BurntSushi/toml@v1.2.0",
            "__gomod/github.com/!burnt!sushi/toml@v1.2.0/internal",
        ),
        ("golang.org/x/sys/unix", "golang.org/x/sys@v0.3.0", "__gomod/golang.org/x/sys@v0.3.0/unix"),
    ]


def test_vendor_modules_txt() -> None:
    content = (
        "# github.com/a/b v1.0.0\n## explicit; go 1.20\ngithub.com/a/b\ngithub.com/a/b/c\n"
        "# example.com/old v1.0.0 => example.com/new v1.2.0\n## explicit\nexample.com/old\n"
    )
    assert parse_vendor_modules_txt(content) == [
        ("github.com/a/b", "github.com/a/b@v1.0.0"),
        ("github.com/a/b/c", "github.com/a/b@v1.0.0"),
        ("example.com/old", "example.com/new@v1.2.0"),
    ]


def test_a_go_module_without_go_mod_names_the_fix(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"lib/BUILD": 'go_module(name="mod")\n', "lib/lib.go": _lib("lib")})
    with pytest.raises(ExecutionError) as e:
        rule_runner.get_target(Address("lib", target_name="mod", generated_name="."))
    assert "lib:mod: there is no go.mod in lib. A go_module belongs next to its go.mod" in str(e.value)
