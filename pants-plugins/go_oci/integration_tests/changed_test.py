"""`--changed-since` selects exactly the go_oci targets an edit reaches, through inferred dependencies."""

from __future__ import annotations

import subprocess
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.tools import require_tool


def _git(repo: PantsRepo, *args: str) -> None:
    subprocess.run(
        [require_tool("git"), "-c", "user.name=go_oci", "-c", "user.email=go_oci@example.com", *args],
        cwd=repo.root, check=True, capture_output=True,
    )


def _without_generators(stdout: str) -> list[str]:
    # Whether Pants lists a go_module (which depends on the package targets it generates) next to its
    # packages varies with which of them changed; the packages, binaries and images are what count.
    return sorted(a for a in stdout.split() if not a.endswith(":mod"))


def _changed(repo: PantsRepo) -> list[str]:
    result = repo.run("--changed-since=HEAD", "--changed-dependents=transitive", "list").assert_success()
    return _without_generators(result.stdout)


def test_changed_since_selects_the_dependents_of_an_edited_package(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    for project in ("hello", "features", "workspace"):
        repo.copy_testproject(project)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    assert _changed(repo) == []

    greeting = repo.root / "testprojects/go/features/internal/greeting/greeting.go"
    greeting.write_text(greeting.read_text() + "\n// edited\n")
    # The edited package, the packages importing it and their binaries.
    assert _changed(repo) == [
        "testprojects/go/features:features",
        "testprojects/go/features:features_premium",
        "testprojects/go/features:mod#./cmd/features",
        "testprojects/go/features:mod#./internal/greeting",
    ]
    _git(repo, "checkout", "-q", "--", ".")

    # A package no binary imports selects no binary.
    unused = repo.root / "testprojects/go/features/internal/unused/unused.go"
    unused.write_text(unused.read_text() + "\n// edited\n")
    assert _changed(repo) == ["testprojects/go/features:mod#./internal/unused"]
    _git(repo, "checkout", "-q", "--", ".")

    # A library module of a workspace reaches the binary in the other module, and the image reaches
    # its binary's main package.
    (repo.root / "testprojects/go/workspace/lib/shout/shout.go").write_text(
        'package shout\n\nimport "strings"\n\nfunc Shout(s string) string { return strings.ToUpper(s) + "!!" }\n'
    )
    main = repo.root / "testprojects/go/hello/main.go"
    main.write_text(main.read_text() + "\n// edited\n")
    assert _changed(repo) == [
        "testprojects/go/hello:hello",
        "testprojects/go/hello:image",
        "testprojects/go/hello:mod#.",
        "testprojects/go/workspace/app:app",
        "testprojects/go/workspace/app:mod#./cmd/app",
        "testprojects/go/workspace/lib:mod#./shout",
    ]

    # The graph goals show the import graph: binary -> main package -> imported packages.
    dependencies = repo.run("dependencies", "--transitive", "testprojects/go/workspace/app:app").assert_success()
    assert dependencies.stdout.split() == [
        "testprojects/go/workspace/app:mod#./cmd/app",
        "testprojects/go/workspace/lib:mod#./shout",
    ]
    dependents = repo.run("dependents", "--transitive", "testprojects/go/workspace/lib:mod#./shout").assert_success()
    assert _without_generators(dependents.stdout) == [
        "testprojects/go/workspace/app:app",
        "testprojects/go/workspace/app:mod#./cmd/app",
    ]
