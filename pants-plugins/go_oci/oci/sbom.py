"""SPDX 2.3 JSON SBOMs from Go build info (the output of `go version -m BINARY`), and the referrer
manifest that attaches one to its image in a registry.

The document is deterministic: its creation time is passed in (default: the Unix epoch) and its
namespace ends in a hash of the rest of its content, so the same binary and base packages always
produce the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import shlex
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote

from .model import (
    EMPTY_CONFIG_DESCRIPTOR,
    EMPTY_JSON,
    EPOCH,
    MEDIA_TYPE_SPDX_JSON,
    Descriptor,
    Manifest,
    canonical_json_bytes,
    validate_timestamp,
)

SPDX_VERSION = "SPDX-2.3"
DEFAULT_NAMESPACE_BASE = "https://spdx.org/spdxdocs/go_oci"
TOOL_CREATOR = "Tool: go_oci"
NOASSERTION = "NOASSERTION"
DEVEL_VERSION = "(devel)"

# ---------------------------------------------------------------------------- build info


@dataclass(frozen=True)
class GoModule:
    path: str
    # "(devel)" (or empty) for a main module or a local-directory replacement.
    version: str = ""
    # The go.sum "h1:" hash; empty for the main module and local replacements.
    sum: str = ""
    replace: Optional["GoModule"] = None


@dataclass(frozen=True)
class GoBuildInfo:
    go_version: str
    path: str
    main: Optional[GoModule]
    deps: Tuple[GoModule, ...] = ()
    settings: Tuple[Tuple[str, str], ...] = ()

    def setting(self, key: str) -> Optional[str]:
        return dict(self.settings).get(key)


def parse_go_version_m(text: str) -> GoBuildInfo:
    """Parse the output of `go version -m BINARY` for a single binary.

    The format is that of Go's debug/buildinfo.BuildInfo.String(), indented by a tab, after a
    "FILE: GOVERSION" line. A binary without module info has only that first line.
    """
    lines = text.splitlines()
    if not lines or ": " not in lines[0]:
        raise ValueError(
            "Not `go version -m` output: the first line should be 'FILE: goVERSION', got "
            f"{lines[0] if lines else ''!r}."
        )
    go_version = lines[0].rsplit(": ", 1)[1].strip()
    path = ""
    main: Optional[GoModule] = None
    deps: List[GoModule] = []
    settings: List[Tuple[str, str]] = []
    previous_word = ""
    for number, raw_line in enumerate(lines[1:], start=2):
        if not raw_line.strip():
            continue  # A replaced module's entry is followed by a blank line.
        word, *rest = raw_line.strip("\t").split("\t")
        if word == "path":
            path = rest[0] if rest else ""
        elif word == "mod":
            main = _parse_module(rest, number)
        elif word == "dep":
            deps.append(_parse_module(rest, number))
        elif word == "=>" and previous_word == "mod" and main is not None:
            main = _with_replace(main, _parse_module(rest, number))
        elif word == "=>" and previous_word == "dep":
            deps[-1] = _with_replace(deps[-1], _parse_module(rest, number))
        elif word == "=>":
            raise ValueError(f"Line {number}: a replacement ('=>') must follow a mod or dep line.")
        elif word == "build":
            settings.append(_parse_setting("\t".join(rest), number))
        else:
            raise ValueError(f"Line {number}: unknown build info line {raw_line!r}.")
        previous_word = word
    return GoBuildInfo(
        go_version=go_version, path=path, main=main, deps=tuple(deps), settings=tuple(settings)
    )


def _parse_module(fields: Sequence[str], line_number: int) -> GoModule:
    if not fields or not fields[0]:
        raise ValueError(f"Line {line_number}: a module line needs a path.")
    padded = list(fields) + ["", ""]
    return GoModule(path=padded[0], version=padded[1], sum=padded[2])


def _with_replace(module: GoModule, replacement: GoModule) -> GoModule:
    return GoModule(path=module.path, version=module.version, sum=module.sum, replace=replacement)


def _parse_setting(text: str, line_number: int) -> Tuple[str, str]:
    """Parse KEY=VALUE where key and value are Go-quoted if they hold spaces, quotes or '='."""
    if text.startswith('"'):
        key, rest = _go_unquote_prefix(text)
    else:
        key, sep, rest = text.partition("=")
        rest = sep + rest
    if not rest.startswith("="):
        raise ValueError(f"Line {line_number}: build setting {text!r} is not KEY=VALUE.")
    rest = rest[1:]
    if rest.startswith('"'):
        value, trailing = _go_unquote_prefix(rest)
        if trailing:
            raise ValueError(f"Line {line_number}: unexpected text after {value!r}.")
        return key, value
    return key, rest


_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
    "'": "'",
}
_ESCAPE_RE = re.compile(r'\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)|"')


def _go_unquote_prefix(text: str) -> Tuple[str, str]:
    """Decode the Go double-quoted string at the start of `text`; return it and what follows."""
    out = bytearray()
    position = 1
    while True:
        match = _ESCAPE_RE.search(text, position)
        if match is None:
            raise ValueError(f"Unterminated quoted string in {text!r}.")
        out += text[position : match.start()].encode()
        position = match.end()
        escape = match.group(1)
        if escape is None:  # The closing quote.
            # \x and octal escapes are raw bytes, which may not be valid UTF-8 on their own.
            return out.decode("utf-8", errors="replace"), text[position:]
        if escape[0] in "xuU" and len(escape) > 1:
            code = int(escape[1:], 16)
            out += bytes([code]) if escape[0] == "x" else chr(code).encode()
        elif escape.isdigit():
            out.append(int(escape, 8))
        elif escape in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[escape].encode()
        else:
            raise ValueError(f"Unknown escape \\{escape} in {text!r}.")


# ---------------------------------------------------------------------------- SPDX


@dataclass(frozen=True)
class BasePackage:
    """A package of the base image, e.g. ("tzdata", "2024a", "LicenseRef-Public-Domain")."""

    name: str
    version: str
    license: str = NOASSERTION
    purl: Optional[str] = None


def golang_purl(module_path: str, version: str = "") -> str:
    """pkg:golang/<path>@<version>, percent-encoding each segment as the purl spec asks."""
    segments = "/".join(quote(segment, safe="") for segment in module_path.split("/"))
    if not version or version == DEVEL_VERSION:
        return f"pkg:golang/{segments}"
    return f"pkg:golang/{segments}@{quote(version, safe='')}"


def build_spdx_document(
    build_info: Union[GoBuildInfo, Sequence[GoBuildInfo]],
    *,
    name: str,
    base_packages: Iterable[BasePackage] = (),
    image_name: Optional[str] = None,
    created: str = EPOCH,
    namespace_base: str = DEFAULT_NAMESPACE_BASE,
    go_sums: Mapping[Tuple[str, str], str] = {},
) -> Dict[str, Any]:
    """An SPDX 2.3 document for a Go binary and, optionally, the image holding it.

    `build_info` is one binary's, or one per platform of a multi-platform image: the dependencies are
    their union, and each platform's build settings are an annotation of the main module. `go_sums`
    maps (module path, version) to go.sum's h1 hash, for modules the build info has no hash for
    (a vendored build records none).

    A module `replace`d by another module is two packages: what the binary holds (the replacement,
    which the main module DEPENDS_ON, with its checksum) and what go.mod required, related by
    `<replacement> VARIANT_OF <required>` whose comment spells out the replacement.

    Without `image_name` the document describes the binary's main module; with it, it describes
    an image package that contains the main module and the base packages.
    """
    validate_timestamp(created)
    infos = (build_info,) if isinstance(build_info, GoBuildInfo) else tuple(build_info)
    if not infos:
        raise ValueError("No build info: an SBOM needs at least one binary's.")
    for info in infos:
        if info.main is None:
            raise ValueError(
                f"{info.path or 'The binary'} has no module information; build it in module "
                "mode (with a go.mod) so its dependencies can be listed."
            )
    first = infos[0]
    packages: Dict[str, Dict[str, Any]] = {}
    relationships: List[Dict[str, str]] = []

    main = _go_module_package(first.main, "APPLICATION", go_sums)
    main["annotations"] = sorted(
        (_build_settings_annotation(info, created) for info in infos), key=lambda a: a["comment"]
    )
    if first.path:
        main["summary"] = f"Go command {first.path}"
    packages[main["SPDXID"]] = main

    stdlib = _stdlib_package(first.go_version)
    packages[stdlib["SPDXID"]] = stdlib
    relationships.append(_relationship(main["SPDXID"], "DEPENDS_ON", stdlib["SPDXID"]))
    deps = {dep: None for info in infos for dep in info.deps}  # in order, once each
    for dep in deps:
        built = _go_module_package(dep, "LIBRARY", go_sums)
        packages[built["SPDXID"]] = built
        relationships.append(_relationship(main["SPDXID"], "DEPENDS_ON", built["SPDXID"]))
        if dep.replace is not None and dep.replace.version not in ("", DEVEL_VERSION):
            required = _package("golang", dep.path, dep.version, purl=golang_purl(dep.path, dep.version))
            required["comment"] = (
                f"Required by the build, and replaced by {dep.replace.path} {dep.replace.version}, which is "
                "what the binary holds."
            )
            packages[required["SPDXID"]] = required
            relationship = _relationship(built["SPDXID"], "VARIANT_OF", required["SPDXID"])
            relationship["comment"] = f"replace {dep.path} {dep.version} => {dep.replace.path} {dep.replace.version}"
            relationships.append(relationship)

    base = [_base_package(p) for p in sorted(set(base_packages), key=lambda p: (p.name, p.version))]
    packages.update((p["SPDXID"], p) for p in base)
    if image_name:
        image = _package("container", image_name, "", purpose="CONTAINER")
        packages[image["SPDXID"]] = image
        relationships.append(_relationship("SPDXRef-DOCUMENT", "DESCRIBES", image["SPDXID"]))
        for contained in [main] + base:
            relationships.append(_relationship(image["SPDXID"], "CONTAINS", contained["SPDXID"]))
    else:
        for described in [main] + base:
            relationships.append(
                _relationship("SPDXRef-DOCUMENT", "DESCRIBES", described["SPDXID"])
            )

    document: Dict[str, Any] = {
        "spdxVersion": SPDX_VERSION,
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "creationInfo": {"created": created, "creators": [TOOL_CREATOR]},
        "packages": sorted(packages.values(), key=lambda p: p["SPDXID"]),
        "relationships": sorted(
            {tuple(sorted(r.items())): r for r in relationships}.values(),
            key=lambda r: (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]),
        ),
    }
    content_hash = hashlib.sha256(canonical_json_bytes(document)).hexdigest()
    document["documentNamespace"] = f"{namespace_base}/{_spdx_id_part(name)}-{content_hash}"
    return document


def spdx_json_bytes(document: Dict[str, Any]) -> bytes:
    return canonical_json_bytes(document)


@dataclass(frozen=True)
class SbomReferrer:
    """An SBOM as an OCI 1.1 artifact: an empty config, the document as its one layer, and the image
    as its subject, which is what ties them together in the registry."""

    subject: Descriptor
    document: bytes  # SPDX JSON

    @property
    def manifest(self) -> Manifest:
        return Manifest(
            config=EMPTY_CONFIG_DESCRIPTOR,
            layers=(Descriptor.for_bytes(MEDIA_TYPE_SPDX_JSON, self.document),),
            # A subject names the image's content only, as a registry's referrers list does.
            subject=Descriptor(self.subject.media_type, self.subject.digest, self.subject.size),
            artifact_type=MEDIA_TYPE_SPDX_JSON,
        )

    @property
    def fallback_tag(self) -> str:
        """The tag that names the artifact on a registry without the referrers API, in the scheme
        clients such as cosign look up."""
        return f"sha256-{self.subject.hex}.sbom"

    def blobs(self) -> Dict[str, bytes]:
        """The artifact's config, layer and manifest, by digest."""
        manifest = self.manifest
        return {
            EMPTY_CONFIG_DESCRIPTOR.digest: EMPTY_JSON,
            manifest.layers[0].digest: self.document,
            manifest.descriptor().digest: manifest.to_json_bytes(),
        }


