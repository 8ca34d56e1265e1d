"""Invariants 1 and 4: outputs and cache keys do not depend on where a checkout is, and inputs are exact."""

from __future__ import annotations

import uuid
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo

HELLO = ("testprojects.go.hello/hello/linux_amd64/hello", "testprojects.go.hello/hello/linux_arm64/hello")


def test_checkouts_at_different_paths_are_byte_identical_and_share_a_cache(tmp_path: Path) -> None:
    first = PantsRepo(
        tmp_path / "alice" / "src" / "monorepo",
        local_store=tmp_path / "alice-store",
        named_caches=tmp_path / "alice-named-caches",
    )
    second = PantsRepo(
        tmp_path / "ci" / "workspace-7" / "checkout",
        local_store=tmp_path / "ci-store",
        named_caches=tmp_path / "ci-named-caches",
    )
    for repo in (first, second):
        repo.copy_testproject("hello")
        result = repo.run("package", "testprojects/go/hello:").assert_success()
        # Separate caches: each really compiled and linked both platforms, package by package.
        assert sorted(result.executed("Compile example.com/")) == [
            "Compile example.com/hello for linux/amd64",
            "Compile example.com/hello for linux/arm64",
        ]
        assert len(result.executed("Compile the Go standard library")) == 2
        assert sorted(result.executed("Link")) == [
            "Link testprojects/go/hello:hello for linux/amd64",
            "Link testprojects/go/hello:hello for linux/arm64",
        ]
    for relpath in HELLO:
        assert first.dist(relpath).read_bytes() == second.dist(relpath).read_bytes()

    # A third checkout, elsewhere, sharing the first one's process cache: every process is a hit.
    third = PantsRepo(
        tmp_path / "bob" / "code",
        local_store=tmp_path / "alice-store",
        named_caches=tmp_path / "bob-named-caches",
    )
    third.copy_testproject("hello")
    result = third.run("--stats-log", "package", "testprojects/go/hello:").assert_success()
    assert result.executed("Compile") == []
    assert result.executed("Link") == []
    assert result.executed("Download Go modules") == []
    assert result.counter("local_cache_requests_cached") >= 2
    for relpath in HELLO:
        assert third.dist(relpath).read_bytes() == first.dist(relpath).read_bytes()
    # No Go process ran at all, so nothing ever wrote to this checkout's Go build cache.
    assert not any((tmp_path / "bob-named-caches").glob("go_oci_go_build/*"))


def test_an_edit_reruns_only_its_package_its_dependents_and_the_link(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("features")
    target = "testprojects/go/features:features"
    repo.run("package", target).assert_success()
    binary = repo.dist("testprojects.go.features/features/linux_amd64/features")
    before = binary.read_bytes()

    unused = repo.root / "testprojects/go/features/internal/unused/unused.go"
    unused.write_text(unused.read_text() + "\nfunc Another() int { return 7 }\n")
    result = repo.run("package", target).assert_success()
    assert result.executed("Compile") == []
    assert result.executed("Link") == []
    assert binary.read_bytes() == before

    # The control: an edit to an imported package recompiles that package and relinks, and changes the
    # binary; its dependent compiles against its export data, which an edit of an embedded file leaves
    # alone, so that is all. The text is new on every run, or the local store (shared between runs)
    # would already hold those compiles.
    asset = repo.root / "testprojects/go/features/internal/greeting/assets/greeting.txt"
    asset.write_text(f"hello, edited world {uuid.uuid4()}\n")
    result = repo.run("package", target).assert_success()
    assert result.executed("Compile") == ["Compile example.com/features/internal/greeting for linux/amd64"]
    assert result.executed("Link") == ["Link testprojects/go/features:features for linux/amd64"]
    assert binary.read_bytes() != before

    # An edit of its API (a new exported function) changes its export data: the dependent recompiles
    # too, not the standard library.
    greeting = repo.root / "testprojects/go/features/internal/greeting/greeting.go"
    greeting.write_text(greeting.read_text() + f"\nfunc Edit() int {{ return {uuid.uuid4().int % 1000003} }}\n")
    result = repo.run("package", target).assert_success()
    assert sorted(result.executed("Compile")) == [
        "Compile example.com/features/cmd/features for linux/amd64",
        "Compile example.com/features/internal/greeting for linux/amd64",
    ]
    assert result.executed("Link") == ["Link testprojects/go/features:features for linux/amd64"]

    # A one-line edit of the main package alone: only it recompiles, and the link.
    main = repo.root / "testprojects/go/features/cmd/features/main.go"
    main.write_text(main.read_text() + f"\nvar edit = {uuid.uuid4().int % 1000003}\n")
    result = repo.run("package", target).assert_success()
    assert result.executed("Compile") == ["Compile example.com/features/cmd/features for linux/amd64"]
    assert result.executed("Link") == ["Link testprojects/go/features:features for linux/amd64"]
