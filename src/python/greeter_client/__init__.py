"""A Python client for the greeter service (src/go/greeter)."""

from greeter_client.client import GreeterClient, GreeterError

__all__ = ["GreeterClient", "GreeterError"]
