"""A go_cross_binary that go_oci refuses before any Go process runs (the module layout, a PGO profile,
cgo for another platform) fails with one message that names the target and the fix: the real rules,
run by the engine on a build root of BUILD files and sources."""

from __future__ import annotations

import pytest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.platform import Platform as HostPlatform
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants.util.frozendict import FrozenDict

from go_oci.platforms import Platform, host_go_platform
from go_oci.register import rules as all_rules
from go_oci.register import target_types
from go_oci.util_rules.build import BuiltGoBinary, GoBinaryBuildRequest, GoBinarySpec
from go_oci.util_rules.modules import GoModuleError

GO_MOD = "module example.com/bad\n\ngo 1.27\n"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("ok") }\n'
BINARY = 'go_module(name="mod")\ngo_cross_binary(name="bin", platforms=["linux/amd64"])\n'
HOST = Platform(*host_go_platform(HostPlatform.create_for_localhost()))
OTHER = Platform("linux", "arm64" if HOST.arch == "amd64" else "amd64")


@pytest.fixture  # each case its own build root
def rule_runner() -> RuleRunner:
    return RuleRunner(
        rules=[*all_rules(), QueryRule(BuiltGoBinary, [GoBinaryBuildRequest])], target_types=target_types()
    )


def _spec(main_dir: str, *, cgo: bool = False) -> GoBinarySpec:
    return GoBinarySpec(
        address=Address(main_dir, target_name="bin"), main_dir=main_dir, binary_name="bin", x_defs=FrozenDict(),
        ldflags=(), gcflags=(), asmflags=(), tags=(), strip=True, cgo=cgo, env=FrozenDict(), platforms=(HOST,),
    )


# Each: the build root, the binary's directory, whether it sets cgo and the platform it is built for, then
# fragments of the one message.
CASES = {
    "missing_go_mod": (
        {"m/main.go": MAIN, "m/BUILD": 'go_cross_binary(name="bin")\n'},
        "m", False, HOST,
        ["the `main` of m:bin: no go.mod in m or any directory above it.", "go mod init"],
    ),
    "go_mod_without_go_module_target": (
        {"m/go.mod": GO_MOD, "m/main.go": MAIN, "m/BUILD": 'go_cross_binary(name="bin")\n'},
        "m", False, HOST,
        ["the `main` of m:bin: no `go_module` target owns m/go.mod. Add `go_module()` to m/BUILD, or run `pants tailor ::`."],
    ),
    "local_replace": (
        {"m/go.mod": GO_MOD + "\nreplace example.com/other => ../other\n", "m/main.go": MAIN, "m/BUILD": BINARY},
        "m", False, HOST,
        ["m:mod: m/go.mod replaces example.com/other with a local directory.", "list both modules in a go.work workspace"],
    ),
    "go_work_local_replace": (
        {
            "w/go.work": "go 1.27\n\nuse ./m\n\nreplace example.com/other => ../other\n",
            "w/m/go.mod": GO_MOD,
            "w/m/main.go": MAIN,
            "w/m/BUILD": BINARY,
        },
        "w/m", False, HOST,
        [
            "the `main` of w/m:bin: w/go.work replaces example.com/other with a local directory that is not a "
            "module of the workspace.",
            "add the directory to the go.work's `use` list",
        ],
    ),
    "pgo_profile": (
        {"m/go.mod": GO_MOD, "m/main.go": MAIN, "m/default.pgo": "not read\n", "m/BUILD": BINARY},
        "m", False, HOST,
        ["m:bin: m/default.pgo is a profile for profile-guided optimisation", "Move it out of the main package's"],
    ),
    "cgo_cross_compile": (
        {"m/go.mod": GO_MOD, "m/main.go": MAIN, "m/BUILD": BINARY},
        "m", True, OTHER,
        [f"m:bin: `cgo=True` builds only for this machine's platform ({HOST}), not {OTHER}", "set `cgo=False`"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_before_go_runs(rule_runner: RuleRunner, case: str) -> None:
    files, main_dir, cgo, platform, fragments = CASES[case]
    rule_runner.write_files(files)
    with pytest.raises(ExecutionError) as e:
        rule_runner.request(BuiltGoBinary, [GoBinaryBuildRequest(_spec(main_dir, cgo=cgo), platform)])
    (error,) = e.value.wrapped_exceptions
    for fragment in fragments:
        assert fragment in str(error)
    if case.startswith(("missing", "go_mod", "local", "go_work")):
        assert isinstance(error, GoModuleError)
