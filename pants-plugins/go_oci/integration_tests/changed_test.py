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


def _changed(repo: PantsRepo) -> list[str]:
    result = repo.run("--changed-since=HEAD", "--changed-dependents=transitive", "list").assert_success()
    return sorted(result.stdout.split())


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
    assert _changed(repo) == [
        "testprojects/go/features:features",
        "testprojects/go/features:features_premium",
        "testprojects/go/features:mod",
    ]
    _git(repo, "checkout", "-q", "--", ".")

    # A library module of a workspace reaches the binary in the other module, and the image reaches
    # its binary's module.
    (repo.root / "testprojects/go/workspace/lib/shout/shout.go").write_text(
        'package shout\n\nimport "strings"\n\nfunc Shout(s string) string { return strings.ToUpper(s) + "!!" }\n'
    )
    main = repo.root / "testprojects/go/hello/main.go"
    main.write_text(main.read_text() + "\n// edited\n")
    assert _changed(repo) == [
        "testprojects/go/hello:hello",
        "testprojects/go/hello:image",
        "testprojects/go/hello:mod",
        "testprojects/go/workspace/app:app",
        "testprojects/go/workspace/lib:mod",
    ]
