"""Builds the testprojects with a real Pants and runs what comes out, natively and under qemu."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from go_oci.elf import read_linkage
from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.tools import require_tool


def _run(binary: Path, *args: str, emulator: str | None = None) -> str:
    argv = [emulator, str(binary), *args] if emulator else [str(binary), *args]
    return subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> PantsRepo:
    repo = PantsRepo(tmp_path_factory.mktemp("build") / "repo")
    for name in ("hello", "features", "workspace"):
        repo.copy_testproject(name)
    repo.run("package", "testprojects/go::").assert_success()
    return repo


def test_stdlib_service_for_two_platforms(built: PantsRepo) -> None:
    amd64 = built.dist("testprojects.go.hello/hello/linux_amd64/hello")
    arm64 = built.dist("testprojects.go.hello/hello/linux_arm64/hello")
    assert read_linkage(amd64.read_bytes()).machine == "amd64"
    assert read_linkage(amd64.read_bytes()).is_static
    assert read_linkage(arm64.read_bytes()).machine == "arm64"
    assert read_linkage(arm64.read_bytes()).is_static
    assert _run(amd64, "-version") == "hello 1.0.0 linux/amd64\n"
    assert _run(arm64, "-version", emulator=require_tool("qemu-aarch64-static")) == "hello 1.0.0 linux/arm64\n"


def test_internal_packages_embed_tags_and_x_defs(built: PantsRepo) -> None:
    features = built.dist("testprojects.go.features/features/linux_amd64/features")
    assert _run(features) == "version=2.3.4\ngreeting=hello, embedded world\nedition=community\n"

    premium = built.dist("testprojects.go.features/features_premium/linux_amd64/features-premium")
    assert _run(premium) == "version=2.3.4 premium\ngreeting=hello, embedded world\nedition=premium\n"

    arm_v7 = built.dist("testprojects.go.features/features_premium/linux_arm_v7/features-premium")
    assert read_linkage(arm_v7.read_bytes()).machine == "arm"
    assert _run(arm_v7, emulator=require_tool("qemu-arm-static")).endswith("edition=premium\n")


def test_go_work_workspace(built: PantsRepo) -> None:
    app = built.dist("testprojects.go.workspace.app/app/linux_amd64/app")
    assert _run(app) == "WORKSPACE!\n"


def test_run_goal_builds_for_the_host(built: PantsRepo) -> None:
    result = built.run("run", "testprojects/go/hello:hello", "--", "-version").assert_success()
    assert result.stdout == "hello 1.0.0 linux/amd64\n"


def test_dependencies_reach_the_modules(built: PantsRepo) -> None:
    # The binary depends on its main package, which imports a package of the workspace's other module.
    result = built.run("dependencies", "--transitive", "testprojects/go/workspace/app:app").assert_success()
    assert result.stdout.split() == ["testprojects/go/workspace/app:mod#./cmd/app", "testprojects/go/workspace/lib:mod#./shout"]


def test_tailor_output_builds(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.write("svc/go.mod", "module example.com/svc\n\ngo 1.27\n")
    repo.write("svc/internal/calc/calc.go", "package calc\n\nfunc Double(n int) int { return 2 * n }\n")
    repo.write(
        "svc/cmd/doubler/main.go",
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/svc/internal/calc"\n)\n\n'
        "func main() { fmt.Println(calc.Double(21)) }\n",
    )
    repo.write("svc/cmd/doubler/main_test.go", "package main\n")
    repo.write("svc/tools/gen.go", "//go:build ignore\n\npackage main\n\nfunc main() {}\n")

    repo.run("tailor", "::").assert_success()
    assert (repo.root / "svc/BUILD").read_text() == 'go_module(\n    name="mod",\n)\n'
    assert (repo.root / "svc/cmd/doubler/BUILD").read_text() == "go_cross_binary()\n"
    assert not (repo.root / "svc/tools/BUILD").exists()

    repo.run("package", "--go-oci-default-platforms=['linux/amd64']", "::").assert_success()
    assert _run(repo.dist("svc.cmd.doubler/doubler/linux_amd64/doubler")) == "42\n"
    # Idempotent: a second tailor finds nothing to add.
    assert repo.run("tailor", "--check", "::").exit_code == 0
