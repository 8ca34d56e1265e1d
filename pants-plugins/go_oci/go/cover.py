"""`pants test --use-coverage` for Go packages: what `go test -cover` feeds its cover tool and test main,
and the profiles it writes, per package and merged, under dist/coverage/go/.

As `go test -cover` does (without `-coverpkg`), only the package under test is instrumented: its
non-test files go through `cover` (which writes the instrumented copies, a `covervars.go` and the
compiler's `-coveragecfg`), and the test main through `cover -mode testmain`. The test binary writes the
text profile itself when it exits.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Iterable

from pants.core.goals.test import (
    ConsoleCoverageReport,
    CoverageData,
    CoverageDataCollection,
    CoverageReport,
    CoverageReports,
)
from pants.core.util_rules.distdir import DistDir
from pants.engine.addresses import Address
from pants.engine.console import Console
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, Snapshot, Workspace
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_oci.go.package import GoPackage

# The mode `go test` instruments its test main with: registration only, no counters.
TESTMAIN_MODE = "testmain"
MERGED_PROFILE = "all.out"

# What cover itself imports into the code it instruments, so what the compile's importcfg must name.
_COVER_RUNTIME = "runtime/coverage"  # into a `main` package
_ATOMIC = "sync/atomic"  # into every instrumented package, in atomic mode
# What `go test -cover`'s test main imports besides what `go list -test` lists for it: the coverage
# runtime it registers and the one cover adds to `main`.
TESTMAIN_COVER_IMPORTS = ("internal/coverage/cfile", _COVER_RUNTIME)


def cover_var(import_path: str) -> str:
    """The prefix of the variables cover adds to a package: 12 hex digits of its import path's SHA-256."""
    return f"goCover_{hashlib.sha256(import_path.encode()).hexdigest()[:12]}_"


def covered_files(package: GoPackage) -> tuple[str, ...]:
    """The files cover instruments: the package's Go files, not its tests."""
    return tuple(f for f in package.go_files if not f.endswith("_test.go"))


def cover_imports(package_name: str, import_path: str, mode: str) -> tuple[str, ...]:
    """The imports cover adds to the package it instruments in `mode`."""
    added = [_COVER_RUNTIME] if package_name == "main" else []
    if mode == "atomic" and import_path != _ATOMIC:
        added.append(_ATOMIC)
    return tuple(added)


def cover_pkgcfg(package: GoPackage, out_config: str) -> str:
    """cover's `-pkgcfg` file, as `go test -cover` writes it: per-block counters, file names in the
    profile as `<import path>/<file>`, the `-coveragecfg` at `out_config`."""
    config = {
        "OutConfig": out_config,
        "PkgPath": package.import_path,
        "PkgName": package.name,
        "Granularity": "perblock",
        "ModulePath": package.module.path if package.module else "",
        "Local": False,
        "EmitMetaFile": "",
    }
    return json.dumps(config, separators=(",", ":")) + "\n"


class UnexpectedTestmainError(ValueError):
    pass


_TESTMAIN_IMPORT_ANCHOR = '\t"testing/internal/testdeps"\n'
_TESTMAIN_INIT_ANCHOR = "func init() {\n"


def cover_testmain(source: str, mode: str, under_test: str) -> str:
    """The test main `go test -cover` generates, from the one `go list -test` writes (the same template
    without its coverage parts): it imports the coverage runtime and hands it the mode and the package
    under test, which make the binary's `-test.coverprofile` work."""
    for anchor in (_TESTMAIN_IMPORT_ANCHOR, _TESTMAIN_INIT_ANCHOR):
        if source.count(anchor) != 1:
            raise UnexpectedTestmainError(
                f"the test main `go list -test` wrote does not have one `{anchor.strip()}` line, where go's "
                "coverage set-up goes; is [go-sdk].version a Go release whose test main go_oci knows (1.27)?"
            )
    cover_init = (
        f"\n\ttestdeps.CoverMode = {json.dumps(mode)}\n"
        '\ttestdeps.Covered = ""\n'
        f"\ttestdeps.CoverSelectedPackages = []string{{{json.dumps(under_test)}}}\n"
        "\ttestdeps.CoverSnapshotFunc = cfile.Snapshot\n"
        "\ttestdeps.CoverProcessTestDirFunc = cfile.ProcessCoverTestDir\n"
        "\ttestdeps.CoverMarkProfileEmittedFunc = cfile.MarkProfileEmitted\n\n"
    )
    source = source.replace(_TESTMAIN_IMPORT_ANCHOR, f'{_TESTMAIN_IMPORT_ANCHOR}\n\t"internal/coverage/cfile"\n')
    return source.replace(_TESTMAIN_INIT_ANCHOR, _TESTMAIN_INIT_ANCHOR + cover_init)


class CoverProfileError(ValueError):
    pass


# `<file>:<start line>.<start column>,<end line>.<end column> <statements> <count>`
_BLOCK = re.compile(r"^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$")


