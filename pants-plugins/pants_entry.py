"""Runs Pants 2.17.1 (as its `pants` script does) without its eager plugin-resolution scheduler.

Pants 2.17 builds a second, "bootstrap" rule graph (the whole Python backend) at every start of
pantsd or of a `--no-pantsd` run, only to resolve `[GLOBAL].plugins` from PyPI. Solving that graph
costs about 4 s of CPU (measured: 3.9 s of a 5.7 s `pants --version` in an empty repo on a 2-core
machine), and this repo configures no `plugins`. So the bootstrap scheduler is built on first use,
which is never when `plugins` is empty; with plugins configured Pants behaves exactly as before.

The patch is applied when Pants imports `pants.init.options_initializer`, not here: the thin client
that talks to a running pantsd never imports it, and importing it costs 0.6 s.

`./pants` and the nested-Pants tests start Pants through this file. pantsd re-executes
`[sys.executable] + sys.argv`, so the daemon starts through it too.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from types import ModuleType

_PATCHED_MODULE = "pants.init.options_initializer"


class _PluginResolverOnDemand:
    """Stands in for PluginResolver: resolves plugins only when some are configured."""

    def __init__(self, options_initializer: ModuleType, options_bootstrapper, executor) -> None:
        self._options_initializer = options_initializer
        self._options_bootstrapper = options_bootstrapper
        self._executor = executor
        self._resolver = None

    def resolve(self, options_bootstrapper, env):
        if not options_bootstrapper.get_bootstrap_options().for_global_scope().plugins:
            import pkg_resources  # pants: no-infer-dep (setuptools comes with pantsbuild.pants)

            # What PluginResolver.resolve returns when there is nothing to resolve.
            return pkg_resources.working_set
        if self._resolver is None:
            from pants.init.plugin_resolver import PluginResolver

            scheduler = self._options_initializer.create_bootstrap_scheduler(self._options_bootstrapper, self._executor)
            self._resolver = PluginResolver(scheduler)
        return self._resolver.resolve(options_bootstrapper, env)


def _patch(options_initializer: ModuleType) -> None:
    def init(self, options_bootstrapper, executor) -> None:
        self._plugin_resolver = _PluginResolverOnDemand(options_initializer, options_bootstrapper, executor)

    options_initializer.OptionsInitializer.__init__ = init


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _PATCHED_MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        exec_module = spec.loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            _patch(module)

        spec.loader.exec_module = exec_and_patch
        return spec


def main() -> None:
    sys.meta_path.insert(0, _PatchOnImport())
    from pants.bin import pants_loader

    pants_loader.main()


if __name__ == "__main__":
    main()
