from __future__ import annotations

from pants.option.option_types import ArgsListOption, SkipOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class GoVetSubsystem(Subsystem):
    options_scope = "go-vet"
    name = "go vet"
    help = softwrap(
        """
        `pants check` runs `go vet` (the pinned SDK's, with its default analyzers) on each Go package
        and its tests, on this machine's platform, one cached process per package.
        """
    )

    args = ArgsListOption(example="-printf.funcs=Logf -unusedresult=false")
    skip = SkipOption("check")
