import pytest

from go_oci.gomod import GoModFile, parse_go_work_uses


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
    assert parsed.local_replaces == ()


def test_local_replace_is_reported():
    parsed = GoModFile.parse("module a\nreplace (\n\tb => ../b\n\tc v1.0.0 => c v1.0.1\n)\n")
    assert parsed.local_replaces == ("b",)


def test_missing_module_line():
    with pytest.raises(ValueError, match="no `module` line"):
        GoModFile.parse("go 1.27\n")


def test_go_work_uses():
    assert parse_go_work_uses("go 1.27\n\nuse (\n\t./app\n\t./lib // shared\n)\nuse ./tools\n") == ("app", "lib", "tools")
    assert parse_go_work_uses("go 1.27\nuse .\n") == (".",)