def _go_module_package(
    module: GoModule, purpose: str, go_sums: Mapping[Tuple[str, str], str]
) -> Dict[str, Any]:
    """The package of what was compiled in: the replacement, when there is one."""
    built = module.replace or module
    if built.version in ("", DEVEL_VERSION):
        # A main module or a local-directory replacement has no published version.
        package = _package("golang", module.path, "", purpose=purpose, purl=golang_purl(module.path))
        if module.replace:
            package["sourceInfo"] = f"replaced by {built.path}"
    else:
        purl = golang_purl(built.path, built.version)
        package = _package("golang", built.path, built.version, purpose=purpose, purl=purl)
        if module.replace:
            package["sourceInfo"] = f"replaces {module.path} {module.version}".rstrip()
    checksum = _h1_sha256_hex(built.sum or go_sums.get((built.path, built.version), ""))
    if checksum:
        package["checksums"] = [{"algorithm": "SHA256", "checksumValue": checksum}]
    return package


def _stdlib_package(go_version: str) -> Dict[str, Any]:
    # "go1.22.1 X:boringcrypto" -> "go1.22.1"; vulnerability databases key the standard library
    # as the "stdlib" module with a plain semantic version.
    version = go_version.split()[0] if go_version else ""
    return _package(
        "golang",
        "stdlib",
        version,
        purpose="LIBRARY",
        purl=golang_purl("stdlib", version[2:] if version.startswith("go") else version),
    )


