"""One binary's package graph for one platform: `go list -deps -json`, and its build info line.

This is the only Go process that sees the whole module (and module cache); every compile after it
gets one package's files.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass

from pants.engine.fs import Digest
from pants.engine.internals.selectors import MultiGet
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go.package import GoPackage
from go_oci.util_rules.sdk import GoProcess

LIST_FIELDS = (
    "ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles,"
    "SwigFiles,SwigCXXFiles,SysoFiles,EmbedPatterns,EmbedFiles,Imports,ImportMap,DefaultGODEBUG"
)
_MODINFO = re.compile(r'^modinfo ("(?:[^"\\]|\\.)*")$', re.M)


@dataclass(frozen=True)
class GoAnalysisRequest:
    sources: Digest  # the module (or workspace) sources
    modcache: Digest
    working_dir: str  # the main package's module
    package_arg: str  # the main package, relative to working_dir (`./cmd/x`)
    main_dir: str  # the main package's directory, relative to the sandbox root
    env: FrozenDict[str, str]
    tags: tuple[str, ...]
    build_flags: tuple[str, ...]  # `go build`'s -ldflags/-gcflags/-asmflags arguments: they enter the build info
    description: str


@dataclass(frozen=True)
class GoBinaryAnalysis:
    packages: tuple[GoPackage, ...]  # dependencies before dependents; the main package last
    modinfo: str  # the `modinfo "…"` value of go's importcfg.link, quoted as go quotes it ("" if no main)


@dataclass(frozen=True)
class FallibleGoAnalysis:
    analysis: GoBinaryAnalysis | None
    stderr: str


def parse_json_stream(text: str) -> list[dict]:
    decoder = json.JSONDecoder()
    objects, index = [], 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return objects
        obj, index = decoder.raw_decode(text, index)
        objects.append(obj)


def sandbox_root_of(main: dict, main_dir: str) -> str:
    """The analysis sandbox's absolute path, from the main package's absolute `Dir`."""
    directory = main["Dir"]
    return directory[: len(directory) - len(main_dir)].rstrip("/") if main_dir else directory


def analysis_from_go_list(stdout: str, main_dir: str, modinfo: str) -> GoBinaryAnalysis:
    objects = parse_json_stream(stdout)
    root = sandbox_root_of(objects[-1], main_dir)
    return GoBinaryAnalysis(tuple(GoPackage.from_go_list(o, root) for o in objects), modinfo)


def modinfo_from_build_n(stderr: str) -> str:
    match = _MODINFO.search(stderr)
    if not match:
        raise ValueError(f"`go build -n` printed no modinfo line:\n{stderr[-2000:]}")
    return match.group(1)


@rule(desc="Analyse a Go binary's packages", level=LogLevel.DEBUG)
async def analyse_go_binary(request: GoAnalysisRequest) -> FallibleGoAnalysis:
    tags = (f"-tags={','.join(request.tags)}",) if request.tags else ()
    common = dict(working_dir=request.working_dir, env=request.env, modcache=request.modcache)
    listed, planned = await MultiGet(
        Get(
            FallibleProcessResult,
            GoProcess(
                ("list", "-deps", f"-json={LIST_FIELDS}", *tags, request.package_arg),
                request.description,
                request.sources,
                **common,
            ),
        ),
        # `go build -n` prints the commands without running them; only its build info line is used,
        # which is go's own (module versions and sums, DefaultGODEBUG, the flags), so not rebuilt here.
        Get(
            FallibleProcessResult,
            GoProcess(
                ("build", "-n", "-trimpath", "-buildvcs=false", *request.build_flags, *tags, "-o",
                 os.path.relpath("__out/binary", request.working_dir or "."), request.package_arg),
                f"{request.description} (build info)",
                request.sources,
                **common,
            ),
        ),
    )
    if listed.exit_code != 0:
        return FallibleGoAnalysis(None, listed.stderr.decode())
    analysis = analysis_from_go_list(listed.stdout.decode(), request.main_dir, "")
    if not analysis.packages[-1].is_main:
        # Not a command: there is nothing to link, and the caller says what `main` should name.
        return FallibleGoAnalysis(analysis, "")
    if planned.exit_code != 0:
        return FallibleGoAnalysis(None, planned.stderr.decode())
    modinfo = modinfo_from_build_n(planned.stderr.decode())
    return FallibleGoAnalysis(dataclasses.replace(analysis, modinfo=modinfo), "")


def rules():
    return collect_rules()
