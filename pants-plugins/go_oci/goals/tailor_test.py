"""`pants tailor` suggests go_oci targets only where `pants package` can then build them."""

from __future__ import annotations

import pytest

from go_oci.goals.tailor import PutativeGoTargetsRequest
from go_oci.goals.tailor import rules as tailor_rules
from go_oci.register import target_types
from go_oci.target_types import GoCrossBinaryTarget, GoModuleTarget
from pants.core.goals.tailor import AllOwnedSources, PutativeTarget, PutativeTargets
from pants.core.target_types import ResourcesGeneratorTarget
from pants.engine.rules import QueryRule
from pants.testutil.rule_runner import RuleRunner

MAIN = "package main\n\nfunc main() {}\n"
LIBRARY = "package lib\n"


@pytest.fixture
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[
            *tailor_rules(),
            QueryRule(PutativeTargets, (PutativeGoTargetsRequest, AllOwnedSources)),
        ],
        target_types=[*target_types(), ResourcesGeneratorTarget],
    )


def _putative(rule_runner: RuleRunner, dirs: tuple[str, ...], owned: list[str]) -> PutativeTargets:
    return rule_runner.request(PutativeTargets, [PutativeGoTargetsRequest(dirs), AllOwnedSources(owned)])


def _module(path: str) -> PutativeTarget:
    return PutativeTarget.for_target_type(GoModuleTarget, path=path, name="mod", triggering_sources=["go.mod"])


def _binary(path: str, name: str) -> PutativeTarget:
    return PutativeTarget.for_target_type(GoCrossBinaryTarget, path=path, name=name, triggering_sources=[])


def test_new_module_gets_a_go_module_and_a_binary_per_main_package(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "svc/go.mod": "module example.com/svc\n",
            "svc/main.go": MAIN,
            "svc/cmd/tool/main.go": MAIN,
            "svc/lib/lib.go": LIBRARY,
            # Neither a `//go:build ignore` helper nor a test makes a main package.
            "svc/gen/gen.go": "//go:build ignore\n\n" + MAIN,
            "svc/lib/main_test.go": MAIN,
            "svc/testdata/main.go": MAIN,
        }
    )
    dirs = ("svc", "svc/cmd/tool", "svc/lib", "svc/gen", "svc/testdata")
    assert _putative(rule_runner, dirs, []) == PutativeTargets(
        [_module("svc"), _binary("svc", "svc"), _binary("svc/cmd/tool", "tool")]
    )


def test_existing_go_module_and_binary(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "svc/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="server", main="./cmd/server")\n',
            "svc/go.mod": "module example.com/svc\n",
            "svc/cmd/server/main.go": MAIN,
            "svc/cmd/tool/main.go": MAIN,
        }
    )
    dirs = ("svc", "svc/cmd/server", "svc/cmd/tool")
    owned = ["svc/go.mod", "svc/cmd/server/main.go", "svc/cmd/tool/main.go"]
    # The module builds `tool` too, even when tailor runs below the go.mod only.
    assert _putative(rule_runner, dirs, owned) == PutativeTargets([_binary("svc/cmd/tool", "tool")])
    assert _putative(rule_runner, ("svc/cmd/tool",), owned) == PutativeTargets([_binary("svc/cmd/tool", "tool")])


def test_main_package_of_a_go_mod_another_target_owns_gets_nothing(rule_runner: RuleRunner) -> None:
    # As in this repository: a Go tool whose sources travel as `resources` is not a module go_oci builds.
    rule_runner.write_files(
        {
            "tools/BUILD": 'resources(name="tool", sources=["tool/*.go", "tool/go.mod"])\n',
            "tools/tool/go.mod": "module example.com/tool\n",
            "tools/tool/main.go": MAIN,
        }
    )
    owned = ["tools/tool/go.mod", "tools/tool/main.go"]
    assert _putative(rule_runner, ("tools", "tools/tool"), owned) == PutativeTargets()


def test_main_package_outside_any_module_gets_nothing(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"scripts/main.go": MAIN})
    assert _putative(rule_runner, ("scripts",), []) == PutativeTargets()


def test_nearest_go_mod_decides(rule_runner: RuleRunner) -> None:
    # The outer module is go_oci's; the nested one is a tool's resources: its main is not the outer's.
    rule_runner.write_files(
        {
            "BUILD": 'go_module(name="mod", sources=["go.mod", "*.go"])\n',
            "go.mod": "module example.com/root\n",
            "main.go": MAIN,
            "tool/BUILD": 'resources(name="src", sources=["go.mod", "*.go"])\n',
            "tool/go.mod": "module example.com/tool\n",
            "tool/main.go": MAIN,
        }
    )
    owned = ["go.mod", "main.go", "tool/go.mod", "tool/main.go"]
    assert _putative(rule_runner, ("", "tool"), owned) == PutativeTargets([_binary("", "bin")])
