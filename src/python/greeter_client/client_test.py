"""The Python client against the real Go service, built by go_oci and started on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from go_oci.testing.services import free_port, listening, running
from greeter_client import GreeterClient, GreeterError
from greeter_client.cli import main

# Where runtime_package_dependencies puts the go_cross_binary in the test sandbox.
BINARY = Path("src.go.greeter/greeter/linux_amd64/greeter")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("greeter") / "greeter.log"
    with running([str(BINARY), f"-addr=127.0.0.1:{port}"], log, lambda: listening(port), timeout=10):
        yield f"http://127.0.0.1:{port}"


def test_health_reports_the_injected_version(service: str) -> None:
    assert GreeterClient(service).health() == {"status": "ok", "version": "1.2.0 linux/amd64"}


def test_greet_in_each_language(service: str) -> None:
    client = GreeterClient(service)
    assert client.greet("world") == "Hello, world!"
    assert client.greet("monde", lang="fr") == "Bonjour, monde!"
    assert {"de", "en", "fr"} <= set(client.languages())


def test_errors_come_back_as_greeter_errors(service: str) -> None:
    with pytest.raises(GreeterError) as e:
        GreeterClient(service).greet("world", lang="tlh")
    assert e.value.status == 404
    assert e.value.message == "unknown language tlh"


def test_cli_teaches_and_greets(service: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--url", service, "teach", "es", "Hola"]) == 0
    assert main(["--url", service, "greet", "mundo", "--lang", "es"]) == 0
    assert capsys.readouterr().out == "Hola, mundo!\n"
    assert main(["--url", service, "greet", "x", "--lang", "xx"]) == 1