def merge_profiles(profiles: Iterable[str]) -> str:
    """Text profiles of one mode as one: the `mode:` line once, then every block, a block that several
    profiles hold counted once (`set`: covered if any covered it; `count`, `atomic`: the counts added),
    sorted as the test binary sorts a profile: by package, file, then position."""
    mode = ""
    counts: dict[tuple[str, int, int, int, int, int], int] = {}
    for profile in profiles:
        lines = profile.splitlines()
        if not lines or not lines[0].startswith("mode: "):
            raise CoverProfileError(f"a cover profile starts with `mode: `, not {(lines or [''])[0]!r}")
        this_mode = lines[0][len("mode: ") :]
        if mode and this_mode != mode:
            raise CoverProfileError(f"cover profiles of modes `{mode}` and `{this_mode}` cannot be merged")
        mode = this_mode
        for line in lines[1:]:
            match = _BLOCK.match(line)
            if match is None:
                raise CoverProfileError(f"not a cover profile block: {line!r}")
            file, *numbers, count = match.groups()
            start_line, start_col, end_line, end_col, statements = map(int, numbers)
            key = (file, start_line, start_col, end_line, end_col, statements)
            before = counts.get(key, 0)
            counts[key] = max(before, int(count)) if mode == "set" else before + int(count)
    if not mode:
        return ""

    def order(key: tuple[str, int, int, int, int, int]) -> tuple:
        file, start_line, start_col, end_line, end_col, statements = key
        return posixpath.dirname(file), file, start_line, end_line, start_col, end_col, statements

    blocks = (f"{f}:{sl}.{sc},{el}.{ec} {n} {counts[(f, sl, sc, el, ec, n)]}" for f, sl, sc, el, ec, n in sorted(counts, key=order))
    return "".join(f"{line}\n" for line in (f"mode: {mode}", *blocks))


def profile_name(address: Address) -> str:
    """A package's profile under dist/coverage/go/: its target's address, made a file name."""
    return f"{address.path_safe_spec}.out"


@dataclass(frozen=True)
class GoCoverageData(CoverageData):
    address: Address  # the go_oci_package whose tests ran
    import_path: str
    profile: Digest  # the text profile the test binary wrote, alone (none if the binary died first)


class GoCoverageDataCollection(CoverageDataCollection):
    element_type = GoCoverageData


@dataclass(frozen=True)
class GoCoverProfiles(CoverageReport):
    """The profiles, written in place of what `directory` held (so `all.out` merges exactly the profiles
    beside it), and listed on the console."""

    snapshot: Snapshot  # the profiles, under `directory`'s name
    directory: PurePath
    listing: str

    def materialize(self, console: Console, workspace: Workspace) -> PurePath | None:
        # Pants clears paths relative to where it writes, and cannot clear that directory itself.
        workspace.write_digest(
            self.snapshot.digest, path_prefix=str(self.directory.parent), clear_paths=(self.directory.name,)
        )
        console.print_stderr(f"\n{self.listing}")
        return self.directory / MERGED_PROFILE

    def get_artifact(self) -> tuple[str, Snapshot]:
        return "coverage_go_cover", self.snapshot


@rule(desc="Write the Go cover profiles", level=LogLevel.DEBUG)
async def write_go_cover_profiles(data: GoCoverageDataCollection, distdir: DistDir) -> CoverageReports:
    contents = await MultiGet(Get(DigestContents, Digest, d.profile) for d in data)
    ran = sorted(zip(data, contents), key=lambda pair: pair[0].address)
    profiles = {profile_name(d.address): (d.import_path, files[0].content.decode()) for d, files in ran if files}
    # As with `go test`, a test binary that crashes writes no profile.
    missing = [f"  no profile: {d.address} (its test binary exited before writing one)" for d, files in ran if not files]
    directory = PurePath(distdir.relpath, "coverage", "go")
    if not profiles:
        return CoverageReports((ConsoleCoverageReport(False, "\n".join(["go_oci: no Go cover profile was written:", *missing])),))
    files = [FileContent(f"{directory.name}/{name}", text.encode()) for name, (_, text) in profiles.items()]
    try:
        merged = merge_profiles(text for _, text in profiles.values())
        files.append(FileContent(f"{directory.name}/{MERGED_PROFILE}", merged.encode()))
        merged_line = f"  {directory / MERGED_PROFILE}  (merged)"
    except CoverProfileError as e:
        # A binary stopped while writing its profile, say: the others are still worth having.
        merged_line = f"  no {MERGED_PROFILE}: {e}"
    listing = "\n".join(
        [
            "go_oci: wrote Go cover profiles:",
            *(f"  {directory / name}  ({import_path})" for name, (import_path, _) in profiles.items()),
            merged_line,
            *missing,
        ]
    )
    snapshot = await Get(Snapshot, CreateDigest(files))
    return CoverageReports((GoCoverProfiles(False, snapshot, directory, listing),))


def rules():
    return [*collect_rules(), UnionRule(CoverageDataCollection, GoCoverageDataCollection)]
