"""Package targets: `go_module` generates one per Go package, with dependencies inferred from imports.

First-party packages (and vendored third-party ones) are read from the module's files; packages of
downloaded modules from the module cache that `download_go_modules` fetched once per go.sum. Files are
parsed in Python (go/source.py), so dependencies hold for every platform and tag set go_oci builds:
`go list` answers for one platform at a time.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass

from pants.core.util_rules.environments import EnvironmentField
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, DigestSubset, PathGlobs, Snapshot
from pants.engine.internals.selectors import MultiGet
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    AllUnexpandedTargets,
    FieldSet,
    GeneratedTargets,
    GenerateTargetsRequest,
    InferDependenciesRequest,
    InferredDependencies,
)
from pants.engine.unions import UnionMembership, UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_oci.go import source as go_source
from go_oci.go.source import BuildConfig, GoFile
from go_oci.gomod import Replace
from go_oci.subsystems.go_oci import GoOciSubsystem
from go_oci.subsystems.go_sdk import GoSdkSubsystem
from go_oci.target_types import (
    GoCgoField,
    GoCrossBinaryTarget,
    GoPlatformsField,
    GoImportPathField,
    GoSkipTestsField,
    GoModuleFilesField,
    GoModuleTarget,
    GoPackageSourcesField,
    GoPackageTarget,
    GoSkipGofmtField,
    GoTagsField,
    GoThirdPartyModuleField,
    GoThirdPartyPackageSourcesField,
    GoThirdPartyPackageTarget,
)
from go_oci.util_rules.modules import (
    DownloadedGoModules,
    GoBuildContext,
    GoBuildContextRequest,
    GoModuleError,
    GoModuleSources,
    GoModuleSourcesRequest,
    join_path,
)
from go_oci.util_rules.sdk import MODCACHE_DIR

# What an edit of selects the package, besides its own files (see GoModuleFilesField).
# A go.work next to the go.mod counts too (a go.work above it is in no target's directory: Pants looks
# for a file's owners in its directory and those above).
FIRST_PARTY_MODULE_FILES = ("go.mod", "go.work")
THIRD_PARTY_MODULE_FILES = ("go.mod", "go.sum", "vendor/modules.txt", "go.work", "go.work.sum")


@dataclass(frozen=True)
class GoPackageInfo:
    import_path: str
    dir: str  # relative to the build root; for downloaded modules, to the module cache digest's root
    files: tuple[str, ...]  # the files the target owns, relative to the build root (none when downloaded)
    module: str  # "" for first-party packages, else the providing module as `path@version`
    # The parsed Go files, by path; empty for downloaded packages, which are parsed when inferring.
    go_files: FrozenDict[str, GoFile]

    def generated_name(self, module_dir: str) -> str:
        if self.module:
            return self.import_path
        rel = os.path.relpath(self.dir or ".", module_dir or ".")
        return "." if rel == "." else f"./{rel}"


@dataclass(frozen=True)
class GoModulePackages:
    """The packages a go_module generates targets for."""

    address: Address  # the go_module
    module_dir: str
    module_path: str
    first_party: tuple[GoPackageInfo, ...]
    third_party: tuple[GoPackageInfo, ...]

    def addresses(self) -> dict[str, Address]:
        return {
            p.import_path: Address(
                self.module_dir, target_name=self.address.target_name, generated_name=p.generated_name(self.module_dir)
            )
            for p in (*self.third_party, *self.first_party)
        }

    def find(self, import_path: str) -> GoPackageInfo | None:
        return next((p for p in (*self.first_party, *self.third_party) if p.import_path == import_path), None)


@dataclass(frozen=True)
class GoModulePackagesRequest:
    address: Address  # a go_module


def _unescape_module_path(escaped: str) -> str:
    """The module cache writes upper-case letters as `!` and the lower-case letter."""
    return re.sub(r"!([a-z])", lambda m: m.group(1).upper(), escaped)


def parse_vendor_modules_txt(content: str) -> list[tuple[str, str]]:
    """(package import path, providing `module@version`) for each package vendor/modules.txt lists."""
    packages = []
    module = ""
    for line in content.splitlines():
        if line.startswith("# "):
            fields = line[2:].split()
            if "=>" in fields:  # `# old [version] => new [version]`: the replaced module's identity
                arrow = fields.index("=>")
                fields = fields[:arrow] if len(fields) - arrow - 1 < 2 else fields[arrow + 1 :]
            module = "@".join(fields[:2]) if len(fields) >= 2 else fields[0] if fields else ""
        elif line and not line.startswith("#"):
            packages.append((line.strip(), module))
    return packages


def _parse_go_files(contents: DigestContents) -> dict[str, dict[str, GoFile]]:
    """Parsed Go files by directory."""
    by_dir: dict[str, dict[str, GoFile]] = defaultdict(dict)
    for file in contents:
        if go_source.is_go_build_file(os.path.basename(file.path)):
            by_dir[os.path.dirname(file.path)][file.path] = go_source.parse_go_file(file.content)
    return by_dir


def _downloaded_packages(
    files: tuple[str, ...], requires: dict[str, str], replaces: tuple[Replace, ...] = ()
) -> list[GoPackageInfo]:
    """The packages of each module in a module cache: directories with Go files, nested modules cut.

    A module that `replace`s another is stored under its own path, while its packages keep the
    replaced module's import paths.
    """
    replaced = {(r.new_path, r.new_version): r.old_path for r in replaces if not r.is_local}
    roots: dict[str, tuple[str, str]] = {}  # module root dir -> (module path, version)
    dirs_with_go: set[str] = set()
    nested_modules: set[str] = set()
    prefix = f"{MODCACHE_DIR}/"
    for path in files:
        if not path.startswith(prefix) or path.startswith(f"{prefix}cache/"):
            continue
        parts = path[len(prefix) :].split("/")
        at = next((i for i, p in enumerate(parts) if "@" in p), None)
        if at is None:
            continue
        root = prefix + "/".join(parts[: at + 1])
        name, _, version = parts[at].partition("@")
        roots[root] = (_unescape_module_path("/".join([*parts[:at], name])), version)
        directory = os.path.dirname(path)
        if path.endswith("/go.mod") and directory != root:
            nested_modules.add(directory)
        if path.endswith(".go") and not path.endswith("_test.go") and go_source.is_go_build_file(os.path.basename(path)):
            dirs_with_go.add(directory)
    # Two versions of one module in the cache (a `replace`, or a graph before pruning): the required one.
    chosen: dict[str, str] = {}  # import path of the module's root -> module root dir
    for root, (module_path, version) in sorted(roots.items()):
        import_root = replaced.get((module_path, version), module_path)
        if import_root not in chosen or requires.get(import_root) == version:
            chosen[import_root] = root
    packages = []
    for import_root, root in chosen.items():
        module_path, version = roots[root]
        for directory in sorted(dirs_with_go):
            if directory != root and not directory.startswith(f"{root}/"):
                continue
            rel = os.path.relpath(directory, root)
            rel = "" if rel == "." else rel
            if go_source.skipped_dir(rel) or any(
                directory == n or directory.startswith(f"{n}/") for n in nested_modules if n.startswith(f"{root}/")
            ):
                continue
            import_path = f"{import_root}/{rel}" if rel else import_root
            packages.append(GoPackageInfo(import_path, directory, (), f"{module_path}@{version}", FrozenDict()))
    return packages


@rule(desc="Find the packages of a Go module", level=LogLevel.DEBUG)
async def go_module_packages(request: GoModulePackagesRequest) -> GoModulePackages:
    address = request.address
    module_dir = address.spec_path
    origin = f"the go_module {address}"
    module = await Get(GoModuleSources, GoModuleSourcesRequest(module_dir, origin))
    if module.info.address != address:
        raise GoModuleError(
            f"{address}: {join_path(module_dir, 'BUILD')} has two go_module targets ({module.info.address} too); "
            "a go.mod needs one: remove the other."
        )
    files = module.snapshot.files
    go_contents = await Get(
        DigestContents,
        DigestSubset(
            module.snapshot.digest,
            # testdata/ holds files for tests, never packages: its Go files are not parsed.
            PathGlobs([join_path(module_dir, "**/*.go"), f"!{join_path(module_dir, '**/testdata/**')}"]),
        ),
    )
    go_files = _parse_go_files(go_contents)

    first_party = []
    for directory in sorted(go_files):
        rel = os.path.relpath(directory, module_dir or ".")
        if go_source.skipped_dir("" if rel == "." else rel):
            continue
        module_path = module.info.module_path
        first_party.append(
            GoPackageInfo(
                module_path if rel == "." else f"{module_path}/{rel}",
                directory,
                go_source.package_owned_files(directory, files, go_files[directory]),
                "",
                FrozenDict(go_files[directory]),
            )
        )

    third_party: list[GoPackageInfo] = []
    modules_txt = join_path(module_dir, "vendor/modules.txt")
    if modules_txt in files:
        contents = await Get(DigestContents, DigestSubset(module.snapshot.digest, PathGlobs([modules_txt])))
        for import_path, provider in parse_vendor_modules_txt(contents[0].content.decode()):
            directory = join_path(module_dir, f"vendor/{import_path}")
            parsed = go_files.get(directory, {})
            third_party.append(
                GoPackageInfo(
                    import_path,
                    directory,
                    go_source.package_owned_files(directory, files, parsed, with_tests=False),
                    provider,
                    FrozenDict(parsed),
                )
            )
    elif module.go_mod.requires:
        context = await Get(GoBuildContext, GoBuildContextRequest(module_dir, origin))
        downloaded = await Get(DownloadedGoModules, GoBuildContext, context)
        snapshot = await Get(Snapshot, DigestSubset(downloaded.digest, PathGlobs([f"{MODCACHE_DIR}/**"])))
        third_party = _downloaded_packages(snapshot.files, dict(module.go_mod.requires), context.replaces)

    return GoModulePackages(address, module_dir, module.info.module_path, tuple(first_party), tuple(third_party))


def package_dir(address: Address) -> str:
    """A first-party package target's directory (`svc:mod#./internal/api` -> `svc/internal/api`)."""
    directory = os.path.normpath(os.path.join(address.spec_path, address.generated_name or "."))
    return "" if directory == "." else directory


