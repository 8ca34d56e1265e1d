"""Remote execution on a real REAPI engine (buildbox-casd + buildbox-run): a worker with no network and
nothing but a static /bin/sh builds a 2-platform image with third-party modules, an embedded file and a
data layer, byte for byte as a local build does; what reaches the network runs locally by design."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from go_oci.testing.goproxy import DEBIAN_GOCODE, debian_module
from go_oci.testing.nested_pants import PantsRepo, PantsResult
from go_oci.testing.remote_execution import remote_execution_engine, worker_platform
from go_oci.testing.tools import require_tool

MAIN_GO = """\
package main

import (
	_ "embed"
	"fmt"

	"github.com/google/uuid"
)

//go:embed banner.txt
var banner string

func main() {
	fmt.Print(banner)
	fmt.Println(uuid.NewSHA1(uuid.NameSpaceURL, []byte("go_oci")))
}
"""

MAIN_TEST_GO = """\
package main

import "testing"

func TestTheBannerIsEmbedded(t *testing.T) {
	if banner != "built remotely\\n" {
		t.Fatalf("banner = %q", banner)
	}
}
"""

BUILD = """\
go_module(name="mod")
go_cross_binary(name="app", platforms=["linux/amd64", "linux/arm64"])
files(name="assets", sources=["static/**"])
go_image(name="image", binary=":app", data=[":assets"], repository="acme/app", tags=["latest"])
"""

# What go_oci runs where the network is (README: Remote execution): the Go SDK and the static base's
# two wheels from the Python index, and the module download from the GOPROXY.
LOCAL_BY_DESIGN = ("Resolve the Go SDK", "Resolve certifi", "Resolve tzdata", "Download Go modules")


@pytest.fixture
def proxy(tmp_path: Path) -> tuple[Path, list[str]]:
    if not (DEBIAN_GOCODE / "github.com/google/uuid").exists():
        require_tool("golang-github-google-uuid-dev sources")
    proxy_dir = tmp_path / "goproxy"
    return proxy_dir, list(debian_module(proxy_dir, "github.com/google/uuid", "v1.3.0").go_sum_lines)


def _project(repo: PantsRepo, go_sum: list[str]) -> PantsRepo:
    repo.write("app/go.mod", "module example.com/app\n\ngo 1.27\n\nrequire github.com/google/uuid v1.3.0\n")
    repo.write("app/go.sum", "".join(f"{line}\n" for line in go_sum))
    repo.write("app/main.go", MAIN_GO)
    repo.write("app/main_test.go", MAIN_TEST_GO)
    repo.write("app/banner.txt", "built remotely\n")
    repo.write("app/static/index.html", "<h1>hello</h1>\n")
    repo.write("app/BUILD", BUILD)
    return repo


def _remote_repo(root: Path, proxy_dir: Path, address: str) -> PantsRepo:
    """A checkout whose go_oci targets build in a `remote_environment`, as README's Remote execution says."""
    repo = PantsRepo(
        root,
        local_store=root.parent / f"{root.name}-store",
        named_caches=root.parent / f"{root.name}-named",
        extra_config=(
            f'[go-oci]\ngoproxy = "file://{proxy_dir}"\ngosumdb = "off"\n\n'
            '[environments-preview.names]\nremote = "//:remote"\n'
        ),
    )
    toml = repo.root / "pants.toml"
    toml.write_text(
        toml.read_text().replace(
            "[GLOBAL]\n",
            "[GLOBAL]\n"
            "remote_execution = true\n"
            f'remote_execution_address = "{address}"\n'
            f'remote_store_address = "{address}"\n'
            "remote_cache_read = true\n",
            1,
        )
    )
    repo.write(
        "BUILD",
        f'remote_environment(name="remote", platform="{worker_platform()}")\n'
        '__defaults__(all=dict(environment="remote"))\n',
    )
    return repo


def _outputs(repo: PantsRepo) -> dict[str, bytes]:
    root = repo.root / "dist" / "app"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _counters(result: PantsResult) -> str:
    return "\n".join(line for line in result.stderr.splitlines() if re.match(r"\s+(local|remote)_", line))


