"""What `go build` reads of a Go package directory, from the files alone: imports, build constraints, embeds.

Parsed in Python rather than by `go list`: `go list` answers for one GOOS/GOARCH/tag set, while the
package graph must hold the union over every platform and tag set go_oci builds, and a cached process
per module would run again on every edit. The rules follow go/build (syslist.go, `goodOSArchFile`,
`matchTag`, go/build/constraint) and `go list`'s file classes.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Callable, Collection, Iterable, Iterator, Optional

# go/build's syslist: file name suffixes from these lists are constraints even where no SDK builds them.
KNOWN_OS = frozenset(
    "aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 "
    "windows zos".split()
)
UNIX_OS = frozenset("aix android darwin dragonfly freebsd hurd illumos ios linux netbsd openbsd solaris".split())
KNOWN_ARCH = frozenset(
    "386 amd64 amd64p32 arm armbe arm64 arm64be loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc "
    "ppc64 ppc64le riscv riscv64 s390 s390x sparc sparc64 wasm".split()
)
# GOOS values that also satisfy another OS's tag and file suffix (go/build matchTag).
_OS_IMPLIES = {"android": "linux", "ios": "darwin", "illumos": "solaris"}

# Non-Go files `go build` hands to a tool (go list's CFiles, HFiles, SFiles, SysoFiles, ...).
OTHER_SOURCE_EXTENSIONS = frozenset(
    ".s .S .sx .c .h .cc .cpp .cxx .hh .hpp .hxx .m .f .F .for .f90 .syso .swig .swigcxx".split()
)


@dataclass(frozen=True)
class BuildConfig:
    """One way go_oci builds packages: a platform, cgo on or off, and the custom tags of a binary."""

    goos: str
    goarch: str
    cgo: bool
    tags: frozenset[str]
    go_minor: int  # the SDK's `go1.N`: release tags up to it hold

    def satisfies(self, tag: str) -> bool:
        if tag in (self.goos, self.goarch, "gc") or tag in self.tags:
            return True
        if tag == "unix":
            return self.goos in UNIX_OS
        if tag == "cgo":
            return self.cgo
        if _OS_IMPLIES.get(self.goos) == tag:
            return True
        release = re.fullmatch(r"go1\.(\d+)", tag)
        return bool(release) and int(release.group(1)) <= self.go_minor


def build_configs(builds: Iterable[tuple[Iterable[str], Iterable[str], bool]], go_version: str) -> tuple[BuildConfig, ...]:
    """The configs of `builds`: each is (platforms as `os/arch[/variant]`, custom tags, cgo)."""
    minor = int(go_version.split(".")[1]) if go_version.count(".") >= 1 else 0
    configs = {
        BuildConfig(*platform.split("/")[:2], cgo, frozenset(tags), minor)  # type: ignore[call-arg]
        for platforms, tags, cgo in builds
        for platform in platforms
        if platform.count("/") in (1, 2)
    }
    return tuple(sorted(configs, key=lambda c: (c.goos, c.goarch, c.cgo, sorted(c.tags))))


class ConstraintSyntaxError(ValueError):
    pass


Expr = Callable[[BuildConfig], bool]
_TOKEN = re.compile(r"\s*(\(|\)|!|&&|\|\||[A-Za-z0-9_.]+)")


def parse_go_build(expression: str) -> Expr:
    """A `//go:build` expression (go/build/constraint) as a predicate on a BuildConfig."""
    tokens: list[str] = []
    position = 0
    text = expression.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match:
            raise ConstraintSyntaxError(f"unexpected {text[position:]!r} in `//go:build {expression}`")
        tokens.append(match.group(1))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1

    def parse_or(i: int) -> tuple[Expr, int]:
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i] == "||":
            right, i = parse_and(i + 1)
            left = (lambda a, b: lambda c: a(c) or b(c))(left, right)
        return left, i

    def parse_and(i: int) -> tuple[Expr, int]:
        left, i = parse_not(i)
        while i < len(tokens) and tokens[i] == "&&":
            right, i = parse_not(i + 1)
            left = (lambda a, b: lambda c: a(c) and b(c))(left, right)
        return left, i

    def parse_not(i: int) -> tuple[Expr, int]:
        if i >= len(tokens):
            raise ConstraintSyntaxError(f"`//go:build {expression}` ends early")
        if tokens[i] == "!":
            inner, i = parse_not(i + 1)
            return (lambda a: lambda c: not a(c))(inner), i
        if tokens[i] == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i] != ")":
                raise ConstraintSyntaxError(f"unbalanced parentheses in `//go:build {expression}`")
            return inner, i + 1
        if tokens[i] in (")", "&&", "||"):
            raise ConstraintSyntaxError(f"unexpected {tokens[i]!r} in `//go:build {expression}`")
        tag = tokens[i]
        return (lambda c: c.satisfies(tag)), i + 1

    expr, end = parse_or(0)
    if end != len(tokens):
        raise ConstraintSyntaxError(f"unexpected {tokens[end]!r} in `//go:build {expression}`")
    return expr


def parse_plus_build(lines: Iterable[str]) -> Expr:
    """Legacy `// +build` lines: lines AND, space-separated terms OR, comma-separated terms AND."""

    def term(word: str) -> Expr:
        negated = word.startswith("!")
        tag = word.lstrip("!")
        return (lambda c: not c.satisfies(tag)) if negated else (lambda c: c.satisfies(tag))

    clauses = [[[term(w) for w in option.split(",") if w] for option in line.split()] for line in lines]
    return lambda c: all(any(all(t(c) for t in option) for option in clause) for clause in clauses)


def file_name_matches(name: str, config: BuildConfig) -> bool:
    """go/build's `goodOSArchFile`: `_GOOS`, `_GOARCH` and `_GOOS_GOARCH` name suffixes (before `_test`)."""
    stem = name.split(".", 1)[0]
    if "_" not in stem:
        return True
    parts = stem[stem.index("_") :].split("_")
    if parts[-1] == "test":
        parts = parts[:-1]
    if len(parts) >= 2 and parts[-2] in KNOWN_OS and parts[-1] in KNOWN_ARCH:
        return config.satisfies(parts[-2]) and config.satisfies(parts[-1])
    if parts and (parts[-1] in KNOWN_OS or parts[-1] in KNOWN_ARCH):
        return config.satisfies(parts[-1])
    return True


