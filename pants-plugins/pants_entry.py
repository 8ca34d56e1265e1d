"""Runs Pants 2.17.1 (as its `pants` script does) without its eager plugin-resolution scheduler.

Pants 2.17 builds a second, "bootstrap" rule graph (the whole Python backend) at every start of
pantsd or of a `--no-pantsd` run, only to resolve `[GLOBAL].plugins` from PyPI. Solving that graph
costs about 4 s of CPU (measured: 3.9 s of a 5.7 s `pants --version` in an empty repo on a 2-core
machine), and this repo configures no `plugins`. So the bootstrap scheduler is built on first use,
which is never when `plugins` is empty; with plugins configured Pants behaves exactly as before.

`./pants` and the nested-Pants tests start Pants through this file. pantsd re-executes
`[sys.executable] + sys.argv`, so the daemon starts through it too.
"""

from __future__ import annotations

import pkg_resources  # pants: no-infer-dep (setuptools comes with pantsbuild.pants)
from pants.bin import pants_loader
from pants.init import options_initializer
from pants.init.plugin_resolver import PluginResolver


class _PluginResolverOnDemand:
    """Stands in for PluginResolver: resolves plugins only when some are configured."""

    def __init__(self, options_bootstrapper, executor) -> None:
        self._options_bootstrapper = options_bootstrapper
        self._executor = executor
        self._resolver: PluginResolver | None = None

    def resolve(self, options_bootstrapper, env) -> pkg_resources.WorkingSet:
        if not options_bootstrapper.get_bootstrap_options().for_global_scope().plugins:
            # What PluginResolver.resolve returns when there is nothing to resolve.
            return pkg_resources.working_set
        if self._resolver is None:
            scheduler = options_initializer.create_bootstrap_scheduler(self._options_bootstrapper, self._executor)
            self._resolver = PluginResolver(scheduler)
        return self._resolver.resolve(options_bootstrapper, env)


def _options_initializer_init(self, options_bootstrapper, executor) -> None:
    self._plugin_resolver = _PluginResolverOnDemand(options_bootstrapper, executor)


def main() -> None:
    options_initializer.OptionsInitializer.__init__ = _options_initializer_init  # type: ignore[assignment]
    pants_loader.main()


if __name__ == "__main__":
    main()
