from __future__ import annotations

from pants.option.option_types import ArgsListOption, SkipOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class GofmtArgsError(Exception):
    pass


class GofmtSubsystem(Subsystem):
    options_scope = "gofmt"
    name = "gofmt"
    help = softwrap(
        """
        gofmt from the pinned Go SDK (`[go-sdk]`), run by `pants fmt` (which rewrites files) and `pants
        lint` (which fails naming each file that is not formatted). It formats the Go files of the
        packages of every `go_module` (tests included; not `testdata/`, `vendor/` or third-party code);
        a module opts out with `skip_gofmt=True`.
        """
    )

    skip = SkipOption("fmt", "lint")
    args = ArgsListOption(
        example="-s",
        extra_help=softwrap(
            """
            Only these are accepted: `-s` (simplify code), `-r 'pattern -> replacement'` (a rewrite rule,
            as two arguments or `-r=rule`) and `-e` (report every syntax error). go_oci picks the files and
            the output flags itself.
            """
        ),
    )

    def checked_args(self) -> tuple[str, ...]:
        """`args`, holding only `-s`, `-e` and `-r`: other flags would change what gofmt reads or prints."""
        args = tuple(self.args)
        i = 0
        while i < len(args):
            if args[i] == "-r":
                if i + 1 == len(args):
                    raise GofmtArgsError(
                        "[gofmt].args ends with `-r` and no rewrite rule; give one after it, e.g. "
                        "`-r 'bytes.Compare(a, b) == 0 -> bytes.Equal(a, b)'`."
                    )
                i += 1
            elif args[i] not in ("-s", "-e") and not args[i].startswith("-r="):
                raise GofmtArgsError(
                    f"[gofmt].args holds {args[i]!r}, which go_oci does not pass to gofmt: use only `-s`, `-e` and "
                    "`-r 'pattern -> replacement'` (go_oci picks the files and the output flags itself)."
                )
            i += 1
        return args
