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
class GoModFile:
    module_path: str
    requires: tuple[tuple[str, str], ...]  # (module path, version)
    local_replaces: tuple[str, ...]  # module paths replaced by a directory

    @classmethod
    def parse(cls, content: str) -> "GoModFile":
        modules = _directives(content, "module")
        if not modules:
            raise ValueError("no `module` line")
        requires = tuple(sorted((f[0], f[1]) for f in _directives(content, "require") if len(f) >= 2))
        local = tuple(
            sorted(
                f[0]
                for f in _directives(content, "replace")
                if "=>" in f and f[f.index("=>") + 1].startswith((".", "/"))
            )
        )
        return cls(modules[0][0], requires, local)


def parse_go_work_uses(content: str) -> tuple[str, ...]:
    """The directories of a go.work's `use` directives, normalised and relative to the go.work."""
    return tuple(sorted({os.path.normpath(f[0]) for f in _directives(content, "use") if f}))
