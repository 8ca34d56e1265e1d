"""Quoting for the values of `go build -ldflags/-gcflags/-asmflags`, as the go command reads them.

The go command splits those values with its own rules (cmd/internal/quoted.Split), not a shell's:
spaces, tabs and newlines separate arguments; an argument that starts with `'` or `"` runs to the next
same quote, with no backslash escapes. So an argument holding both quote kinds cannot be passed at all.
`join` is cmd/internal/quoted.Join, character for character.
"""

from __future__ import annotations

from typing import Iterable

SEPARATORS = frozenset(" \t\n\r")


class UnquotableArgument(ValueError):
    pass


def join(args: Iterable[str]) -> str:
    """The arguments as one string that the go command splits back into exactly `args`."""
    quoted = []
    for arg in args:
        # Like Join, only ASCII decides the quoting (the splitter works on bytes).
        ascii_chars = {c for c in arg if ord(c) < 128}
        saw_space = bool(ascii_chars & SEPARATORS)
        saw_single, saw_double = "'" in ascii_chars, '"' in ascii_chars
        if not (saw_space or saw_single or saw_double):
            quoted.append(arg)
        elif not saw_single:
            quoted.append(f"'{arg}'")
        elif not saw_double:
            quoted.append(f'"{arg}"')
        else:
            raise UnquotableArgument(
                f"{arg!r} holds both single and double quotes, which the go command cannot pass in one argument"
            )
    return " ".join(quoted)
