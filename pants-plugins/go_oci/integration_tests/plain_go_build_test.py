"""The package-granular build gives the bytes of a plain `go build -trimpath -buildvcs=false` with the same
SDK and flags: per-package compiles against export data and the link from archives change nothing in the
binary, on Linux platforms and js/wasm."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo
from go_oci.testing.tools import require_go

# (dist directory, binary, package dir in the repo, main package, go build flags)
FEATURES_LDFLAGS = "-buildid= -s -w -X=main.version=2.3.4"
PREMIUM_LDFLAGS = "-buildid= -s -w '-X=main.version=2.3.4 premium'"
CASES = [
    ("testprojects.go.hello/hello", "hello", "testprojects/go/hello", ".", ["-ldflags=-buildid= -s -w -X=main.version=1.0.0"]),
    # js/wasm: go compiles without DWARF there.
    ("testprojects.go.hello/hello_wasm", "hello", "testprojects/go/hello", ".", ["-ldflags=-buildid= -s -w"]),
    ("testprojects.go.features/features", "features", "testprojects/go/features", "./cmd/features", [f"-ldflags={FEATURES_LDFLAGS}"]),
    ("testprojects.go.features/features_arm64", "features", "testprojects/go/features", "./cmd/features", [f"-ldflags={FEATURES_LDFLAGS}"]),
    (
        "testprojects.go.features/features_premium", "features-premium", "testprojects/go/features", "./cmd/features",
        ["-tags=premium", f"-ldflags={PREMIUM_LDFLAGS}"],
    ),
    ("testprojects.go.workspace.app/app", "app", "testprojects/go/workspace/app", "./cmd/app", ["-ldflags=-buildid= -s -w"]),
    ("testprojects.go.workspace.app/app_arm64", "app", "testprojects/go/workspace/app", "./cmd/app", ["-ldflags=-buildid= -s -w"]),
    (
        "src.go.greeter/greeter", "greeter", "src/go/greeter", "./cmd/greeter",
        ["-ldflags=-buildid= -s -w -X=example.com/greeter/internal/version.Version=1.2.0"],
    ),
]
PLATFORM_ENV = {
    "linux_amd64": {"GOOS": "linux", "GOARCH": "amd64"},
    "linux_arm64": {"GOOS": "linux", "GOARCH": "arm64"},
    "linux_arm_v7": {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"},
    "js_wasm": {"GOOS": "js", "GOARCH": "wasm"},
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_binaries_equal_plain_go_build(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    for name in ("hello", "features", "workspace"):
        repo.copy_testproject(name)
    shutil.copytree("src/go/greeter", repo.root / "src/go/greeter")
    # arm64 builds of the module with embed and tags, and of the workspace.
    with (repo.root / "testprojects/go/features/BUILD").open("a") as f:
        f.write('\ngo_cross_binary(name="features_arm64", main="./cmd/features", platforms=["linux/arm64"], '
                'binary_name="features", x_defs={"main.version": "2.3.4"})\n')
    with (repo.root / "testprojects/go/hello/BUILD").open("a") as f:
        f.write('\ngo_cross_binary(name="hello_wasm", platforms=["js/wasm"], binary_name="hello")\n')
    with (repo.root / "testprojects/go/workspace/app/BUILD").open("a") as f:
        f.write('\ngo_cross_binary(name="app_arm64", main="./cmd/app", platforms=["linux/arm64"], binary_name="app")\n')
    repo.run("package", "testprojects/go::", "src/go/greeter:greeter").assert_success()

    go = require_go()
    compared, mismatches = [], []
    for out_dir, binary, package_dir, main, flags in CASES:
        platforms = sorted(p.name for p in (repo.root / "dist" / out_dir).iterdir())
        assert platforms, out_dir
        for platform in platforms:
            plain = tmp_path / "plain" / out_dir / platform / binary
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "GOENV": "off",
                "GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=readonly", "CGO_ENABLED": "0",
                "GOCACHE": str(tmp_path / "gocache"), "GOPATH": str(tmp_path / "gopath"),
                "GOWORK": "" if "workspace" in package_dir else "off", **PLATFORM_ENV[platform],
            }
            subprocess.run(
                [go, "build", "-trimpath", "-buildvcs=false", *flags, "-o", str(plain), main],
                cwd=repo.root / package_dir, env=env, check=True, capture_output=True,
            )
            built = repo.dist(f"{out_dir}/{platform}/{binary}")
            compared.append(f"{out_dir}/{platform}")
            if _sha256(built) != _sha256(plain):
                mismatches.append(f"{out_dir}/{platform}")
    assert mismatches == []
    assert {c.rsplit("/", 1)[1] for c in compared} == {"linux_amd64", "linux_arm64", "linux_arm_v7", "js_wasm"}
    assert len(compared) == 11, compared