class GenerateGoPackageTargetsRequest(GenerateTargetsRequest):
    generate_from = GoModuleTarget


@rule(desc="Generate Go package targets", level=LogLevel.DEBUG)
async def generate_go_package_targets(
    request: GenerateGoPackageTargetsRequest, union_membership: UnionMembership
) -> GeneratedTargets:
    generator = request.generator
    packages = await Get(GoModulePackages, GoModulePackagesRequest(generator.address))
    module_dir = packages.module_dir

    def relative(paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(os.path.relpath(p, module_dir or ".") for p in paths)

    def address(package: GoPackageInfo) -> Address:
        return generator.address.create_generated(package.generated_name(module_dir))

    targets = [
        GoPackageTarget(
            {
                **request.template,
                GoImportPathField.alias: p.import_path,
                GoPackageSourcesField.alias: relative(p.files),
                GoModuleFilesField.alias: FIRST_PARTY_MODULE_FILES,
            },
            address(p),
            union_membership,
            residence_dir=p.dir,
        )
        for p in packages.first_party
    ]
    # Third-party code is never formatted, tested or vetted here, so its targets have no `skip_gofmt`,
    # `skip_tests` or `environment` (its packages compile in the environment of what imports them).
    first_party_only = (GoSkipGofmtField.alias, GoSkipTestsField.alias, EnvironmentField.alias)
    third_party_template = {k: v for k, v in request.template.items() if k not in first_party_only}
    targets += [
        GoThirdPartyPackageTarget(
            {
                **third_party_template,
                GoImportPathField.alias: p.import_path,
                GoThirdPartyModuleField.alias: p.module,
                GoThirdPartyPackageSourcesField.alias: relative(p.files),
                GoModuleFilesField.alias: THIRD_PARTY_MODULE_FILES,
            },
            address(p),
            union_membership,
            residence_dir=module_dir,
        )
        for p in packages.third_party
    ]
    return GeneratedTargets(generator, targets)


@dataclass(frozen=True)
class DependencyBuildConfigs:
    """Every way go_oci builds packages: each go_cross_binary's platforms with its `tags` and `cgo`, and
    `[go-oci].default_platforms` with no tags and cgo off (for packages no binary builds yet). A file
    none of them builds (`//go:build ignore`, `tools`, `x_windows.go` where no binary targets Windows)
    is no dependency source."""

    configs: tuple[BuildConfig, ...]


@rule(desc="Find the platforms and tags Go packages are built for", level=LogLevel.DEBUG)
async def dependency_build_configs(
    all_targets: AllUnexpandedTargets, go_oci: GoOciSubsystem, sdk: GoSdkSubsystem
) -> DependencyBuildConfigs:
    # go_cross_binary targets are declared, never generated, so the unexpanded targets hold them all.
    # Finding them still reads every BUILD file (and generates every module's targets, as Pants resolves
    # addresses): a module whose go.sum cannot be downloaded fails inference everywhere, with its message.
    default_platforms = tuple(go_oci.default_platforms)
    builds = [(default_platforms, (), False)]
    builds += [
        (
            t[GoPlatformsField].value if t[GoPlatformsField].value is not None else default_platforms,
            t[GoTagsField].value or (),
            t[GoCgoField].value,
        )
        for t in all_targets
        if isinstance(t, GoCrossBinaryTarget)
    ]
    return DependencyBuildConfigs(go_source.build_configs(builds, sdk.version))


@dataclass(frozen=True)
class _ImportIndex:
    """Import path -> package target, for what a module's packages may import."""

    addresses: FrozenDict[str, Address]


@rule
async def import_index(request: GoModulePackagesRequest) -> _ImportIndex:
    packages = await Get(GoModulePackages, GoModulePackagesRequest, request)
    context = await Get(
        GoBuildContext, GoBuildContextRequest(packages.module_dir, f"the go_module {request.address}")
    )
    # In a workspace, the other modules' packages are imported from their own go_module.
    others = await MultiGet(
        Get(GoModulePackages, GoModulePackagesRequest(m.address)) for m in context.modules if m.address != request.address
    )
    index: dict[str, Address] = {}
    for other in others:
        first_party = {p.import_path for p in other.first_party}
        index.update({k: v for k, v in other.addresses().items() if k in first_party})
    index.update(packages.addresses())
    return _ImportIndex(FrozenDict(index))


@dataclass(frozen=True)
class GoPackageDependenciesInferenceFieldSet(FieldSet):
    required_fields = (GoImportPathField, GoModuleFilesField)

    import_path: GoImportPathField


class InferGoPackageDependencies(InferDependenciesRequest):
    infer_from = GoPackageDependenciesInferenceFieldSet


@rule(desc="Infer Go package dependencies from imports", level=LogLevel.DEBUG)
async def infer_go_package_dependencies(
    request: InferGoPackageDependencies, configs: DependencyBuildConfigs
) -> InferredDependencies:
    address = request.field_set.address
    generator = Address(address.spec_path, target_name=address.target_name)
    packages, index = await MultiGet(
        Get(GoModulePackages, GoModulePackagesRequest(generator)),
        Get(_ImportIndex, GoModulePackagesRequest(generator)),
    )
    package = packages.find(request.field_set.import_path.value)
    if package is None:
        return InferredDependencies([])
    go_files = dict(package.go_files)
    if package.module and not package.files and not go_files:
        # A downloaded package: parse its files out of the module cache.
        context = await Get(GoBuildContext, GoBuildContextRequest(packages.module_dir, f"the go_module {generator}"))
        downloaded = await Get(DownloadedGoModules, GoBuildContext, context)
        contents = await Get(
            DigestContents, DigestSubset(downloaded.digest, PathGlobs([f"{package.dir}/*.go"]))
        )
        go_files = _parse_go_files(contents).get(package.dir, {})
    # Third-party packages are never tested here: their tests' imports are no dependencies.
    imports = go_source.dependency_imports(go_files, configs.configs, with_tests=not package.module)
    own = index.addresses.get(package.import_path)
    return InferredDependencies(
        sorted({index.addresses[i] for i in imports if i in index.addresses and index.addresses[i] != own})
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(GenerateTargetsRequest, GenerateGoPackageTargetsRequest),
        UnionRule(InferDependenciesRequest, InferGoPackageDependencies),
    ]
