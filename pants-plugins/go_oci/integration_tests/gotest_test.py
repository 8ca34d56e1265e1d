"""`pants test` and `check` on Go packages (testprojects/go/gotests, whose README says what plain go
prints): one result per package with tests, go's own output, cached results, arguments passed through;
vet's findings. (gofmt's are proven on real package targets by go/lint/gofmt_test.py, without a nested Pants.)"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from xml.etree import ElementTree

from go_oci.testing.nested_pants import PantsRepo

PROJECT = "testprojects/go/gotests"


def _summary(stderr: str) -> dict[str, str]:
    """Address -> `succeeded`/`failed`, from the test summary (`✓ <address> succeeded in 0.01s.`)."""
    return {
        m.group(2): m.group(3)
        for m in re.finditer(r"^(✓|✕) (\S+) (succeeded|failed) in [^\n]*$", stderr, re.M)
    }


def test_go_tests_run_per_package_with_gos_output(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo", extra_config="[go-test]\ntimeout = 5\n")
    repo.copy_testproject("gotests")
    repo.write(f"{PROJECT}/BUILD", 'go_module(name="mod")\n')

    first = repo.run("test", "--output=all", "--test-report", f"{PROJECT}::").assert_failure()
    packages = {f"{PROJECT}:mod#./{p}" for p in ("calc", "fixtures", "embedded", "unformatted", "vetfinding", "cmd/tool")}
    broken = {f"{PROJECT}:mod#./{p}" for p in ("failing", "broken", "hangs", "panics")}
    # One line per package with tests; `notests` has none.
    assert _summary(first.stderr) == {
        **{address: "succeeded" for address in packages},
        **{address: "failed" for address in broken},
    }
    out = first.stderr
    # go's own -v output, and the counts of top-level tests and examples.
    assert "=== RUN   TestAdd/mixed\n" in out and "    calc_test.go:54: calc: skipped on purpose\n" in out
    assert "go_oci: example.com/gotests/calc: 6 passed, 1 skipped\n" in out
    assert "BenchmarkAdd" not in out and "ExampleMul" not in out  # not run without -bench / an Output comment
    assert "fixtures: TestMain ran" in out  # TestMain, and testdata/ read from the package's directory
    assert "go_oci: example.com/gotests/fixtures: 2 passed\n" in out
    assert "go_oci: example.com/gotests/cmd/tool: 2 passed\n" in out
    assert "    failing_test.go:14: want 4, got 5\n" in out
    assert "go_oci: example.com/gotests/failing: 1 passed, 2 failed\n" in out  # subtests are not counted
    # A test that does not compile: the compiler's message, naming the target.
    assert f"{PROJECT}:mod#./broken: Go failed while compiling its tests" in out
    assert "broken_test.go:6:16: undefined: undefinedInBrokenTest" in out
    # A hang is stopped at [go-test].timeout, with go's report and what to do.
    assert "panic: test timed out after 5s" in out
    assert f"go_oci: the tests of {PROJECT}:mod#./hangs ran longer than [go-test].timeout (5s)" in out
    assert "panic: panics: distinctive panic message from TestPanics" in out
    assert "pants-sandbox-" not in out
    # A JUnit report per package, for CI systems.
    report = ElementTree.parse(repo.root / "dist/test/reports/testprojects.go.gotests.mod@..failing.xml").getroot()
    suite = report.find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "2")

    # Unchanged, passing packages are cache hits; failed ones run again, as nothing cached them.
    second = repo.run("test", f"{PROJECT}::").assert_failure()
    cached = set(re.findall(r"^✓ (\S+) succeeded in [^\n]*\(cached locally\)\.$", second.stderr, re.M))
    assert cached == packages
    # Only the compile that failed runs again (a failure is never cached).
    assert second.executed("Compile ") == ["Compile example.com/gotests/broken for linux/amd64"]

    # An edit recompiles and reruns only what imports the edited package.
    calc = repo.root / PROJECT / "calc/calc.go"
    # (New text on every run: the local store is shared with earlier runs on this machine.)
    calc.write_text(calc.read_text() + f"\nfunc unusedHelper() int {{ return {uuid.uuid4().int % 1000003} }}\n")
    third = repo.run("test", f"{PROJECT}:mod#./calc", f"{PROJECT}:mod#./fixtures").assert_success()
    assert re.search(rf"^✓ {PROJECT}:mod#./calc succeeded in [\d.]+s\.$", third.stderr, re.M)
    assert re.search(rf"^✓ {PROJECT}:mod#./fixtures succeeded in [^\n]*\(cached locally\)\.$", third.stderr, re.M)

    # `go test` flags after `--`: -run picks tests, -v is go's anyway, -bench runs the benchmark.
    picked = repo.run(
        "test", "--output=all", f"{PROJECT}:mod#./calc", "--", "-run", "TestAbs", "-bench", "Add", "-benchtime=1x"
    ).assert_success()
    assert "=== RUN   TestAbs\n" in picked.stderr and "TestAdd" not in picked.stderr
    assert re.search(r"^BenchmarkAdd(-\d+)?\s+1\s+", picked.stderr, re.M)
    assert "go_oci: example.com/gotests/calc: 1 passed\n" in picked.stderr


def test_go_vet_reports_findings_per_package(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("gotests")
    repo.write(f"{PROJECT}/BUILD", 'go_module(name="mod")\n')
    result = repo.run("check", f"{PROJECT}::").assert_failure()
    # vet's finding, at its file and line from the build root; a package whose tests do not compile says so.
    assert (
        f"{PROJECT}/vetfinding/vetfinding.go:19:9: Value passes lock by value: "
        "example.com/gotests/vetfinding.Counter contains sync.Mutex"
    ) in result.stderr
    assert f"{PROJECT}/broken/broken_test.go:6:16: undefined: undefinedInBrokenTest" in result.stderr
    # Only the packages with something to say have a section.
    sections = re.findall(r"^Partition #\d+ - (\S+):$", result.stderr, re.M)
    assert sections == [f"{PROJECT}:mod#./broken", f"{PROJECT}:mod#./vetfinding"]
    assert "✕ go vet failed." in result.stderr

    clean = repo.run("check", f"{PROJECT}:mod#./calc", f"{PROJECT}:mod#./cmd/tool").assert_success()
    assert "✓ go vet succeeded." in clean.stderr
