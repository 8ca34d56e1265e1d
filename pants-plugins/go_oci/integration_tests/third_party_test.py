"""Third-party modules: fetched once through a (file) GOPROXY made from Debian's module sources."""

from __future__ import annotations

import subprocess
import uuid as py_uuid
from pathlib import Path

import pytest

from go_oci.testing.goproxy import DEBIAN_GOCODE, debian_module
from go_oci.testing.nested_pants import PantsRepo
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