@dataclass(frozen=True)
class GoFile:
    """The parts of one Go file that decide what `go build` reads."""

    package: str
    imports: tuple[str, ...]
    embeds: tuple[str, ...]  # the //go:embed patterns
    go_build: Optional[str]  # the //go:build expression, if any
    plus_build: tuple[str, ...]  # legacy `// +build` lines (used only without //go:build)

    def constraint(self) -> Expr:
        if self.go_build is not None:
            return parse_go_build(self.go_build)
        if self.plus_build:
            return parse_plus_build(self.plus_build)
        return lambda c: True


def _tokens(text: str, start: int) -> Iterator[tuple[int, str]]:
    """Go tokens from `start` and where each starts, enough for import declarations: comments
    dropped, strings kept quoted."""
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            if ch == "\n":
                yield i, ";"  # a newline may end a declaration
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == '"':
            j = i + 1
            while j < n and text[j] not in '"\n':
                j += 2 if text[j] == "\\" else 1
            yield i, text[i : j + 1]
            i = j + 1
        elif ch == "`":
            j = text.find("`", i + 1)
            j = n - 1 if j < 0 else j
            yield i, text[i : j + 1]
            i = j + 1
        elif ch.isalnum() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            yield i, text[i:j]
            i = j
        else:
            yield i, ch
            i += 1


