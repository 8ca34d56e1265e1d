"""Remote cache sharing with a real REAPI server: one checkout builds (and tests), another at another
path with empty local caches gets every go_oci process (and test result) from the remote cache and the
same bytes, and a third that edits one package compiles only that package and links."""

from __future__ import annotations

import re
from pathlib import Path

from go_oci.testing.buildgrid import buildgrid_cache
from go_oci.testing.nested_pants import PantsRepo

OUT = "testprojects.go.hello"


def _remote_config(address: str, *, write: bool) -> str:
    return (
        "[GLOBAL]\n"
        f'remote_store_address = "{address}"\n'
        "remote_cache_read = true\n"
        f"remote_cache_write = {str(write).lower()}\n"
        # As README recommends: a hit is checked to exist remotely, its outputs fetched only if read.
        'cache_content_behavior = "validate"\n'
        "remote_store_rpc_concurrency = 16\n"
        "remote_cache_rpc_concurrency = 16\n"
        # This test is about cache keys, not latency: a lookup slowed by a busy machine must not miss.
        "remote_cache_rpc_timeout_millis = 60000\n"
    )


def _with_remote(repo: PantsRepo, address: str, *, write: bool) -> PantsRepo:
    # [GLOBAL] already exists in the generated pants.toml: add the options to it.
    toml = repo.root / "pants.toml"
    toml.write_text(toml.read_text().replace("[GLOBAL]\n", _remote_config(address, write=write), 1))
    return repo


def _outputs(repo: PantsRepo) -> dict[str, bytes]:
    root = repo.root / "dist" / OUT
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_second_checkout_gets_everything_from_the_remote_cache(tmp_path: Path) -> None:
    with buildgrid_cache(tmp_path / "buildgrid") as address:
        alice = PantsRepo(
            tmp_path / "alice" / "monorepo", local_store=tmp_path / "alice-store", named_caches=tmp_path / "alice-named"
        )
        bob = PantsRepo(
            tmp_path / "ci" / "runner-3" / "checkout", local_store=tmp_path / "bob-store", named_caches=tmp_path / "bob-named"
        )
        for repo, write in ((alice, True), (bob, False)):
            repo.copy_testproject("hello")
            repo.copy_testproject("gotests")
            repo.write("testprojects/go/gotests/BUILD", 'go_module(name="mod")\n')
            _with_remote(repo, address, write=write)

        # Go tests' results are shared too: B gets A's passing result without building or running anything.
        calc = "testprojects/go/gotests:mod#./calc"
        alice.run("test", calc).assert_success()
        tested = bob.run("test", calc).assert_success()
        assert re.search(rf"^✓ {re.escape(calc)} succeeded in [^\n]*\(cached remotely\)\.$", tested.stderr, re.M)
        assert re.findall(r"Completed: ((?:Compile|Link) [^\n]*)", tested.stderr) == []

        first = alice.run("--stats-log", "package", "testprojects/go/hello:image").assert_success()
        assert first.counter("remote_cache_write_errors") == 0
        assert first.counter("remote_cache_write_successes") == first.counter("remote_cache_requests") > 0

        second = bob.run("--stats-log", "package", "testprojects/go/hello:image").assert_success()
        counters = "\n".join(line for line in second.stderr.splitlines() if "remote_" in line)
        # Every process of the build (SDK and wheel resolves, dist list, analysis, compiles, layertool,
        # layers, archives, build info) had the same key in B as in A: no lookup missed...
        assert second.counter("remote_cache_requests") == first.counter("remote_cache_requests"), counters
        assert second.counter("remote_cache_requests_uncached") == 0, counters
        # ...and every result came from the remote cache, unless a process was so short that the local run
        # Pants 2.17 races against each lookup finished first. No compile is that short.
        assert (
            second.counter("remote_cache_requests_cached")
            + second.counter("remote_cache_speculation_local_completed_first")
            == second.counter("remote_cache_requests")
        ), counters
        assert re.findall(r"Completed: ((?:Compile|Link) [^\n]*)", second.stderr) == []
        assert _outputs(bob) == _outputs(alice)
        assert any(name.endswith("docker.tar") for name in _outputs(bob))

        # A third fresh runner builds the next commit, a one-line edit of the main package: from the
        # remote cache it gets the standard library and everything else, and compiles only that package
        # and links, per platform.
        carol = PantsRepo(
            tmp_path / "ci" / "runner-9" / "checkout", local_store=tmp_path / "carol-store", named_caches=tmp_path / "carol-named"
        )
        carol.copy_testproject("hello")
        _with_remote(carol, address, write=False)
        main = carol.root / "testprojects/go/hello/main.go"
        main.write_text(main.read_text() + "\nvar edited = 1\n")
        third = carol.run("package", "testprojects/go/hello:hello").assert_success()
        # (Completed, not Starting: Pants 2.17 starts a local run while each remote lookup is pending.)
        assert sorted(re.findall(r"Completed: ((?:Compile|Link) [^\n]*)", third.stderr)) == [
            "Compile example.com/hello for linux/amd64",
            "Compile example.com/hello for linux/arm64",
            "Link testprojects/go/hello:hello for linux/amd64",
            "Link testprojects/go/hello:hello for linux/arm64",
        ]
