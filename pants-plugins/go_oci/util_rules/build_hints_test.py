"""The hints `go`'s failures get: each cause its own fix (plain unit tests of `explain_failure`)."""

from __future__ import annotations

from pants.engine.addresses import Address

from go_oci.util_rules.build import explain_failure
from go_oci.util_rules.modules import GoModuleInfo

ADDRESS = Address("svc", target_name="bin")
MODULES = (GoModuleInfo(Address("svc", target_name="mod"), "svc", "example.com/svc"),)
PACKAGE_DIRS = {"svc", "svc/greet", "svc/internal/store"}
SANDBOX = "/tmp/x/pants-sandbox-AbC123/"


def _explain(stderr: str, **kwargs) -> str:
    return explain_failure(
        ADDRESS, "analysing its imports", stderr, modules=MODULES, package_dirs=PACKAGE_DIRS, **kwargs
    )


def _no_module(package: str) -> str:
    return f"svc/main.go:5:2: cannot find module providing package {package}: import lookup disabled by -mod=readonly\n"


def test_a_wrong_module_line_points_at_go_mod() -> None:
    message = _explain(_no_module("example.com/service/internal/store"))
    assert message.startswith("svc:bin: Go failed while analysing its imports:\nsvc/main.go:5:2: cannot find module")
    assert message.endswith(
        "example.com/service/internal/store looks like this module's own package svc/internal/store, but "
        "svc/go.mod says `module example.com/svc`. If the module is example.com/service, fix go.mod's `module` "
        "line to that; otherwise fix the import path."
    )
    assert "go get" not in message


def test_a_missing_package_of_the_module_itself() -> None:
    message = _explain(_no_module("example.com/svc/nothere"))
    assert message.endswith(
        "example.com/svc/nothere is a package of the module example.com/svc, but svc/nothere has no Go files: "
        "fix the import path, or add the package there."
    )
    assert "go get" not in message


def test_a_missing_third_party_package_says_go_get() -> None:
    for stderr in (
        _no_module("github.com/acme/greet"),  # its last element matches a local directory, yet it is not ours
        "main.go:5:2: no required module provides package github.com/acme/kit; to add it:\n\tgo get github.com/acme/kit\n",
    ):
        package = stderr.split("package ")[1].split(":")[0].split(";")[0]
        assert _explain(stderr, required_modules=("github.com/acme",)).endswith(
            f"{package} is in no module that go.mod requires: add its module (`go get {package}` finds it) and "
            "run `go mod tidy`, then commit go.mod and go.sum."
        )


def test_cgo_files_without_cgo_point_at_the_cgo_field() -> None:
    stderr = f"package example.com/svc\n\timports example.com/svc/greet: build constraints exclude all Go files in {SANDBOX}svc/greet\n"
    message = _explain(stderr, cgo_files=("svc/greet/greet.go",))
    assert f"build constraints exclude all Go files in svc/greet\n" in message  # no sandbox path
    assert message.endswith(
        'svc/greet/greet.go use cgo (`import "C"`), which builds only with cgo enabled: set `cgo=True` on '
        "svc:bin, or give those files a pure-Go alternative."
    )
    # Without cgo files, the constraints are the suspects.
    assert _explain(stderr).endswith("against the target's `platforms` and `tags`.")


def test_missing_go_sum_entry() -> None:
    assert _explain("main.go:3:2: missing go.sum entry for module providing package github.com/acme/kit").endswith(
        "run `go mod tidy` (or `go mod download <module>`) and commit go.sum."
    )


def test_a_workspace_module_required_at_a_version_gets_a_go_work_pin() -> None:
    modules = (
        GoModuleInfo(Address("ws/app", target_name="mod"), "ws/app", "example.com/app"),
        GoModuleInfo(Address("ws/lib", target_name="mod"), "ws/lib", "example.com/lib"),
    )
    stderr = "../lib/lib.go:3:8: example.com/lib@v0.0.0: module lookup disabled by GOPROXY=off\n"
    message = explain_failure(ADDRESS, "analysing its imports", stderr, modules=modules, workspace_dir="ws")
    assert message.endswith(
        "A module of this workspace requires example.com/lib at v0.0.0, so `go` wants that version's go.mod, "
        "which no proxy has. Pin it to the module's directory in ws/go.work: "
        "`replace example.com/lib v0.0.0 => ./lib`."
    )
