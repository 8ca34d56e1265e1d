"""The Python client against the real Go service, built by go_oci and started on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from greeter_client import GreeterClient, GreeterError
from greeter_client.cli import main

# Where runtime_package_dependencies puts the go_cross_binary in the test sandbox.
BINARY = Path("src.go.greeter/greeter/linux_amd64/greeter")


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(BINARY), f"-addr=127.0.0.1:{port}"], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "greeter did not start"
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


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
