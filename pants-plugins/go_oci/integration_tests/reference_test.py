"""docs/reference.md says what `pants help` says: regenerate it with `docs/generate` after changing help."""

from __future__ import annotations

import json
from pathlib import Path

from go_oci.reference import render
from go_oci.testing.nested_pants import PantsRepo


def test_reference_is_up_to_date(tmp_path: Path) -> None:
    repo = PantsRepo(tmp_path / "repo")
    result = repo.run("help-all").assert_success()
    assert Path("docs/reference.md").read_text() == render(json.loads(result.stdout)), (
        "docs/reference.md is out of date: run docs/generate"
    )
