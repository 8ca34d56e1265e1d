import re

import pytest

from go_oci.gomod import GoModFile, Replace, parse_go_sum, parse_go_work_uses, parse_replaces


def test_parse_go_mod():
    parsed = GoModFile.parse(
        """\
module example.com/svc // the service

go 1.27

require github.com/google/uuid v1.3.0
require (
	github.com/gorilla/mux v1.8.0 // indirect
	"golang.org/x/text" v0.14.0
)

replace example.com/old => example.com/new v1.0.0
"""
    )
    assert parsed.module_path == "example.com/svc"
    assert parsed.requires == (
        ("github.com/google/uuid", "v1.3.0"),
        ("github.com/gorilla/mux", "v1.8.0"),
        ("golang.org/x/text", "v0.14.0"),
    )
    assert parsed.go_version == "1.27"
    assert parsed.replaces == (Replace("example.com/old", "", "example.com/new", "v1.0.0"),)
    assert parsed.local_replaces == ()


def test_replace_forms():
    parsed = GoModFile.parse(
        """\
module a

replace github.com/cespare/xxhash/v2 v2.1.2 => github.com/cespare/xxhash/v2 v2.1.1 // a version replace
replace (
	github.com/beorn7/perks => example.com/fork/perks v1.0.1
	b => ../b
	c v1.0.0 => ./c
	d => /abs/d
)
"""
    )
    assert [str(r) for r in parsed.replaces] == [
        "b => ../b",
        "c v1.0.0 => ./c",
        "d => /abs/d",
        "github.com/beorn7/perks => example.com/fork/perks v1.0.1",
        "github.com/cespare/xxhash/v2 v2.1.2 => github.com/cespare/xxhash/v2 v2.1.1",
    ]
    assert parsed.local_replaces == ("b", "c", "d")


@pytest.mark.parametrize(
    "directive, message",
    [
        ("replace a v1.0.0", "has no `=>`"),
        ("replace a v1 extra => b v2", "is not `old [version] => new [version]`"),
        ("replace a => example.com/b", "needs a version after example.com/b"),
    ],
)
def test_bad_replace(directive: str, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_replaces(f"module m\n{directive}\n")


@pytest.mark.parametrize(
    "go, prunes", [("go 1.17", True), ("go 1.27.3", True), ("go 1.16", False), ("go 1.9", False), ("", False)]
)
def test_graph_pruning_follows_the_go_directive(go: str, prunes: bool):
    assert GoModFile.parse(f"module m\n{go}\n").prunes_module_graph is prunes


def test_go_sum_keeps_content_hashes_only():
    go_sum = (
        "github.com/google/uuid v1.3.0 h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I=\n"
        "github.com/google/uuid v1.3.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n"
        "golang.org/x/sys v0.3.0/go.mod h1:oPkhp1MJrh7nUepCBck5+mAzfO9JrbApNNgaTdGDITg=\n"
    )
    assert parse_go_sum(go_sum) == {
        ("github.com/google/uuid", "v1.3.0"): "h1:t6JiXgmwXMjEs8VusXIJk2BXHsn+wx8BZdTaoZ5fu7I="
    }


def test_missing_module_line():
    with pytest.raises(ValueError, match="no `module` line"):
        GoModFile.parse("go 1.27\n")


def test_go_work_uses():
    assert parse_go_work_uses("go 1.27\n\nuse (\n\t./app\n\t./lib // shared\n)\nuse ./tools\n") == ("app", "lib", "tools")
    assert parse_go_work_uses("go 1.27\nuse .\n") == (".",)