def _unquote(token: str) -> str:
    if token.startswith("`"):
        return token.strip("`")
    return token[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in token else token[1:-1]


_PACKAGE_CLAUSE = re.compile(r"package\s+(\w+)")
_EMBED_PATTERN = re.compile(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)')


def _header_end(text: str) -> int:
    """Where the package clause starts: constraints count only in the comments before it."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        else:
            return i
    return n


def parse_go_file(content: bytes) -> GoFile:
    text = content.decode("utf-8", "replace")
    if text.startswith("\ufeff"):  # Go skips a leading byte order mark
        text = text[1:]
    return _parse(text)[0]


# What may follow a file's imports: the first declaration.
_DECLARATION_KEYWORDS = frozenset({"func", "var", "const", "type"})


def _parse(text: str) -> tuple[GoFile, int]:
    """The file's facts, and where its first declaration after the imports starts (-1 if none does)."""
    header_end = _header_end(text)
    go_build = None
    plus_build = []
    for line in text[:header_end].splitlines():
        stripped = line.strip()
        if stripped.startswith("//go:build") and stripped[10:11] in (" ", "\t") and go_build is None:
            go_build = stripped[10:].strip()
        elif re.match(r"//\s*\+build\s", stripped):
            plus_build.append(stripped.split("+build", 1)[1].strip())
    package_match = _PACKAGE_CLAUSE.match(text, header_end)
    package = package_match.group(1) if package_match else ""
    imports: list[str] = []
    declarations = -1
    if package_match:
        tokens = _tokens(text, package_match.end())
        state = "top"  # top: between declarations; spec: in one import spec; block: in `import (`
        for position, token in tokens:
            if state == "top":
                if token == ";":
                    continue
                if token != "import":
                    declarations = position if token in _DECLARATION_KEYWORDS else -1
                    break
                state = "spec"
            elif token == ";":
                state = "block" if state in ("block", "block-spec") else ("top" if state == "spec-done" else state)
            elif token == "(" and state == "spec":
                state = "block"
            elif token == ")" and state in ("block", "block-spec"):
                state = "top"
            elif token[:1] in ('"', "`"):
                imports.append(_unquote(token))
                state = "block-spec" if state in ("block", "block-spec") else "spec-done"
    embeds: list[str] = []
    # As go/build: only in a file that imports "embed", and only real comments.
    directives = _embed_comment_spans(text, 0) if "embed" in imports else ()
    for begin, end in directives:
        for quoted, raw, bare in _EMBED_PATTERN.findall(text[begin + len("//go:embed") : end]):
            pattern = quoted or raw or bare
            if bare.startswith("//"):
                break
            embeds.append(_unquote(f'"{quoted}"') if quoted else pattern)
    go_file = GoFile(package, tuple(dict.fromkeys(imports)), tuple(embeds), go_build, tuple(plus_build))
    return go_file, declarations


def _embed_comment_spans(text: str, start: int) -> list[tuple[int, int]]:
    """Where the `//go:embed` line comments from `start` on are, as go/scanner finds them: not
    inside strings, runes or block comments."""
    spans: list[tuple[int, int]] = []
    i, n = start, len(text)
    while i < n:
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if text.startswith("//go:embed", i):
                spans.append((i, end))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif text[i] in "\"'":
            quote, j = text[i], i + 1
            while j < n and text[j] not in (quote, "\n"):
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif text[i] == "`":
            end = text.find("`", i + 1)
            i = n if end < 0 else end + 1
        else:
            i += 1
    return spans


def go_list_view(content: bytes) -> bytes:
    """The Go file as `go list` reads it: everything up to the end of its imports, then, of the rest,
    only the `//go:embed` comments (kept only when it imports "embed", as go/build does), each on its
    own line. go/build reads nothing else of a file (go/build/read.go readGoInfo), so a package's
    graph is a function of these views: an edit inside a declaration leaves them, and the analysis
    keyed on them, unchanged. Line numbers stay, so go's messages point at the source; a comment after
    code on its line moves to the line's start. A file this parser does not understand is kept whole.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    bom = text.startswith("\ufeff")
    go_file, declarations = _parse(text[1:] if bom else text)
    if declarations < 0:
        return content
    cut = declarations + (1 if bom else 0)
    comments = {}
    for begin, end in _embed_comment_spans(text, cut) if "embed" in go_file.imports else ():
        line_start = text.rfind("\n", 0, begin) + 1
        indent = text[line_start:begin] if line_start >= cut and not text[line_start:begin].strip() else ""
        comments[text.count("\n", cut, begin)] = indent + text[begin:end]
    lines = [comments.get(n, "") for n in range(text.count("\n", cut) + 1)]
    return (text[:cut] + "\n".join(lines)).encode()


def is_go_build_file(name: str) -> bool:
    """Whether `go build` considers the file at all: go/build skips names starting with `_` or `.`."""
    return not name.startswith(("_", "."))


def included_somewhere(name: str, go_file: GoFile, configs: Collection[BuildConfig]) -> bool:
    """Whether some config builds the file: its name suffix and constraint hold, and `import "C"` has cgo."""
    try:
        constraint = go_file.constraint()
    except ConstraintSyntaxError:
        return True  # `go build` reports the bad line; the file stays a dependency source until then
    needs_cgo = "C" in go_file.imports
    return any(
        (config.cgo or not needs_cgo) and file_name_matches(name, config) and constraint(config) for config in configs
    )


def skipped_dir(relative_dir: str) -> bool:
    """Directories `./...` never holds packages in: testdata, vendor, and names starting with `.` or `_`."""
    return any(part in ("testdata", "vendor") or part.startswith((".", "_")) for part in relative_dir.split("/") if part)


def embedded_files(package_dir: str, patterns: Iterable[str], files: Collection[str]) -> tuple[str, ...]:
    """The files of `files` (paths from the same root as `package_dir`) that //go:embed `patterns` match.

    A pattern is a path.Match glob relative to the package directory; matching a directory embeds the
    files below it except (without `all:`) those under a name starting with `.` or `_`.
    """
    prefix = f"{package_dir}/" if package_dir else ""
    below = [f[len(prefix) :] for f in files if f.startswith(prefix)]
    matched: set[str] = set()
    for raw in patterns:
        keep_hidden = raw.startswith("all:")
        pattern = raw[4:] if keep_hidden else raw
        pattern_parts = pattern.split("/")
        for rel in below:
            parts = rel.split("/")
            if len(parts) < len(pattern_parts):
                continue
            if not all(fnmatch.fnmatchcase(p, q) for p, q in zip(parts, pattern_parts)):
                continue
            rest = parts[len(pattern_parts) :]
            if rest and not keep_hidden and any(p.startswith((".", "_")) for p in rest):
                continue
            matched.add(prefix + rel)
    return tuple(sorted(matched))


def package_owned_files(
    package_dir: str, files: Collection[str], go_files: dict[str, GoFile], *, with_tests: bool = True
) -> tuple[str, ...]:
    """What `go build`/`go test` read for the package in `package_dir`.

    `files` are all the module's files (same root as `package_dir`), `go_files` the parsed Go files of
    the package. Every Go file counts, excluded or not: `go build` reads each one's constraints.
    """
    prefix = f"{package_dir}/" if package_dir else ""
    owned = set()
    for path in files:
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        name = os.path.basename(rel)
        if "/" not in rel:
            if not is_go_build_file(name) or (not with_tests and name.endswith("_test.go")):
                continue
            if name.endswith(".go") or os.path.splitext(name)[1] in OTHER_SOURCE_EXTENSIONS:
                owned.add(path)
        elif with_tests and rel.startswith("testdata/"):
            owned.add(path)
    patterns = [p for path, f in go_files.items() if with_tests or not path.endswith("_test.go") for p in f.embeds]
    owned.update(embedded_files(package_dir, patterns, files))
    return tuple(sorted(owned))


def dependency_imports(
    go_files: dict[str, GoFile], configs: Collection[BuildConfig], *, with_tests: bool = True
) -> tuple[str, ...]:
    """The imports of the package's files that some config builds, with its internal tests' (`package
    x` in `x_test.go`: a package target owns its tests, whose results depend on what they import; go
    forbids those imports to lead back to the package). External test packages' (`package x_test`)
    may import packages that import this one, which would make a target cycle, so they are left out."""
    imports: set[str] = set()
    for path, go_file in go_files.items():
        name = os.path.basename(path)
        if not is_go_build_file(name):
            continue
        if name.endswith("_test.go") and (not with_tests or go_file.package.endswith("_test")):
            continue
        if included_somewhere(name, go_file, configs):
            imports.update(i for i in go_file.imports if i != "C")
    return tuple(sorted(imports))
