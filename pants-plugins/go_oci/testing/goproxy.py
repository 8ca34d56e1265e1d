"""A GOPROXY directory (file://) built at test time from module sources, e.g. Debian's golang-*-dev."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Debian's golang-*-dev packages install module sources here.
DEBIAN_GOCODE = Path("/usr/share/gocode/src")

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def dirhash_h1(files: dict[str, bytes]) -> str:
    """Go's `dirhash.Hash1`: what go.sum records for a module zip or a go.mod file."""
    summary = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


@dataclass(frozen=True)
class ProxiedModule:
    path: str
    version: str
    go_sum_lines: tuple[str, ...]


def _module_files(source: Path) -> dict[str, bytes]:
    files = {}
    for root, dirs, names in os.walk(source):
        # A module zip holds neither nested modules nor vendor/ (golang.org/x/mod/zip rules).
        dirs[:] = sorted(
            d for d in dirs if d != "vendor" and not (Path(root, d, "go.mod")).exists() and not d.startswith(".")
        )
        for name in names:
            full = Path(root, name)
            if full.is_file() and not full.is_symlink():
                files[full.relative_to(source).as_posix()] = full.read_bytes()
    return files


_MODULE_LINE = re.compile(rb"^module\s+\S+", re.MULTILINE)


def add_module(proxy: Path, module_path: str, version: str, source: Path) -> ProxiedModule:
    """Write `module_path@version` from `source` into the proxy; returns its go.sum lines.

    The go.mod's `module` line is set to `module_path` (or added), so sources can be served under
    another path: a fork with its module line rewritten.
    """
    files = _module_files(source)
    go_mod = files.get("go.mod", b"")
    module_line = f"module {module_path}".encode()
    if _MODULE_LINE.search(go_mod):
        go_mod = _MODULE_LINE.sub(module_line, go_mod, count=1)
    else:
        go_mod = module_line + b"\n" + go_mod
    files["go.mod"] = go_mod
    prefix = f"{module_path}@{version}/"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(prefix + name, _FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    escaped = "".join(f"!{c.lower()}" if c.isupper() else c for c in module_path)
    at_v = proxy / escaped / "@v"
    at_v.mkdir(parents=True, exist_ok=True)
    (at_v / f"{version}.zip").write_bytes(buf.getvalue())
    (at_v / f"{version}.mod").write_bytes(go_mod)
    (at_v / f"{version}.info").write_text(json.dumps({"Version": version, "Time": "2020-01-01T00:00:00Z"}))
    listing = at_v / "list"
    versions = set(listing.read_text().split()) if listing.exists() else set()
    listing.write_text("\n".join(sorted(versions | {version})) + "\n")
    return ProxiedModule(
        module_path,
        version,
        (
            f"{module_path} {version} {dirhash_h1({prefix + n: d for n, d in files.items()})}",
            f"{module_path} {version}/go.mod {dirhash_h1({'go.mod': go_mod})}",
        ),
    )


def debian_module(proxy: Path, module_path: str, version: str, *, debian_path: str | None = None) -> ProxiedModule:
    """Serve Debian's sources of `debian_path` (default: `module_path`) as `module_path@version`.

    Debian installs a major-version module (`…/v2`) without the suffix, and a fork is the same sources
    served under another path: `debian_path` names where the sources are.
    """
    source = DEBIAN_GOCODE / (debian_path or module_path)
    if not (source / "go.mod").exists() and not any(source.rglob("*.go")):
        raise FileNotFoundError(f"{source}: install the Debian package that ships {debian_path or module_path}")
    return add_module(proxy, module_path, version, source)
