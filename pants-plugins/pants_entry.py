"""Runs Pants 2.17.1 as its `pants` script does, minus two start-up costs this repo never needs.

First, pantsd's own start. Pants 2.17 builds a second, "bootstrap" rule graph (the whole Python
backend) at every start of pantsd or of a `--no-pantsd` run, only to resolve `[GLOBAL].plugins` from
PyPI. Solving that graph costs about 4 s of CPU (measured: 3.9 s of a 5.7 s `pants --version` in an
empty repo on a 2-core machine), and this repo configures no `plugins`. So the bootstrap scheduler is
built on first use, which is never when `plugins` is empty; with plugins, Pants behaves as before.

The patch is applied when Pants imports `pants.init.options_initializer`, not here: the thin client
that talks to a running pantsd never imports it, and importing it costs 0.6 s.

Second, the thin client itself: Pants 2.17 keeps its imports light on purpose, but
`pants_daemon_client` imports `pants.pantsd.pants_daemon` only to read its `__name__`, and that module
pulls in the whole local runner and core rules (about 0.5 s of a 0.75 s no-op `package`). Outside pantsd
that module is loaded on first real use instead, which a client talking to pantsd never makes.

`./pants` and the nested-Pants tests start Pants through this file. pantsd re-executes
`[sys.executable] + sys.argv`, so the daemon starts through it too.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
from types import ModuleType

_PATCHED_MODULE = "pants.init.options_initializer"
_DAEMON_MODULE = "pants.pantsd.pants_daemon"
_DAEMON_ENTRYPOINT_ENV = "PANTS_DAEMON_ENTRYPOINT"  # set by the client when it spawns pantsd


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


class _ModuleLoadedOnUse(ModuleType):
    """Has its name (all the thin client reads) at once; the rest of the module on first use."""

    def __getattr__(self, name: str):
        # Called only for attributes not set yet. The import system probes dunders such as __path__
        # while it creates the module: those are module metadata, not a use.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        # A use: load the real module and become it.
        del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


class _DeferDaemonModule(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname != _DAEMON_MODULE:
            return None
        sys.meta_path.remove(self)
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec) -> ModuleType:
        return _ModuleLoadedOnUse(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        pass


def main() -> None:
    sys.meta_path.insert(0, _PatchOnImport())
    if not os.environ.get(_DAEMON_ENTRYPOINT_ENV):
        sys.meta_path.insert(0, _DeferDaemonModule())
    from pants.bin import pants_loader

    pants_loader.main()


if __name__ == "__main__":
    main()
