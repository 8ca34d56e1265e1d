from __future__ import annotations

from enum import Enum

from pants.option.option_types import ArgsListOption, EnumOption, IntOption, SkipOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class GoCoverMode(Enum):
    SET = "set"
    COUNT = "count"
    ATOMIC = "atomic"


class GoTestSubsystem(Subsystem):
    options_scope = "go-test"
    name = "Go tests"
    help = softwrap(
        """
        How `pants test` runs the tests of Go packages: one cached process per package (a
        `go_oci_package` with `_test.go` files), on this machine's platform, as `go test` would.
        """
    )

    args = ArgsListOption(
        example="-run TestLogin -v -count=1",
        extra_help=softwrap(
            """
            `go test`'s test flags (`go help testflag`): `-run`, `-skip`, `-v`, `-short`, `-count`,
            `-failfast`, `-parallel`, `-cpu`, `-shuffle`, `-bench`, `-benchtime`, `-benchmem`, `-list`,
            `-fullpath`. As with `go test`, benchmarks run only with `-bench`. For `-short` in CI
            only, set `args = ["-short"]` in the CI's Pants config. `-count=1` reruns tests whose
            result is cached, as it does with `go test`.
            """
        ),
        passthrough=True,
    )
    timeout = IntOption(
        default=600,
        help=softwrap(
            """
            Seconds a package's tests may run (`go test -timeout`; go's default is 10 minutes). A test
            still running then is stopped, with its goroutines' stacks in the output.
            """
        ),
    )
    extra_env_vars = StrListOption(
        help=softwrap(
            """
            Environment variables the tests see, besides `[test].extra_env_vars`: `NAME=value`, or
            `NAME` to pass this machine's value on (it is part of the cache key).
            """
        ),
    )
    cover_mode = EnumOption(
        default=GoCoverMode.SET,
        help=softwrap(
            """
            With `pants test --use-coverage`, what a package's cover profile counts for each block of
            code (`go test -covermode`): `set`, whether it ran; `count`, how many times; `atomic`, how
            many times, counted atomically (for tests that run the code from several goroutines at once;
            slower). As with `go test -cover`, only the package under test is instrumented. The profiles
            are written to `dist/coverage/go/`, one per package and `all.out`, all of them merged.
            """
        ),
    )
    skip = SkipOption("test")
