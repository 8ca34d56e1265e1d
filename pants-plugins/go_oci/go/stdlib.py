"""The standard library's archives for one platform, compiled by go itself in one process.

Shared by every binary and machine whose build needs the same set of standard packages on the same
SDK, platform and tags (the process key). Each set is compiled whole in a build cache private to the
process, so a binary with another set shares no standard-library work with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, DigestEntries, FileEntry
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.package import archive_path
from go_oci.util_rules.sdk import GoProcess


@dataclass(frozen=True)
class GoStdlibRequest:
    packages: tuple[str, ...]  # sorted; closed under imports (a `go list -deps` subset)
    env: FrozenDict[str, str]
    tags: tuple[str, ...]  # build tags select standard files too (netgo, osusergo, timetzdata)
    platform: str  # for the description only


@dataclass(frozen=True)
class GoStdlibArchives:
    digest: Digest | None  # `__pkg/<import path>.a` for each package that has an archive (not `unsafe`)
    failure: str = ""  # go's message, if the standard library did not compile (e.g. for a build tag)


_CACHE = "__stdcache"


def archive_entries(stdout: str) -> dict[str, str]:
    """`<import path>=<absolute archive path>` lines -> import path: the archive's path in the sandbox."""
    entries = {}
    for line in stdout.splitlines():
        path, sep, export = line.partition("=")
        if sep and export:
            entries[path] = export[export.index(f"/{_CACHE}/") + 1 :]
    return entries


@rule(desc="Compile the Go standard library", level=LogLevel.DEBUG)
async def compile_stdlib(request: GoStdlibRequest) -> GoStdlibArchives:
    if not request.packages:  # a package that imports nothing (`go list` would list the working directory)
        return GoStdlibArchives(EMPTY_DIGEST)
    tags = (f"-tags={','.join(request.tags)}",) if request.tags else ()
    # `go list -export` builds each package as `go build` does (same flags, same action IDs), and
    # names the archive it built, in a build cache kept in the sandbox so the archives are outputs.
    result = await Get(
        FallibleProcessResult,
        GoProcess(
            ("list", "-export", "-trimpath", *tags, "-f", "{{if .Export}}{{.ImportPath}}={{.Export}}{{end}}",
             *request.packages),
            f"Compile the Go standard library ({len(request.packages)} packages) for {request.platform}",
            EMPTY_DIGEST,
            # Outside any module: no -mod flag applies.
            env={**request.env, "GOFLAGS": ""},
            output_directories=(_CACHE,),
            private_build_cache=_CACHE,
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        return GoStdlibArchives(None, f"# the standard library\n{result.stderr.decode()}")
    locations = archive_entries(result.stdout.decode())
    by_location = {location: path for path, location in locations.items()}
    entries = await Get(DigestEntries, Digest, result.output_digest)
    # Renamed without reading the bytes: a FileEntry names content already in the store.
    archives = [
        FileEntry(archive_path(by_location[e.path]), e.file_digest)
        for e in entries
        if isinstance(e, FileEntry) and e.path in by_location
    ]
    return GoStdlibArchives(await Get(Digest, CreateDigest(archives)))


def rules():
    return collect_rules()
