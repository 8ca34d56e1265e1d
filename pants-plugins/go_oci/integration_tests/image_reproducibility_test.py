"""Image digests depend only on inputs, and an edit changes only the layer it belongs to."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from go_oci.testing.nested_pants import PantsRepo

OUT = "testprojects.go.hello/image"
TARGET = "testprojects/go/hello:image"


def _metadata(repo: PantsRepo) -> dict:
    return json.loads(repo.dist(f"{OUT}/image.image.json").read_text())


def _layout_files(repo: PantsRepo) -> dict[str, bytes]:
    root = repo.dist(f"{OUT}/oci")
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _layers(meta: dict) -> dict[str, list[str]]:
    return {p["platform"]: [layer["digest"] for layer in p["layers"]] for p in meta["platforms"]}


def test_two_checkouts_build_the_same_image(tmp_path: Path) -> None:
    repos = [
        PantsRepo(tmp_path / "one" / "repo", local_store=tmp_path / "store-one"),
        PantsRepo(tmp_path / "two" / "nested" / "checkout", local_store=tmp_path / "store-two"),
    ]
    for repo in repos:
        repo.copy_testproject("hello")
        repo.run("package", TARGET).assert_success()
    first, second = (_metadata(r) for r in repos)
    assert first["index"]["digest"] == second["index"]["digest"]
    assert _layout_files(repos[0]) == _layout_files(repos[1])
    for name in ("image.linux_amd64.docker.tar", "image.linux_arm64.docker.tar", "image.spdx.json"):
        assert repos[0].dist(f"{OUT}/{name}").read_bytes() == repos[1].dist(f"{OUT}/{name}").read_bytes()


def test_an_edit_changes_only_its_own_layer(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    repo.copy_testproject("hello")
    project = repo.root / "testprojects/go/hello"
    repo.run("package", TARGET).assert_success()
    original = _metadata(repo)

    # Unique text each run: a shared local store must not make the rebuild a cache hit.
    (project / "static/index.html").write_text(f"<h1>edited {uuid.uuid4()}</h1>\n")
    repo.run("package", TARGET).assert_success()
    data_edit = _metadata(repo)

    main_go = project / "main.go"
    main_go.write_text(main_go.read_text().replace('"hello from %s/%s', f'"hello ({uuid.uuid4()}) from %s/%s'))
    repo.run("package", TARGET).assert_success()
    code_edit = _metadata(repo)

    for platform, (base, data, binary) in _layers(original).items():
        assert _layers(data_edit)[platform] == [base, _layers(data_edit)[platform][1], binary]
        assert _layers(data_edit)[platform][1] != data
        assert _layers(code_edit)[platform] == [base, _layers(data_edit)[platform][1], _layers(code_edit)[platform][2]]
        assert _layers(code_edit)[platform][2] != binary
    assert len({original["index"]["digest"], data_edit["index"]["digest"], code_edit["index"]["digest"]}) == 3
