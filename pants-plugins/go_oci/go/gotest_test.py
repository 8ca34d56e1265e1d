from __future__ import annotations

import json
from xml.etree import ElementTree

from go_oci.go.analysis import TESTMAIN_DIR, graph_of_tests_from_go_list
from go_oci.go.gotest import GoTestCounts, binary_test_flags, junit_xml, parse_test_cases
from go_oci.go.package_targets import package_dir
from go_oci.go.importcfg import compile_importcfg
from go_oci.go.vet import vet_config
from pants.engine.addresses import Address


def test_go_test_flags_become_test_binary_flags() -> None:
    assert binary_test_flags(["-run", "TestX", "-v", "-count=1", "--short", "-bench=.", "-timeout", "5s"]) == (
        "-test.run=TestX", "-test.v", "-test.count=1", "-test.short", "-test.bench=.", "-test.timeout=5s",
    )
    # Not go test flags (the test's own, after `-args` in go): passed as they are.
    assert binary_test_flags(["-update", "-v=true", "-run"]) == ("-update", "-test.v=true", "-test.run")


def test_counts_are_the_top_level_tests_and_examples() -> None:
    output = (
        "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    --- PASS: TestB/sub (0.00s)\n"
        "--- FAIL: TestB (0.00s)\n--- SKIP: TestC (0.00s)\n--- PASS: ExampleD (0.00s)\nFAIL\n"
    )
    assert GoTestCounts.of(parse_test_cases(output)) == GoTestCounts(2, 1, 1)
    assert str(GoTestCounts.of(parse_test_cases(output))) == "2 passed, 1 failed, 1 skipped"
    assert str(GoTestCounts.of(parse_test_cases("panic: boom\n"))) == "no tests ran"


def test_package_dir_of_generated_targets() -> None:
    assert package_dir(Address("svc", target_name="mod", generated_name="./internal/api")) == "svc/internal/api"
    assert package_dir(Address("svc", target_name="mod", generated_name=".")) == "svc"
    assert package_dir(Address("", target_name="mod", generated_name=".")) == ""


def _listing(*objects: dict) -> str:
    return "\n".join(json.dumps(o, indent="\t") for o in objects)


def test_the_test_binary_holds_the_test_variants_under_plain_import_paths() -> None:
    root = "/sandbox"
    module = {"Path": "example.com/m", "GoVersion": "1.22"}
    stdout = _listing(
        {"ImportPath": "fmt", "Name": "fmt", "Standard": True, "Dir": "/goroot/src/fmt", "GoFiles": ["print.go"]},
        # The package as binaries build it: not in the test binary.
        {"ImportPath": "example.com/m/calc", "Name": "calc", "Dir": f"{root}/m/calc", "GoFiles": ["calc.go"],
         "Module": module},
        {"ImportPath": "example.com/m/calc [example.com/m/calc.test]", "Name": "calc", "Dir": f"{root}/m/calc",
         "GoFiles": ["calc.go", "calc_test.go"], "Imports": ["fmt", "testing"], "ForTest": "example.com/m/calc",
         "Module": module},
        {"ImportPath": "testing", "Name": "testing", "Standard": True, "Dir": "/goroot/src/testing"},
        {"ImportPath": "example.com/m/calc_test [example.com/m/calc.test]", "Name": "calc_test",
         "Dir": f"{root}/m/calc", "GoFiles": ["calc_ext_test.go"], "ForTest": "example.com/m/calc",
         "Imports": ["example.com/m/calc [example.com/m/calc.test]", "fmt"],
         "ImportMap": {"example.com/m/calc": "example.com/m/calc [example.com/m/calc.test]"}, "Module": module},
        {"ImportPath": "example.com/m/calc.test", "Name": "main", "Dir": f"{root}/m/calc",
         "GoFiles": [f"{root}/__testcache/ab/abcdef-d"], "DefaultGODEBUG": "panicnil=1",
         "Imports": ["example.com/m/calc [example.com/m/calc.test]", "example.com/m/calc_test [example.com/m/calc.test]",
                     "testing"], "Module": module},
    )
    under_test, packages, testmain = graph_of_tests_from_go_list(stdout, "m/calc")
    assert under_test == "example.com/m/calc" and testmain == f"{root}/__testcache/ab/abcdef-d"
    assert [p.import_path for p in packages] == [
        "fmt", "example.com/m/calc", "testing", "example.com/m/calc_test", "example.com/m/calc.test",
    ]
    _, variant, _, external, main = packages
    assert variant.go_files == ("calc.go", "calc_test.go") and variant.dir == "m/calc"
    assert external.imports == ("example.com/m/calc", "fmt") and not external.import_map
    assert external.trimmed_dir == "example.com/m/calc"  # file names show the tested package's directory
    assert main.dir == TESTMAIN_DIR and main.go_files == ("_testmain.go",) and main.default_godebug == "panicnil=1"
    assert compile_importcfg(external, {"example.com/m/calc"}).splitlines()[1:] == [
        "packagefile example.com/m/calc=__pkg/example.com/m/calc.x",
        "packagefile fmt=__pkg/fmt.a",
    ]


