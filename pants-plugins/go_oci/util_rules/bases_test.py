"""The built-in `static` base: the accounts it declares own what they need."""

from __future__ import annotations

from go_oci.oci.layer import ENTRY_DIR
from go_oci.util_rules.bases import _GROUP, _PASSWD, static_base_entries


def test_every_account_with_a_home_owns_it_and_nothing_else_has_an_owner() -> None:
    entries = {e.path: e for e in static_base_entries(["zoneinfo/UTC"])}
    groups = {line.split(":")[0]: int(line.split(":")[2]) for line in _GROUP.splitlines()}
    homes = {}
    for line in _PASSWD.splitlines():
        name, _, uid, gid, _, home, _ = line.split(":")
        assert groups[name] == int(gid)
        if home != "/nonexistent":
            homes[home.lstrip("/")] = (int(uid), int(gid))
    assert homes == {"root": (0, 0), "home/nonroot": (65532, 65532)}
    for path, (uid, gid) in homes.items():
        home = entries[path]
        # Private, as in distroless, and writable by its user: the default `user` can use $HOME.
        assert (home.type, home.mode, home.uid, home.gid) == (ENTRY_DIR, 0o700, uid, gid)
    others = [e for path, e in entries.items() if path not in homes]
    assert others and all((e.uid, e.gid) == (0, 0) for e in others)
    assert entries["tmp"].mode == 0o1777
