"""The configuration files go's compiler and linker read: importcfg, importcfg.link and embedcfg.

They are written exactly as cmd/go writes them, with archives at their sandbox-relative paths
(`package.archive_path`), so the outputs equal `go build`'s.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Collection, Iterable

from go_oci.go.package import GoPackage, archive_path, export_path


def import_files(package: GoPackage, export_data: Collection[str] = ()) -> dict[str, str]:
    """Each direct import that has an archive, and the file the compiler (or vet) reads for it: the
    export data of the imports in `export_data` (those go_oci compiled), the archive of the others."""
    return {dep: export_path(dep) if dep in export_data else archive_path(dep) for dep in package.archive_imports}


def compile_importcfg(package: GoPackage, export_data: Collection[str] = ()) -> str:
    """The compiler's view of a package's direct imports (cmd/go/internal/work/exec.go, buildActionID)."""
    lines = ["# import config"]
    for raw, final in sorted(package.import_map.items()):
        if raw != final and final not in ("unsafe", "C"):
            lines.append(f"importmap {raw}={final}")
    lines += [f"packagefile {dep}={path}" for dep, path in import_files(package, export_data).items()]
    return "\n".join(lines) + "\n"


def link_importcfg(packages: Iterable[GoPackage], modinfo: str) -> str:
    """Every package the binary holds, and its build info line as `go build` wrote it (already quoted)."""
    lines = [f"packagefile {p.import_path}={archive_path(p.import_path)}" for p in packages if p.import_path not in ("unsafe", "C")]
    lines.append(f"modinfo {modinfo}")
    return "\n".join(lines) + "\n"


class EmbedError(ValueError):
    pass


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """path.Match: `*` and `?` never cross `/`; `[...]` is a class; `\\` escapes."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("^", "]") else i + 1)
            if end < 0:
                raise EmbedError(f"bad pattern {pattern!r}")
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body).replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def embed_patterns(package: GoPackage) -> dict[str, list[str]]:
    """Each //go:embed pattern and the files it names, as cmd/go's resolveEmbed lists them.

    `go list` gives the patterns and the union of their files; a pattern names the files it matches
    and, for a directory it matches, the files beneath it, except (without `all:`) those under a
    name starting with `.` or `_`.
    """
    result: dict[str, list[str]] = {}
    files = sorted(package.embed_files)
    for pattern in package.embed_patterns:
        glob, include_hidden = (pattern[4:], True) if pattern.startswith("all:") else (pattern, False)
        regex = _glob_regex(glob)
        matched = []
        for f in files:
            parts = f.split("/")
            for depth in range(1, len(parts) + 1):
                if regex.match("/".join(parts[:depth])):
                    hidden = any(p.startswith((".", "_")) for p in parts[depth:])
                    if depth == len(parts) or include_hidden or not hidden:
                        matched.append(f)
                    break
        result[pattern] = matched
    return result


def embedcfg(package: GoPackage) -> str:
    """The compiler's -embedcfg: patterns to files, files to paths relative to the sandbox root."""
    files = {f: posixpath.join(package.dir, f) if package.dir else f for f in sorted(package.embed_files)}
    return json.dumps({"Patterns": embed_patterns(package), "Files": files}, indent="\t", sort_keys=True)
