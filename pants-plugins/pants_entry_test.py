from __future__ import annotations

import subprocess
import sys

import pkg_resources  # pants: no-infer-dep (setuptools comes with pantsbuild.pants)
import pytest
from pants.init import options_initializer, plugin_resolver
from pants.option.options_bootstrapper import OptionsBootstrapper

import pants_entry


@pytest.fixture
def bootstrap_calls(monkeypatch, tmp_path) -> list[str]:
    (tmp_path / "pants.toml").write_text("[GLOBAL]\n")  # a build root for the options
    monkeypatch.chdir(tmp_path)
    calls: list[str] = []
    monkeypatch.setattr(
        options_initializer, "create_bootstrap_scheduler", lambda *_: calls.append("built") or "scheduler"
    )
    monkeypatch.setattr(plugin_resolver.PluginResolver, "resolve", lambda self, *_: f"resolved with {self._scheduler}")
    # Restored after the test: _patch replaces it.
    initializer = options_initializer.OptionsInitializer
    monkeypatch.setattr(initializer, "__init__", initializer.__init__)
    pants_entry._patch(options_initializer)
    return calls


def _python(code: str) -> str:
    """Runs `code` in a fresh interpreter: the import hooks act on first import only."""
    env = {"PYTHONPATH": ":".join(sys.path)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def _bootstrapper(*args: str) -> OptionsBootstrapper:
    return OptionsBootstrapper.create(env={}, args=["pants", *args], allow_pantsrc=False)


def test_no_bootstrap_scheduler_without_plugins(bootstrap_calls: list[str]) -> None:
    options = _bootstrapper()
    initializer = options_initializer.OptionsInitializer(options, executor=None)
    assert initializer._plugin_resolver.resolve(options, {}) is pkg_resources.working_set
    assert bootstrap_calls == []


def test_plugins_still_resolve_through_the_bootstrap_scheduler(bootstrap_calls: list[str]) -> None:
    options = _bootstrapper("--plugins=['some-plugin==1.0']")
    initializer = options_initializer.OptionsInitializer(options, executor=None)
    assert bootstrap_calls == []
    assert initializer._plugin_resolver.resolve(options, {}) == "resolved with scheduler"
    assert initializer._plugin_resolver.resolve(options, {}) == "resolved with scheduler"
    assert bootstrap_calls == ["built"]


def test_the_patch_is_applied_when_pants_imports_the_module() -> None:
    code = (
        "import sys, pants_entry\n"
        "sys.meta_path.insert(0, pants_entry._PatchOnImport())\n"
        "from pants.init.options_initializer import OptionsInitializer\n"
        "print(OptionsInitializer.__init__.__qualname__)\n"
    )
    assert _python(code).strip() == "_patch.<locals>.init"


def test_the_thin_client_loads_the_daemon_module_only_on_use() -> None:
    code = (
        "import sys, pants_entry\n"
        "sys.meta_path.insert(0, pants_entry._DeferDaemonModule())\n"
        "from pants.pantsd import pants_daemon_client, pants_daemon\n"
        "print(pants_daemon.__name__, 'pants.bin.local_pants_runner' in sys.modules)\n"
        "print(callable(pants_daemon.launch_new_pantsd_instance), 'pants.bin.local_pants_runner' in sys.modules)\n"
        "from pants.pantsd.pants_daemon import PantsDaemon\n"
        "print(PantsDaemon is pants_daemon.PantsDaemon is sys.modules['pants.pantsd.pants_daemon'].PantsDaemon)\n"
    )
    assert _python(code).split("\n") == ["pants.pantsd.pants_daemon False", "True True", "True", ""]
