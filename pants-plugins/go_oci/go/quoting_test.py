"""go_quoting.join is cmd/internal/quoted.Join, and the flags go_oci builds reach the Go tools intact."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from pathlib import Path

import pytest

from go_oci.go import quoting as go_quoting
from go_oci.platforms import Platform
from go_oci.testing import tools
from go_oci.util_rules.build import GoBinarySpec, tool_flag_args
from pants.engine.addresses import Address
from pants.util.frozendict import FrozenDict


def _split(text: str) -> list[str]:
    """cmd/internal/quoted.Split, transcribed: the go command's reading of -ldflags/-gcflags values."""
    args, i = [], 0
    while i < len(text):
        while i < len(text) and text[i] in go_quoting.SEPARATORS:
            i += 1
        if i == len(text):
            break
        if text[i] in "'\"":
            end = text.index(text[i], i + 1)  # ValueError: unterminated, which join must never produce
            args.append(text[i + 1 : end])
            i = end + 1
            continue
        start = i
        while i < len(text) and text[i] not in go_quoting.SEPARATORS:
            i += 1
        args.append(text[start:i])
    return args


@pytest.mark.parametrize(
    "args, joined",
    [
        (["-s", "-w"], "-s -w"),
        (["-X=main.v=a b"], "'-X=main.v=a b'"),
        (["it's"], '"it\'s"'),
        (['say "hi"'], "'say \"hi\"'"),
        (["tab\there", "new\nline"], "'tab\there' 'new\nline'"),
        (["vertical\vtab"], "vertical\vtab"),  # not a separator for the go command, so not quoted
        (["grüße", "a b ü"], "grüße 'a b ü'"),
        ([], ""),
    ],
)
def test_join(args: list[str], joined: str) -> None:
    assert go_quoting.join(args) == joined
    assert _split(joined) == args


def test_both_quote_kinds_cannot_be_joined() -> None:
    with pytest.raises(go_quoting.UnquotableArgument, match="both single and double quotes"):
        go_quoting.join(["ok", "it's \"x\""])


def test_join_round_trips() -> None:
    rng = random.Random(9)
    alphabet = "ab-=. \t\n\r'\"ü\\$"
    for _ in range(2000):
        args = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(rng.randint(1, 4))]
        try:
            joined = go_quoting.join(args)
        except go_quoting.UnquotableArgument:
            assert any("'" in a and '"' in a for a in args)
            continue
        assert _split(joined) == args, (args, joined)


# The values a user may write: spaces, one kind of quote, tabs, backslashes, `$`, non-ASCII, `=`.
X_DEFS = {
    "main.single": "it's 1.0",
    "main.double": 'say "hi" \\n $HOME',
    "main.spaces": "  a\tb  ",
    "main.unicode": "grüße=1",
}
MAIN = """package main

import "os"

var single, double, spaces, unicode, extra string

func main() {
	for _, v := range []string{single, double, spaces, unicode, extra} {
		os.Stdout.WriteString(v + "\\x00")
	}
}
"""


def _spec(**fields) -> GoBinarySpec:
    defaults = dict(
        address=Address("m", target_name="bin"), main_dir="m", binary_name="bin", x_defs=FrozenDict(),
        ldflags=(), gcflags=(), asmflags=(), tags=(), strip=True, cgo=False, env=FrozenDict(),
        platforms=(Platform("linux", "amd64"),),
    )
    return GoBinarySpec(**{**defaults, **fields})


def _go(args: list[str], cwd: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    go = tools.require_go()
    base_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "GOTOOLCHAIN": "local",
        "GOPROXY": "off", "GOFLAGS": "", "CGO_ENABLED": "0",
        "GOCACHE": os.environ.get("GOCACHE") or str(tmp_path / "gocache"),
    }
    return subprocess.run([go, *args], cwd=cwd, env={**base_env, **env}, capture_output=True, text=True)


def test_x_defs_and_ldflags_reach_the_program(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "go.mod").write_text("module example.com/m\n\ngo 1.27\n")
    (module / "main.go").write_text(MAIN)
    spec = _spec(x_defs=FrozenDict(X_DEFS), ldflags=("-X", "main.extra=two words 'quoted'"))
    result = _go(["build", "-trimpath", *tool_flag_args(spec, "."), "-o", "bin", "."], module, tmp_path)
    assert result.returncode == 0, result.stderr
    output = subprocess.run([str(module / "bin")], capture_output=True, check=True).stdout.decode()
    assert output.split("\0")[:-1] == [*X_DEFS.values(), "two words 'quoted'"]


def _tool_argv(go_n_output: str, tool: str, marker: str) -> list[str]:
    """The argv `go build -n` shows for `tool` on the line holding `marker` (Go-quoted where needed)."""
    line = next(l for l in go_n_output.splitlines() if f"/{tool} " in l and marker in l)
    return [json.loads(t) if t.startswith('"') else t for t in re.findall(r'"(?:[^"\\]|\\.)*"|\S+', line)]


def test_gcflags_and_asmflags_reach_the_tools(tmp_path: Path) -> None:
    module = tmp_path / "m"
    (module / "cmd/server").mkdir(parents=True)
    (module / "go.mod").write_text("module example.com/m\n\ngo 1.27\n")
    (module / "cmd/server/main.go").write_text("package main\n\nfunc nop()\n\nfunc main() { nop() }\n")
    (module / "cmd/server/nop_amd64.s").write_text('#include "textflag.h"\n\nTEXT ·nop(SB),NOSPLIT,$0-0\n\tRET\n')
    # The first of each needs quotes, which `go build` refuses at the start of a value.
    gcflags = ("-trimpath=/a b", "-d=checkptr=0", "-D=it's")
    asmflags = ('-D=GREETING="hi there"', "-I=/x y")
    spec = _spec(gcflags=gcflags, asmflags=asmflags)
    result = _go(
        ["build", "-n", "-trimpath", *tool_flag_args(spec, "./cmd/server"), "-o", "bin", "./cmd/server"],
        module, tmp_path, GOOS="linux", GOARCH="amd64",
    )
    assert result.returncode == 0, result.stderr
    compile_argv = _tool_argv(result.stderr, "compile", "-p main")
    assert list(gcflags) == [a for a in compile_argv if a in gcflags]
    assert compile_argv.index(gcflags[0]) + 2 == compile_argv.index(gcflags[2])
    asm_argv = _tool_argv(result.stderr, "asm", "-p main")
    assert asm_argv[asm_argv.index(asmflags[0]) + 1] == asmflags[1]
    # Only the main package gets them: the flags' package pattern is the main package.
    assert not any(gcflags[0] in l for l in result.stderr.splitlines() if "/compile " in l and "-p main" not in l)