def test_a_package_without_tests_is_itself_and_its_dependencies() -> None:
    stdout = _listing(
        {"ImportPath": "fmt", "Name": "fmt", "Standard": True, "Dir": "/goroot/src/fmt"},
        {"ImportPath": "example.com/m/calc", "Name": "calc", "Dir": "/sandbox/m/calc", "GoFiles": ["calc.go"],
         "Imports": ["fmt"]},
    )
    under_test, packages, testmain = graph_of_tests_from_go_list(stdout, "m/calc")
    assert (under_test, testmain) == ("example.com/m/calc", "")
    assert [p.import_path for p in packages] == ["fmt", "example.com/m/calc"]


def test_vet_config_is_gos() -> None:
    _, packages, _ = graph_of_tests_from_go_list(
        _listing(
            {"ImportPath": "fmt", "Name": "fmt", "Standard": True, "Dir": "/goroot/src/fmt"},
            {"ImportPath": "example.com/m/calc [example.com/m/calc.test]", "Name": "calc", "Dir": "/sandbox/m/calc",
             "GoFiles": ["calc.go"], "ForTest": "example.com/m/calc", "Module": {"Path": "example.com/m", "GoVersion": "1.22"}},
            {"ImportPath": "example.com/m/calc_test [example.com/m/calc.test]", "Name": "calc_test",
             "Dir": "/sandbox/m/calc", "GoFiles": ["calc_ext_test.go"], "ForTest": "example.com/m/calc",
             "Imports": ["example.com/m/calc [example.com/m/calc.test]", "fmt"],
             "Module": {"Path": "example.com/m", "GoVersion": "1.22"}},
            {"ImportPath": "example.com/m/calc.test", "Name": "main", "Dir": "/sandbox/m/calc",
             "GoFiles": ["/sandbox/__testcache/x-d"], "Imports": ["example.com/m/calc_test [example.com/m/calc.test]"]},
        ),
        "m/calc",
    )
    external = packages[2]
    assert json.loads(vet_config(external, {"example.com/m/calc"}, "1.27.3")) == {
        "ID": "example.com/m/calc_test",
        "Compiler": "gc",
        "Dir": "m/calc",
        "ImportPath": "example.com/m/calc_test",
        "GoFiles": ["m/calc/calc_ext_test.go"],
        "NonGoFiles": [],
        "IgnoredFiles": [],
        "ImportMap": {"example.com/m/calc": "example.com/m/calc", "fmt": "fmt"},
        "PackageFile": {"example.com/m/calc": "__pkg/example.com/m/calc.x", "fmt": "__pkg/fmt.a"},
        "Standard": {"fmt": True},
        "PackageVetx": {},
        "VetxOnly": False,
        "VetxOutput": "__obj/vet.out",
        "SucceedOnTypecheckFailure": False,
        "GoVersion": "go1.22",
    }


def test_junit_report_of_go_test_output() -> None:
    output = (
        "=== RUN   TestA\n--- PASS: TestA (0.01s)\n=== RUN   TestB\n=== RUN   TestB/sub\n    b_test.go:9: want 4, got 5\n"
        "--- FAIL: TestB (0.00s)\n    --- FAIL: TestB/sub (0.00s)\n=== RUN   TestC\n    c_test.go:3: not today\n"
        "--- SKIP: TestC (0.00s)\nFAIL\n"
    )
    suite = ElementTree.fromstring(junit_xml("example.com/m/p", parse_test_cases(output), output, 1)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped"), suite.get("errors")) == ("3", "1", "1", "0")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert cases["TestA"].get("time") == "0.01" and list(cases["TestA"]) == []
    assert cases["TestB"].find("failure").text == "    b_test.go:9: want 4, got 5\n    --- FAIL: TestB/sub (0.00s)"
    assert cases["TestC"].find("skipped").text == "    c_test.go:3: not today"
    # A binary that dies outside a test result (a timeout's panic) is an error case.
    dead = "=== RUN   TestH\npanic: test timed out after 1s\n"
    died = ElementTree.fromstring(junit_xml("example.com/m/p", parse_test_cases(dead), dead, 2))
    assert died.find("testsuite").get("errors") == "1"
