"""`greeter`: talk to a greeter service from the command line."""

from __future__ import annotations

import argparse
import sys

from greeter_client.client import GreeterClient, GreeterError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="greeter", description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="the service's base URL")
    commands = parser.add_subparsers(dest="command", required=True)
    greet = commands.add_parser("greet", help="greet someone")
    greet.add_argument("name")
    greet.add_argument("--lang", default="en")
    commands.add_parser("languages", help="list the languages the service knows")
    teach = commands.add_parser("teach", help="set the greeting of a language")
    teach.add_argument("lang")
    teach.add_argument("greeting")
    args = parser.parse_args(argv)

    client = GreeterClient(args.url)
    try:
        if args.command == "greet":
            print(client.greet(args.name, args.lang))
        elif args.command == "languages":
            print("\n".join(client.languages()))
        else:
            client.set_greeting(args.lang, args.greeting)
    except GreeterError as e:
        print(f"greeter: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
