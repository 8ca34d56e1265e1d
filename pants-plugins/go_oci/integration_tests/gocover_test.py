"""`pants test --use-coverage` on Go packages (testprojects/go/gotests): a profile per package, equal to
the one plain `go test -coverprofile` writes, and the merged one, under dist/coverage/go/."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.tools import require_go

PROJECT = "testprojects/go/gotests"


def _plain_go_profile(go: str, module: Path, package: str, mode: str, out: Path, gocache: Path) -> str:
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOWORK": "off", "GOCACHE": str(gocache)}
    subprocess.run(
        [go, "test", "-count=1", f"-covermode={mode}", f"-coverprofile={out}", f"./{package}"],
        cwd=module, env=env, capture_output=True, check=True,
    )
    return out.read_text()


def test_coverage_profiles_per_package_equal_plain_gos_and_merge(tmp_path: Path) -> None:
    go = require_go()
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("gotests")
    repo.write(f"{PROJECT}/BUILD", 'go_module(name="mod")\n')
    module, gocache = repo.root / PROJECT, tmp_path / "gocache"
    calc, fixtures, panics = (f"{PROJECT}:mod#./{p}" for p in ("calc", "fixtures", "panics"))
    profiles = repo.dist("coverage/go")
    calc_profile = profiles / "testprojects.go.gotests.mod@..calc.out"
    fixtures_profile = profiles / "testprojects.go.gotests.mod@..fixtures.out"

    result = repo.run("test", "--use-coverage", "--output=all", calc, fixtures).assert_success()
    assert "coverage: 100.0% of statements\ngo_oci: example.com/gotests/calc: 6 passed, 1 skipped\n" in result.stderr
    calc_set, fixtures_set = calc_profile.read_text(), fixtures_profile.read_text()
    assert calc_set.startswith("mode: set\n")
    assert "example.com/gotests/calc/calc.go:10.26,10.40 1 1\n" in calc_set  # Add, which the tests call
    assert "example.com/gotests/fixtures/fixtures.go:22.4,23.1 1 0\n" in fixtures_set  # an error no test reaches
    assert calc_set == _plain_go_profile(go, module, "calc", "set", tmp_path / "calc.out", gocache)
    assert fixtures_set == _plain_go_profile(go, module, "fixtures", "set", tmp_path / "fixtures.out", gocache)
    # One mode line, then the packages' blocks in import path order.
    merged = (profiles / "all.out").read_text()
    assert merged == "mode: set\n" + calc_set.split("\n", 1)[1] + fixtures_set.split("\n", 1)[1]
    assert (
        "\ngo_oci: wrote Go cover profiles:\n"
        "  dist/coverage/go/testprojects.go.gotests.mod@..calc.out  (example.com/gotests/calc)\n"
        "  dist/coverage/go/testprojects.go.gotests.mod@..fixtures.out  (example.com/gotests/fixtures)\n"
        "  dist/coverage/go/all.out  (merged)\n"
    ) in result.stderr

    # [go-test].cover_mode; a test binary that panics writes no profile, which is said.
    counted = repo.run("test", "--use-coverage", "--go-test-cover-mode=count", calc, panics).assert_failure()
    calc_count = calc_profile.read_text()
    assert calc_count.startswith("mode: count\n") and "example.com/gotests/calc/calc.go:10.26,10.40 1 5\n" in calc_count
    assert calc_count == _plain_go_profile(go, module, "calc", "count", tmp_path / "calc.count.out", gocache)
    assert f"  no profile: {panics} (its test binary exited before writing one)" in counted.stderr
    # The directory holds this run's profiles only, so all.out merges exactly the files beside it.
    assert sorted(p.name for p in profiles.iterdir()) == ["all.out", calc_profile.name]
    assert (profiles / "all.out").read_text() == calc_count
