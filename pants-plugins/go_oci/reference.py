"""docs/reference.md, rendered from `pants help-all`: the help text is the single source, and a test
fails when the committed reference drifts from it (regenerate with `docs/generate`)."""

from __future__ import annotations

import json
from typing import Any

TARGETS = (
    "go_module",
    "go_oci_package",
    "go_oci_third_party_package",
    "go_cross_binary",
    "go_image",
    "oci_pull",
)
SCOPES = ("go-oci", "go-sdk", "go-test", "go-vet", "gofmt")
# Option values that depend on the machine that rendered them, not on go_oci.
_MACHINE_DEPENDENT = {("go-sdk", "url_platform_mapping")}


def _field(field: dict[str, Any]) -> str:
    default = "" if field["required"] else f" Default: `{json.dumps(field['default'])}`."
    required = " **Required.**" if field["required"] else ""
    description = field["description"].strip().replace("\n", "\n  ")
    return f"- `{field['alias']}` (`{field['type_hint']}`){required}{default}\n  {description}\n"


def _option(scope: str, option: dict[str, Any]) -> str:
    default = json.dumps(option["default"]) if (scope, option["config_key"]) not in _MACHINE_DEPENDENT else "…"
    description = option["help"].strip().replace("\n", "\n  ")
    return f"- `{option['config_key']}` (`{option['display_args'][0]}`, env `{option['env_var']}`). Default: `{default}`.\n  {description}\n"


def render(help_all: dict[str, Any]) -> str:
    out = [
        "# go_oci reference\n\n",
        "Generated from `pants help-all` by `docs/generate`; `./pants test ::` fails when it is out of date.\n\n",
        "## Targets\n",
    ]
    for alias in TARGETS:
        info = help_all["name_to_target_type_info"][alias]
        out.append(f"\n### `{alias}`\n\n{info['description'].strip()}\n\nFields:\n\n")
        out.extend(_field(f) for f in sorted(info["fields"], key=lambda f: f["alias"]))
    out.append("\n## Options\n")
    for scope in SCOPES:
        info = help_all["scope_to_help_info"][scope]
        out.append(f"\n### `[{scope}]`\n\n{info['description'].strip()}\n\n")
        options = [*info["basic"], *info["advanced"]]
        out.extend(_option(scope, o) for o in sorted(options, key=lambda o: o["config_key"]))
    return "".join(out)
