from __future__ import annotations

from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_DIGEST

from go_oci.gomod import Replace
from go_oci.util_rules.modules import (
    GoBuildContext,
    GoModuleInfo,
    download_arguments,
    explain_download_failure,
    with_workspace_pins,
)

PROXY = "file:///srv/goproxy"
FORK = Replace("github.com/beorn7/perks", "", "example.com/fork/perks", "v1.0.1")


def _context(required=("github.com/beorn7/perks", "golang.org/x/sys"), prunes=True, replaces=(FORK,)) -> GoBuildContext:
    return GoBuildContext(
        root_dir="svc",
        workspace=False,
        modules=(GoModuleInfo(Address("svc", target_name="mod"), "svc", "example.com/svc"),),
        sources=EMPTY_DIGEST,
        module_files=EMPTY_DIGEST,
        vendored=False,
        required_modules=required,
        prunes_module_graph=prunes,
        replaces=replaces,
    )


def test_download_names_module_paths_so_go_applies_the_build_list() -> None:
    assert download_arguments(_context()) == ("github.com/beorn7/perks", "golang.org/x/sys")
    # Before `go 1.17` go.mod need not list every module of the build: fetch all of the build list.
    assert download_arguments(_context(prunes=False)) == ("all",)
    assert download_arguments(_context(required=())) == ()


def test_workspace_pins_append_a_replace_block() -> None:
    go_work = "go 1.27\n\nuse (\n\t./app\n\t./lib\n)\n"
    pins = (Replace("example.com/lib", "v0.0.0", "./lib", ""),)
    assert with_workspace_pins(go_work, pins) == (
        "go 1.27\n\nuse (\n\t./app\n\t./lib\n)\n\n"
        "// go_oci: workspace modules are never looked up on the proxy.\n"
        "replace (\n\texample.com/lib v0.0.0 => ./lib\n)\n"
    )
    assert with_workspace_pins(go_work, ()) == go_work


def test_a_replacement_missing_from_the_proxy_names_the_replace() -> None:
    stderr = (
        "go: example.com/fork/perks@v1.0.1: reading file:///srv/goproxy/example.com/fork/perks/@v/v1.0.1.info: "
        "no such file or directory\n"
    )
    hint = explain_download_failure(stderr, _context(), PROXY)
    assert hint.startswith(
        "example.com/fork/perks@v1.0.1 (the replacement named by `replace github.com/beorn7/perks => "
        "example.com/fork/perks v1.0.1`) is not on the module proxy 'file:///srv/goproxy' ([go-oci].goproxy)."
    )
    assert "go.sum" not in hint


def test_a_transitive_requirement_missing_from_the_proxy_names_who_requires_it() -> None:
    stderr = (
        "go: google.golang.org/protobuf@v1.28.1 requires\n"
        "\tgithub.com/google/go-cmp@v0.5.5: reading https://proxy.example/github.com/google/go-cmp/@v/v0.5.5.mod: "
        "404 Not Found\n"
    )
    hint = explain_download_failure(stderr, _context(), "https://proxy.example")
    assert hint.startswith(
        "github.com/google/go-cmp@v0.5.5 (required by google.golang.org/protobuf@v1.28.1) is not on the module proxy"
    )


def test_each_failure_gets_its_own_hint() -> None:
    context = _context()
    hints = {
        "verifying github.com/google/uuid@v1.3.0: checksum mismatch": "differs from its go.sum checksum",
        "go: github.com/google/uuid@v1.3.0: missing go.sum entry for go.mod file": "go.sum lacks a checksum",
        "go: updates to go.mod needed; to update it:\n\tgo mod tidy": "run `go mod tidy` and commit go.mod",
        "go: golang.org/x/sys@v0.3.0: module lookup disabled by GOPROXY=off": "[go-oci].goproxy is `off`",
        'go: golang.org/x/sys@v0.3.0: Get "https://proxy.example/...": dial tcp: lookup proxy.example: no such host':
            "could not be reached",
        "go: something new": "Check that `go mod download` succeeds there with GOPROXY='file:///srv/goproxy'",
    }
    for stderr, expected in hints.items():
        assert expected in explain_download_failure(stderr, context, PROXY), stderr