def _error(result: PantsResult) -> str:
    """The user-facing message: from the error's first line to the end, without timestamps."""
    message = result.stderr[result.stderr.index("GoBuildError: ") :]
    message = re.sub(r"^\d\d:\d\d:\d\d\.\d\d \[\w+\] .*$\n?", "", message, flags=re.M).strip()
    # Both platforms fail; which reports first varies from run to run.
    return re.sub(r"linux/(amd64|arm64)", "linux/<arch>", message)


def test_an_image_built_on_a_remote_worker_equals_the_local_build(tmp_path: Path, proxy) -> None:
    proxy_dir, go_sum = proxy
    with remote_execution_engine(tmp_path / "engine") as address:
        remote = _project(_remote_repo(tmp_path / "ci" / "a", proxy_dir, address), go_sum)
        built = remote.run("--stats-log", "package", "app:image").assert_success()
        counters = _counters(built)
        # Every process ran on the worker but the four fetches, which ran here (and only once each).
        assert built.counter("local_execution_requests") == len(LOCAL_BY_DESIGN), counters
        for fetch in LOCAL_BY_DESIGN:
            assert len(re.findall(rf"Starting: {fetch}", built.stderr)) == 1, fetch
        assert built.counter("remote_execution_requests") == built.counter("remote_execution_success") > 20, counters
        assert built.counter("remote_execution_errors") == 0, counters
        for step in ("Compile example.com/app for linux/arm64", "Compile github.com/google/uuid for linux/amd64",
                     "Link app:app for linux/arm64", "Write the docker-archive of app:image for linux/amd64"):
            assert f"Starting: {step}" in built.stderr, step

        # Go tests build and run on the worker too (which has no `env` for Pants to read variables with).
        tested = remote.run("test", "--test-output=all", "app:mod#.").assert_success()
        assert "✓ app:mod#. succeeded" in tested.stderr and "(ran in remote environment `remote`)" in tested.stderr
        assert "--- PASS: TestTheBannerIsEmbedded" in tested.stderr

        # The same image, byte for byte, as a build on this machine with no remote configuration.
        local = _project(
            PantsRepo(tmp_path / "laptop" / "repo", extra_config=f'[go-oci]\ngoproxy = "file://{proxy_dir}"\ngosumdb = "off"\n'),
            go_sum,
        )
        local.run("package", "app:image").assert_success()
        assert _outputs(remote).keys() == _outputs(local).keys()
        assert _outputs(remote) == _outputs(local)
        assert {"image/oci/index.json", "image/image.linux_arm64.docker.tar"} <= _outputs(remote).keys()

        # A second checkout at another path, with an empty local store, gets every action's result from the
        # engine's cache. The four fetches run again here: Pants 2.17 writes no local result to a remote
        # cache while remote execution is on.
        second = _project(_remote_repo(tmp_path / "ci" / "b", proxy_dir, address), go_sum)
        again = second.run("--stats-log", "package", "app:image").assert_success()
        counters = _counters(again)
        assert again.counter("local_execution_requests") == len(LOCAL_BY_DESIGN), counters
        # A hit wins each race with the execution Pants starts alongside the lookup, unless the action is
        # so short that the engine answers first.
        assert (
            again.counter("remote_cache_requests_cached") + again.counter("remote_cache_speculation_local_completed_first")
            == again.counter("remote_cache_requests") - len(LOCAL_BY_DESIGN)
            > 20
        ), counters
        assert _outputs(second) == _outputs(remote)

        # A compile error on the worker reads as it does locally: no worker paths, no wrapper noise.
        broken = MAIN_GO.replace("fmt.Print(banner)", "fmt.Print(banner)\n\tundefinedThing()")
        messages = []
        for repo in (remote, local):
            repo.write("app/main.go", broken)
            messages.append(_error(repo.run("package", "app:app").assert_failure()))
        assert messages[0] == messages[1]
        assert "app/main.go:15:2: undefined: undefinedThing" in messages[0]
        assert "app:app: Go failed while compiling for linux/<arch>" in messages[0]
