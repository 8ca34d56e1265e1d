"""Parses the parts of go.mod and go.work that decide which third-party modules a build needs."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_COMMENT = re.compile(r"//.*")


def _directives(content: str, verb: str) -> list[list[str]]:
    """Each `verb` directive's fields, single-line or inside a `verb ( ... )` block."""
    found: list[list[str]] = []
    block = False
    for raw in content.splitlines():
        line = _COMMENT.sub("", raw).strip()
        if block:
            if line == ")":
                block = False
            elif line:
                found.append([f.strip('"') for f in line.split()])
            continue
        if line.startswith(verb) and line[len(verb) : len(verb) + 1] in (" ", "\t", "("):
            rest = line[len(verb) :].strip()
            if rest.startswith("("):
                block = rest != "()"
            elif rest:
                found.append([f.strip('"') for f in rest.split()])
    return found


@dataclass(frozen=True)
class Replace:
    """A `replace` directive: `old_path [old_version] => new_path [new_version]`."""

    old_path: str
    old_version: str  # "" replaces every version of old_path
    new_path: str
    new_version: str  # "" when new_path is a local directory

    @property
    def is_local(self) -> bool:
        # Go's rule: a replacement path that starts like a file path is a directory, never a module.
        return self.new_path in (".", "..") or self.new_path.startswith(("./", "../", "/"))

    def __str__(self) -> str:
        old = f"{self.old_path} {self.old_version}".strip()
        new = f"{self.new_path} {self.new_version}".strip()
        return f"{old} => {new}"


def parse_replaces(content: str) -> tuple[Replace, ...]:
    """The `replace` directives of a go.mod or go.work (both use the same syntax)."""
    replaces = []
    for fields in _directives(content, "replace"):
        if "=>" not in fields:
            raise ValueError(f"`replace {' '.join(fields)}` has no `=>`")
        arrow = fields.index("=>")
        old, new = fields[:arrow], fields[arrow + 1 :]
        if len(old) not in (1, 2) or len(new) not in (1, 2):
            raise ValueError(f"`replace {' '.join(fields)}` is not `old [version] => new [version]`")
        replace = Replace(old[0], old[1] if len(old) == 2 else "", new[0], new[1] if len(new) == 2 else "")
        if not replace.new_version and not replace.is_local:
            raise ValueError(
                f"`replace {' '.join(fields)}` needs a version after {new[0]} (a module) or a path starting "
                "with ./ or ../ (a directory)"
            )
        replaces.append(replace)
    return tuple(sorted(replaces, key=lambda r: (r.old_path, r.old_version)))


@dataclass(frozen=True)
class GoModFile:
    module_path: str
    go_version: str  # the `go` directive; "" when absent
    requires: tuple[tuple[str, str], ...]  # (module path, version)
    replaces: tuple[Replace, ...]

    @classmethod
    def parse(cls, content: str) -> "GoModFile":
        modules = _directives(content, "module")
        if not modules:
            raise ValueError("no `module` line")
        go = _directives(content, "go")
        requires = tuple(sorted((f[0], f[1]) for f in _directives(content, "require") if len(f) >= 2))
        return cls(modules[0][0], go[0][0] if go and go[0] else "", requires, parse_replaces(content))

    @property
    def local_replaces(self) -> tuple[str, ...]:
        """The module paths replaced by a local directory."""
        return tuple(sorted({r.old_path for r in self.replaces if r.is_local}))

    @property
    def prunes_module_graph(self) -> bool:
        """From `go 1.17` on, go.mod lists every module that provides a package to the build."""
        return _version_tuple(self.go_version) >= (1, 17)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for part in version.split("."):
        digits = re.match(r"\d*", part).group()
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def parse_go_work_uses(content: str) -> tuple[str, ...]:
    """The directories of a go.work's `use` directives, normalised and relative to the go.work."""
    return tuple(sorted({os.path.normpath(f[0]) for f in _directives(content, "use") if f}))


def parse_go_sum(content: str) -> dict[tuple[str, str], str]:
    """`(module path, version) -> h1:…` hash of the module's content, from go.sum (or go.work.sum).

    The `/go.mod`-only lines hash just a module's go.mod file, so they are left out.
    """
    sums = {}
    for line in content.splitlines():
        fields = line.split()
        if len(fields) == 3 and not fields[1].endswith("/go.mod"):
            sums[(fields[0], fields[1])] = fields[2]
    return sums
