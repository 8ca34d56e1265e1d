"""A Go package as `go list -json` describes it, with its directory relative to the sandbox root."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from pants.util.frozendict import FrozenDict

# Where every compiled package lives in a sandbox: `__pkg/<import path>.a` (what the linker reads) and,
# for packages go_oci compiles itself, `__pkg/<import path>.x` (export data only: what the compiler reads,
# so an edit that leaves a package's API alone does not recompile its dependents). Compile outputs, the
# standard library's archives and the importcfg files all use this one layout, so digests merge.
ARCHIVE_DIR = "__pkg"
# The scratch directory of one package's tools (importcfg, embedcfg, symabis, go_asm.h, .o files); go
# itself uses `$WORK/b001/` and trims it from file names (`-trimpath …;$WORK/b001=>`).
OBJ_DIR = "__obj"
# Where a test binary's main (written by `go list -test`) is put in a sandbox.
TESTMAIN_DIR = "__testmain"

# Imports that name no archive: `unsafe` is built into the compiler, `C` is cgo's.
_NO_ARCHIVE = frozenset({"unsafe", "C"})

# Standard packages that go compiles without -complete: they declare functions the runtime or
# assembly supplies (cmd/go/internal/work/gc.go).
_STD_INCOMPLETE = frozenset(
    {"bytes", "internal/poll", "net", "os", "runtime/metrics", "runtime/pprof", "runtime/trace", "sync", "syscall", "time"}
)


def archive_path(import_path: str) -> str:
    return f"{ARCHIVE_DIR}/{import_path}.a"


def export_path(import_path: str) -> str:
    return f"{ARCHIVE_DIR}/{import_path}.x"


@dataclass(frozen=True)
class GoModule:
    path: str
    version: str  # "" for the main module and workspace modules
    go_version: str  # the go.mod `go` line; "" if none


@dataclass(frozen=True)
class GoPackage:
    import_path: str
    name: str
    dir: str  # relative to the sandbox root, e.g. `svc/internal/calc` or `__gomod/example.com/m@v1.0.0/x`; "" for std
    standard: bool
    go_files: tuple[str, ...]  # file names in `dir`
    s_files: tuple[str, ...]
    h_files: tuple[str, ...]
    syso_files: tuple[str, ...]
    ext_files: int  # C, C++, Objective-C, Fortran, SWIG and cgo files (cgo builds never get here)
    embed_patterns: tuple[str, ...]
    embed_files: tuple[str, ...]  # relative to `dir`
    imports: tuple[str, ...]  # resolved import paths
    import_map: FrozenDict[str, str]  # as written in the source -> resolved, where they differ
    module: GoModule | None
    default_godebug: str = ""  # main packages only
    # The import path of the package's directory where it is not the package's own: an external `_test`
    # package's files are in the directory of the package it tests.
    dir_import_path: str = ""
    for_test: str = ""  # the package under test, for the packages `go test` compiles for its test binary

    @classmethod
    def from_go_list(cls, obj: Mapping[str, Any], sandbox_root: str) -> "GoPackage":
        module = obj.get("Module")
        directory = obj.get("Dir") or ""
        # A standard package's files are the SDK's (no sandbox path is kept: it would differ per run).
        rel = os.path.relpath(directory, sandbox_root) if directory and not obj.get("Standard") else ""
        ext = sum(
            len(obj.get(k) or ())
            for k in ("CgoFiles", "CFiles", "CXXFiles", "MFiles", "FFiles", "SwigFiles", "SwigCXXFiles")
        )
        return cls(
            import_path=obj["ImportPath"],
            name=obj.get("Name", ""),
            dir="" if rel == "." else rel,
            standard=bool(obj.get("Standard")),
            go_files=tuple(obj.get("GoFiles") or ()),
            s_files=tuple(obj.get("SFiles") or ()),
            h_files=tuple(obj.get("HFiles") or ()),
            syso_files=tuple(obj.get("SysoFiles") or ()),
            ext_files=ext,
            embed_patterns=tuple(obj.get("EmbedPatterns") or ()),
            embed_files=tuple(obj.get("EmbedFiles") or ()),
            imports=tuple(obj.get("Imports") or ()),
            import_map=FrozenDict(obj.get("ImportMap") or {}),
            module=GoModule(module["Path"], module.get("Version", ""), module.get("GoVersion", "")) if module else None,
            default_godebug=obj.get("DefaultGODEBUG", ""),
            for_test=obj.get("ForTest", ""),
        )

    @property
    def is_main(self) -> bool:
        return self.name == "main"

    @property
    def link_path(self) -> str:
        """The package path its symbols get (`-p`): `main` for a command, but not for a command's tests,
        which link it into a test binary as a library (as `go test` does)."""
        return "main" if self.is_main and not self.for_test else self.import_path

    @property
    def archive_imports(self) -> tuple[str, ...]:
        return tuple(i for i in self.imports if i not in _NO_ARCHIVE)

    @property
    def complete(self) -> bool:
        """No declarations without bodies that other files supply: the compiler may check that."""
        external = self.ext_files + len(self.s_files) + len(self.syso_files)
        return external == 0 and not (self.standard and self.import_path in _STD_INCOMPLETE)

    @property
    def trimmed_dir(self) -> str:
        """What `go build -trimpath` shows for this package's directory (cmd/go/internal/work/gc.go)."""
        import_path = self.dir_import_path or self.import_path
        if self.module is not None and self.module.version:
            return f"{self.module.path}@{self.module.version}{import_path[len(self.module.path):]}"
        return import_path

    def files(self) -> tuple[str, ...]:
        """Every file the package's compilation reads, relative to the sandbox root."""
        names = (*self.go_files, *self.s_files, *self.h_files, *self.syso_files, *self.embed_files)
        return tuple(sorted({os.path.join(self.dir, n) if self.dir else n for n in names}))
