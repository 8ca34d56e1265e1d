"""`pants tailor`: a go_module next to each go.mod, a go_cross_binary for each main package of such a module."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pants.core.goals.tailor import AllOwnedSources, PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.internals.selectors import Get, MultiGet
from pants.engine.rules import collect_rules, rule
from pants.engine.target import AllTargets, AllUnexpandedTargets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_oci.target_types import GoCrossBinaryTarget, GoMainField, GoModuleTarget
from go_oci.util_rules.modules import ancestors, join_path

_PACKAGE_MAIN = re.compile(rb"^package\s+main\b", re.M)
# Build-constraint `ignore` files (go:generate helpers) are not part of any package's build.
_IGNORED_FILE = re.compile(rb"^//go:build\s+ignore\b", re.M)
_SKIPPED_DIRS = ("vendor", "testdata")


@dataclass(frozen=True)
class PutativeGoTargetsRequest(PutativeTargetsRequest):
    pass


def _skipped(path: str) -> bool:
    parts = path.split("/")
    return any(p in _SKIPPED_DIRS or p.startswith((".", "_")) for p in parts[:-1])


def is_main_package_file(path: str, content: bytes) -> bool:
    return (
        path.endswith(".go")
        and not path.endswith("_test.go")
        and not _IGNORED_FILE.search(content)
        and bool(_PACKAGE_MAIN.search(content))
    )


@rule(level=LogLevel.DEBUG, desc="Determine candidate go_oci targets to create")
async def find_putative_go_targets(
    request: PutativeGoTargetsRequest,
    all_owned_sources: AllOwnedSources,
    all_targets: AllTargets,
    all_unexpanded_targets: AllUnexpandedTargets,
) -> PutativeTargets:
    go_mods, go_files = await MultiGet(
        Get(Paths, PathGlobs, request.path_globs("go.mod")),
        Get(DigestContents, PathGlobs, request.path_globs("*.go")),
    )
    putative = [
        PutativeTarget.for_target_type(
            GoModuleTarget, path=os.path.dirname(go_mod), name="mod", triggering_sources=["go.mod"]
        )
        for go_mod in sorted(go_mods.files)
        if go_mod not in all_owned_sources and not _skipped(go_mod)
    ]

    existing_main_dirs = {
        os.path.normpath(os.path.join(t.address.spec_path, t[GoMainField].value or "."))
        for t in all_targets
        if isinstance(t, GoCrossBinaryTarget)
    }
    main_dirs = sorted(
        main_dir
        for main_dir in {
            os.path.dirname(f.path) for f in go_files if not _skipped(f.path) and is_main_package_file(f.path, f.content)
        }
        if os.path.normpath(main_dir or ".") not in existing_main_dirs
    )
    # A go_cross_binary builds from the nearest go.mod above its main package, and only a go_module next
    # to that go.mod makes it buildable: a go.mod some other target owns (a Go tool shipped as
    # `resources`, say) is not a module go_oci builds, so a binary there would only fail at `package`.
    # go_module is a target generator, so only the unexpanded targets hold it.
    go_oci_module_dirs = {t.address.spec_path for t in all_unexpanded_targets if isinstance(t, GoModuleTarget)} | {
        p.path for p in putative
    }
    candidate_go_mods = await Get(
        Paths, PathGlobs(sorted({join_path(d, "go.mod") for main_dir in main_dirs for d in ancestors(main_dir)}))
    )
    module_dirs = {os.path.dirname(f) for f in candidate_go_mods.files}
    for main_dir in main_dirs:
        module_dir = next((d for d in ancestors(main_dir) if d in module_dirs), None)
        if module_dir is None or module_dir not in go_oci_module_dirs:
            continue
        putative.append(
            PutativeTarget.for_target_type(
                GoCrossBinaryTarget,
                path=main_dir,
                name=os.path.basename(main_dir) or "bin",
                triggering_sources=[],
            )
        )
    return PutativeTargets(putative)


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeGoTargetsRequest)]