def _base_package(base: BasePackage) -> Dict[str, Any]:
    package = _package("base", base.name, base.version, purl=base.purl)
    package["licenseDeclared"] = base.license
    return package


def _package(
    kind: str, name: str, version: str, *, purpose: Optional[str] = None, purl: Optional[str] = None
) -> Dict[str, Any]:
    # SPDX ids allow only letters, digits, '.' and '-'; the hash keeps ids distinct when two
    # names sanitize to the same text (e.g. "a/b" and "a.b").
    unique = hashlib.sha256(f"{kind}\0{name}\0{version}".encode()).hexdigest()[:12]
    package: Dict[str, Any] = {
        "SPDXID": f"SPDXRef-Package-{kind}-{_spdx_id_part(name)}-{unique}",
        "name": name,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "supplier": NOASSERTION,
    }
    if version:
        package["versionInfo"] = version
    if purpose:
        package["primaryPackagePurpose"] = purpose
    if purl:
        package["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }
        ]
    return package


def _build_settings_annotation(build_info: GoBuildInfo, created: str) -> Dict[str, str]:
    settings = " ".join(shlex.quote(f"{key}={value}") for key, value in build_info.settings)
    platform = "/".join(v for v in (build_info.setting("GOOS"), build_info.setting("GOARCH")) if v)
    if platform and build_info.setting("GOARCH") == "arm" and build_info.setting("GOARM"):
        platform += f"/v{build_info.setting('GOARM')}"
    built = f"Built for {platform} with" if platform else "Built with"
    return {
        "annotationDate": created,
        "annotationType": "OTHER",
        "annotator": TOOL_CREATOR,
        "comment": f"{built} {build_info.go_version}: {settings}".rstrip(": "),
    }


def _relationship(element: str, kind: str, related: str) -> Dict[str, str]:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def _spdx_id_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "unnamed"


def _h1_sha256_hex(go_sum: str) -> str:
    """The SHA-256 inside a go.sum "h1:" hash, in hex, as SPDX checksums are written.

    An h1 hash is the base64 SHA-256 of the module's file list (golang.org/x/mod/sumdb/dirhash),
    so it identifies the module's content exactly, as other Go SBOM tools also record it.
    """
    if not go_sum.startswith("h1:"):
        return ""
    try:
        raw = base64.b64decode(go_sum[3:], validate=True)
    except binascii.Error:
        raise ValueError(f"Malformed go.sum hash {go_sum!r}.") from None
    if len(raw) != hashlib.sha256().digest_size:
        raise ValueError(f"Malformed go.sum hash {go_sum!r}: not a SHA-256.")
    return raw.hex()
