"""layertool layer: the bytes of a layer depend on the spec and file contents only."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tarfile
from pathlib import Path
from typing import Callable, List

import pytest

from go_oci.oci.layer import LayerEntry, LayerResult, tar_spec_json_bytes

ENTRIES = [
    LayerEntry.file("app/server", "src/server.bin", mode=0o755),
    LayerEntry.file("app/data/config.yaml", "src/config.yaml"),
    LayerEntry.directory("tmp", mode=0o1777),
    LayerEntry.symlink("etc/localtime", "/usr/share/zoneinfo/UTC"),
    LayerEntry.directory("home/nonroot", mode=0o700),
]


def make_sources(root: Path, *, mtime: int, mode: int) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "server.bin").write_bytes(b"\x7fELF pretend binary")
    (root / "src" / "config.yaml").write_text("greeting: hello\n")
    for path in (root / "src").iterdir():
        path.chmod(mode)
        os.utime(path, (mtime, mtime))
    (root / "spec.json").write_bytes(tar_spec_json_bytes(ENTRIES))


def build_layer(run_layertool: Callable, cwd: Path, *flags: str) -> LayerResult:
    result = run_layertool("layer", *flags, "spec.json", "layer.tar.gz", cwd=cwd)
    return LayerResult.from_json_bytes(result.stdout.encode())


def read_tar(layer: Path) -> List[tarfile.TarInfo]:
    with tarfile.open(layer, "r:gz") as archive:
        return archive.getmembers()


def test_identical_inputs_give_identical_bytes_whatever_the_host_metadata(
    run_layertool: Callable, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    make_sources(first, mtime=1_600_000_000, mode=0o600)
    old_umask = os.umask(0o077)
    try:
        make_sources(second, mtime=1_700_000_000, mode=0o777)
    finally:
        os.umask(old_umask)

    first_result = build_layer(run_layertool, first)
    second_result = build_layer(run_layertool, second)

    first_bytes = (first / "layer.tar.gz").read_bytes()
    assert first_bytes == (second / "layer.tar.gz").read_bytes()
    assert first_result == second_result
    assert first_result.digest == "sha256:" + hashlib.sha256(first_bytes).hexdigest()
    assert first_result.size == len(first_bytes)
    assert (
        first_result.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(first_bytes)).hexdigest()
    )


def test_content_change_changes_digest(run_layertool: Callable, tmp_path: Path) -> None:
    make_sources(tmp_path, mtime=0, mode=0o644)
    before = build_layer(run_layertool, tmp_path)
    (tmp_path / "src" / "config.yaml").write_text("greeting: bye\n")
    after = build_layer(run_layertool, tmp_path)
    assert before.digest != after.digest and before.diff_id != after.diff_id


def test_gzip_header_has_no_name_and_no_time(run_layertool: Callable, tmp_path: Path) -> None:
    make_sources(tmp_path, mtime=1_700_000_000, mode=0o644)
    build_layer(run_layertool, tmp_path)
    header = (tmp_path / "layer.tar.gz").read_bytes()[:10]
    # ID1 ID2, CM=deflate, FLG=0 (no FNAME/FCOMMENT/FEXTRA), MTIME=0, XFL=0, OS=255 (unknown).
    assert header == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def test_entries_are_sorted_owned_by_root_and_stamped_at_epoch(
    run_layertool: Callable, tmp_path: Path
) -> None:
    make_sources(tmp_path, mtime=1_700_000_000, mode=0o600)
    build_layer(run_layertool, tmp_path)
    members = read_tar(tmp_path / "layer.tar.gz")

    summary = [(m.name, m.type, m.mode, m.linkname) for m in members]
    assert summary == [
        ("app", tarfile.DIRTYPE, 0o755, ""),  # implied parent
        ("app/data", tarfile.DIRTYPE, 0o755, ""),  # implied parent
        ("app/data/config.yaml", tarfile.REGTYPE, 0o644, ""),  # default file mode
        ("app/server", tarfile.REGTYPE, 0o755, ""),
        ("etc", tarfile.DIRTYPE, 0o755, ""),
        ("etc/localtime", tarfile.SYMTYPE, 0o777, "/usr/share/zoneinfo/UTC"),
        ("home", tarfile.DIRTYPE, 0o755, ""),
        ("home/nonroot", tarfile.DIRTYPE, 0o700, ""),
        ("tmp", tarfile.DIRTYPE, 0o1777, ""),
    ]
    for member in members:
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        assert member.mtime == 0
        assert not member.pax_headers, member.name  # no atime/ctime/xattrs
    with tarfile.open(tmp_path / "layer.tar.gz", "r:gz") as archive:
        assert archive.extractfile("app/server").read() == b"\x7fELF pretend binary"

    raw = gzip.decompress((tmp_path / "layer.tar.gz").read_bytes())
    assert raw[257:263] == b"ustar\x00"  # POSIX ustar, not the GNU format
    assert raw[:4] == b"app/"  # directories carry the trailing slash


def test_mtime_flag(run_layertool: Callable, tmp_path: Path) -> None:
    make_sources(tmp_path, mtime=0, mode=0o644)
    build_layer(run_layertool, tmp_path, "--mtime", "315532800")
    assert {m.mtime for m in read_tar(tmp_path / "layer.tar.gz")} == {315532800}


def test_compression_level_changes_only_the_compressed_bytes(
    run_layertool: Callable, tmp_path: Path
) -> None:
    make_sources(tmp_path, mtime=0, mode=0o644)
    (tmp_path / "src" / "config.yaml").write_text("hello " * 10_000)
    fast = build_layer(run_layertool, tmp_path, "--level", "1")
    best = build_layer(run_layertool, tmp_path, "--level", "9")
    assert fast.diff_id == best.diff_id and fast.digest != best.digest


def test_long_paths_use_pax_records(run_layertool: Callable, tmp_path: Path) -> None:
    long_path = "app/" + "x" * 120  # a name too long for USTAR, even split at a slash
    (tmp_path / "f").write_text("x")
    (tmp_path / "spec.json").write_bytes(tar_spec_json_bytes([LayerEntry.file(long_path, "f")]))
    build_layer(run_layertool, tmp_path)
    members = read_tar(tmp_path / "layer.tar.gz")
    assert members[-1].name == long_path
    assert members[-1].pax_headers == {"path": long_path}


def test_declared_owners_are_numeric_and_implied_parents_stay_root(
    run_layertool: Callable, tmp_path: Path
) -> None:
    (tmp_path / "f").write_text("x")
    entries = [
        LayerEntry.directory("home/nonroot", 0o700, uid=65532, gid=65532),
        LayerEntry.file("srv/state/seed", "f", uid=1000, gid=2000),
        LayerEntry.symlink("srv/current", "state"),
    ]
    (tmp_path / "spec.json").write_bytes(tar_spec_json_bytes(entries))
    build_layer(run_layertool, tmp_path)
    owners = {m.name: (m.uid, m.gid, m.uname, m.gname, m.mode) for m in read_tar(tmp_path / "layer.tar.gz")}
    assert owners == {
        "home": (0, 0, "", "", 0o755),
        "home/nonroot": (65532, 65532, "", "", 0o700),
        "srv": (0, 0, "", "", 0o755),
        "srv/current": (0, 0, "", "", 0o777),
        "srv/state": (0, 0, "", "", 0o755),
        "srv/state/seed": (1000, 2000, "", "", 0o644),
    }
    raw = gzip.decompress((tmp_path / "layer.tar.gz").read_bytes())
    assert b"PaxHeaders" not in raw  # ids fit the USTAR header


def test_an_owner_changes_the_digest_and_root_is_the_default(run_layertool: Callable, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    digests = []
    for entry in (
        LayerEntry.file("f", "f"),
        LayerEntry.file("f", "f", uid=0, gid=0),
        LayerEntry.file("f", "f", uid=65532),
        LayerEntry.file("f", "f", gid=65532),
    ):
        (tmp_path / "spec.json").write_bytes(tar_spec_json_bytes([entry]))
        digests.append(build_layer(run_layertool, tmp_path).digest)
    assert digests[0] == digests[1] and len(set(digests)) == 3


def test_mode_may_be_a_json_number(run_layertool: Callable, tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    spec = {"entries": [{"path": "bin/tool", "type": "file", "src": "f", "mode": 0o750}]}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    build_layer(run_layertool, tmp_path)
    assert read_tar(tmp_path / "layer.tar.gz")[-1].mode == 0o750


def test_source_symlinks_are_followed(run_layertool: Callable, tmp_path: Path) -> None:
    # Pants sandboxes may materialize inputs as symlinks; the layer must hold the content.
    (tmp_path / "real").write_text("content")
    (tmp_path / "link").symlink_to("real")
    (tmp_path / "spec.json").write_bytes(tar_spec_json_bytes([LayerEntry.file("f", "link")]))
    build_layer(run_layertool, tmp_path)
    with tarfile.open(tmp_path / "layer.tar.gz", "r:gz") as archive:
        assert archive.extractfile("f").read() == b"content"


@pytest.mark.parametrize(
    "entries, message",
    [
        (
            [{"path": "/app/x", "type": "dir"}],
            'path must be relative to the image root, without a leading slash (use "app/x")',
        ),
        ([{"path": "app//x", "type": "dir"}], 'path is not clean (use "app/x")'),
        ([{"path": "../x", "type": "dir"}], "path must name something inside the image root"),
        ([{"path": "x", "type": "fifo"}], 'type "fifo" must be one of file, dir, symlink'),
        ([{"path": "x", "type": "file"}], 'a file needs "src"'),
        (
            [{"path": "x", "type": "file", "src": "/etc/passwd"}],
            'src "/etc/passwd" must be relative to the working directory',
        ),
        ([{"path": "x", "type": "symlink"}], 'a symlink needs "target"'),
        ([{"path": "x", "type": "dir", "mode": "0999"}], 'mode "0999" is not an octal number'),
        ([{"path": "x", "type": "dir", "mode": "17777"}], "mode 17777 is outside 0000-7777"),
        ([{"path": "x", "type": "dir", "link": "y"}], 'unknown field "link"'),
        ([{"path": "x", "type": "dir", "uid": -1}], "uid -1 is outside 0-2147483647"),
        ([{"path": "x", "type": "dir", "gid": 2147483648}], "gid 2147483648 is outside 0-2147483647"),
        ([{"path": "x", "type": "dir", "uid": "65532"}], "invalid spec: json: cannot unmarshal string"),
        ([{"path": "x", "type": "dir", "digest": "sha256:" + "0" * 64}], 'a dir takes neither "src", "digest" nor "target"'),
        ([{"path": "x", "type": "file", "src": "f", "digest": "sha256:abc"}], 'digest "sha256:abc" must be'),
        (
            [{"path": "x", "type": "file", "src": "f", "digest": "sha256:" + "0" * 64}],
            'source of "x": f holds content that hashes to sha256:2d711642',
        ),
        (
            [{"path": "x", "type": "dir"}, {"path": "x", "type": "dir"}],
            'path "x" is listed more than once',
        ),
        (
            [{"path": "a", "type": "file", "src": "f"}, {"path": "a/b", "type": "dir"}],
            'path "a" is a file but "a/b" needs it to be a directory',
        ),
        (
            [{"path": "a/b", "type": "dir"}, {"path": "a", "type": "symlink", "target": "c"}],
            'path "a" is a symlink but other entries use it as a directory',
        ),
        (
            [{"path": "x", "type": "file", "src": "missing"}],
            'source of "x": open missing: no such file or directory',
        ),
        ([{"path": "x", "type": "file", "src": "."}], 'source of "x": . is not a regular file'),
    ],
)
def test_bad_specs_fail_clearly_and_write_nothing(
    run_layertool: Callable, tmp_path: Path, entries: list, message: str
) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "spec.json").write_text(json.dumps({"entries": entries}))
    result = run_layertool("layer", "spec.json", "layer.tar.gz", cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.startswith("layertool: spec.json: ") or "source of" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "spec.json"]


def test_usage_errors(run_layertool: Callable, tmp_path: Path) -> None:
    for args, message in [
        ((), "missing subcommand"),
        (("bogus",), 'unknown subcommand "bogus"'),
        (("layer", "spec.json"), "layer takes SPEC.json and OUT.tar.gz"),
        (("layer", "--level", "0", "a", "b"), "--level must be between 1 and 9, got 0"),
        (("archive", "--level", "1", "a", "b"), "flag provided but not defined: -level"),
        (("archive", "a"), "archive takes SPEC.json and OUT.tar"),
    ]:
        result = run_layertool(*args, cwd=tmp_path, check=False)
        assert result.returncode == 2
        assert f"layertool: {message}\nusage:" in result.stderr


def test_spec_json_is_sorted_and_canonical() -> None:
    spec = tar_spec_json_bytes(
        [LayerEntry.directory("b", uid=65532, gid=65532), LayerEntry.file("a", "src/a", mode=0o755)]
    )
    # A root owner is layertool's default, so it is left out.
    assert spec == (
        b'{"entries":[{"mode":"0755","path":"a","src":"src/a","type":"file"},'
        b'{"gid":65532,"mode":"0755","path":"b","type":"dir","uid":65532}]}'
    )


def test_archive_is_the_layer_uncompressed(run_layertool: Callable, tmp_path: Path) -> None:
    make_sources(tmp_path, mtime=0, mode=0o644)
    layer = build_layer(run_layertool, tmp_path)
    run_layertool("archive", "spec.json", "archive.tar", cwd=tmp_path)
    archive = (tmp_path / "archive.tar").read_bytes()
    assert archive == gzip.decompress((tmp_path / "layer.tar.gz").read_bytes())
    assert "sha256:" + hashlib.sha256(archive).hexdigest() == layer.diff_id
