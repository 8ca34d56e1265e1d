"""README's "Adopting go_oci in another Pants repo", followed in new repositories.

Each repository is set up only with that section's blocks (read from README.md, so the docs cannot
drift) and a Go service, then runs `pants tailor ::` and `pants package ::`. The two tests cover each
choice once: the launcher copied alone with the plugin as a wheel, and Pants from a venv with the
vendored plugin. Each prints its time from an empty directory to a built image (`-- -s` shows it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from go_oci.elf import read_linkage
from go_oci.testing.nested_pants import PLUGIN_PARENT, PantsResult
from go_oci.testing.tools import require_tool

_BLOCK = re.compile(r"<!-- adoption: (\S+) -->\n```[a-z]*\n(.*?)```", re.S)
README_BLOCKS = dict(_BLOCK.findall(Path("README.md").read_text()))
# Built by the test's `runtime_package_dependencies` from pants-plugins/go_oci:dist, as README says.
WHEEL = Path("pants_go_oci-0.1.0-py3-none-any.whl")
# The test's own interpreter has pantsbuild.pants 2.17.1 installed, as README's venv does.
VENV_PANTS = (sys.executable, "-c", "from pants.bin.pants_loader import main; main()")

# The one Go service every route builds; `tailor` writes its BUILD file, the test adds the image.
SERVICE = {
    "services/hello/go.mod": "module example.com/hello\n\ngo 1.27\n",
    "services/hello/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n',
}
IMAGE = 'go_image(name="image", binary=":hello", repository="acme/hello")\n'


def _new_repo(root: Path, *config_blocks: str) -> Path:
    root.mkdir(parents=True)
    (root / "pants.toml").write_text("\n".join(README_BLOCKS[name] for name in config_blocks))
    (root / ".gitignore").write_text(README_BLOCKS["gitignore"])
    for relpath, content in SERVICE.items():
        (root / relpath).parent.mkdir(parents=True, exist_ok=True)
        (root / relpath).write_text(content)
    return root


def _pants(root: Path, pants: tuple[str, ...], *args: str) -> PantsResult:
    # Nothing of the outer Pants leaks in: the new repo's pants.toml (or its launcher) must say it all.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEX_", "PANTS_"))}
    env["NO_SCIE_WARNING"] = "1"
    proc = subprocess.run(
        [*pants, "--no-pantsd", "--no-dynamic-ui", *args], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    return PantsResult(proc.returncode, proc.stdout, proc.stderr)


def _git_status(root: Path) -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True)
    return status.stdout.splitlines()


def _tailor_and_package(root: Path, pants: tuple[str, ...]) -> str:
    """The image index digest."""
    git = require_tool("git")
    subprocess.run([git, "init", "-q"], cwd=root, check=True)
    subprocess.run([git, "add", "-A"], cwd=root, check=True)
    committer = ["-c", "user.name=adopter", "-c", "user.email=adopter@example.com"]
    subprocess.run([git, *committer, "commit", "-qm", "adopt go_oci"], cwd=root, check=True)

    _pants(root, pants, "tailor", "::").assert_success()
    # Only the service gets a BUILD file: nothing for a vendored plugin, nothing Pants wrote left untracked.
    assert _git_status(root) == ["?? services/hello/BUILD"]
    build = root / "services/hello/BUILD"
    assert build.read_text() == 'go_cross_binary()\n\ngo_module(\n    name="mod",\n)\n'  # the binary is :hello
    build.write_text(build.read_text() + IMAGE)

    _pants(root, pants, "package", "::").assert_success()
    assert _git_status(root) == ["?? services/hello/BUILD"]  # .gitignore covers every output
    for arch in ("amd64", "arm64"):
        binary = root / f"dist/services.hello/hello/linux_{arch}/hello"
        assert read_linkage(binary.read_bytes()).machine == arch
    layout = root / "dist/services.hello/image/oci"
    index_digest = json.loads((layout / "index.json").read_text())["manifests"][0]["digest"]
    index = json.loads((layout / "blobs/sha256" / index_digest.split(":")[1]).read_text())
    platforms = [(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]]
    assert platforms == [("linux", "amd64"), ("linux", "arm64")]
    return index_digest


@pytest.fixture(scope="module")
def wheel_route(tmp_path_factory) -> str:
    started = time.monotonic()
    root = _new_repo(tmp_path_factory.mktemp("adopt") / "wheel-repo", "wheel")
    shutil.copy("pants", root / "pants")  # `cp "$GO_OCI/pants" ./pants`, and nothing else of go_oci
    (root / "3rdparty/wheels").mkdir(parents=True)
    shutil.copy(WHEEL, root / "3rdparty/wheels" / WHEEL.name)
    index_digest = _tailor_and_package(root, ("./pants",))
    print(f"launcher + wheel: empty directory to built image in {time.monotonic() - started:.1f} s")
    return index_digest


def test_launcher_copied_alone_with_the_plugin_wheel(wheel_route: str) -> None:
    assert wheel_route.startswith("sha256:")


def test_pants_from_a_venv_with_the_vendored_plugin(tmp_path: Path, wheel_route: str) -> None:
    started = time.monotonic()
    root = _new_repo(tmp_path / "vendor-repo", "vendor", "pex-cli", "podman")
    # `cp -r "$GO_OCI/pants-plugins/go_oci" pants-plugins/`: its BUILD files and layertool's go.mod too.
    shutil.copytree(PLUGIN_PARENT / "go_oci", root / "pants-plugins/go_oci")
    assert (root / "pants-plugins/go_oci/BUILD").is_file() and (root / "pants-plugins/go_oci/oci/layertool/go.mod").is_file()
    index_digest = _tailor_and_package(root, VENV_PANTS)
    print(f"venv + vendored source: empty directory to built image in {time.monotonic() - started:.1f} s")
    # However the plugin and Pants are installed, the image is the same.
    assert index_digest == wheel_route

    # The podman settings README gives run the image here (run_image picks podman or docker).
    require_tool("podman")
    result = _pants(root, VENV_PANTS, "run", "services/hello:image").assert_success()
    assert result.stdout.strip().splitlines()[-1] == "hello"


def test_readme_pex_cli_block_is_what_the_launcher_prints() -> None:
    printed = subprocess.run(["./pants", "--print-pex-cli-config"], capture_output=True, text=True, check=True).stdout
    assert printed == README_BLOCKS["pex-cli"]


def test_a_pex_tool_from_an_older_launcher_is_rebuilt_to_the_pinned_bytes(tmp_path: Path) -> None:
    # An older launcher's cache: its pex tool (here stale bytes) and no known_versions file. The venv is the
    # real one, linked in, so only the pex tool is rebuilt.
    real_cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "go_oci_bootstrap"
    venv = next(real_cache.glob("pants-*-py3.9"))
    (tmp_path / venv.name).symlink_to(venv)
    stale = tmp_path / "pex-2.1.137/pex"
    stale.parent.mkdir()
    stale.write_bytes(b"a pex tool built from a shared pex root")
    env = {**os.environ, "GO_OCI_BOOTSTRAP_CACHE": str(tmp_path)}
    printed = subprocess.run(
        ["./pants", "--print-pex-cli-config"], env=env, capture_output=True, text=True, check=True
    ).stdout
    # Same bytes as everywhere else: README's block holds, but for where this cache lives.
    assert printed.replace(str(tmp_path), "%(homedir)s/.cache/go_oci_bootstrap") == README_BLOCKS["pex-cli"]
