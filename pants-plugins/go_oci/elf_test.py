import shutil
import struct
from pathlib import Path

import pytest

from go_oci.elf import NotElf, read_linkage


def _static_elf64(machine: int = 62) -> bytes:
    """The smallest ELF64 a loader would take: a header and one PT_LOAD, no PT_INTERP, no PT_DYNAMIC."""
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header += struct.pack("<HHIQQQIHHHHHH", 2, machine, 1, 0x400078, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x80, 0x80, 0x1000)
    return header + phdr + b"\xcc" * 8


def test_static_binary():
    linkage = read_linkage(_static_elf64())
    assert linkage.is_static
    assert linkage.machine == "amd64"
    assert read_linkage(_static_elf64(machine=183)).machine == "arm64"


def test_dynamic_host_binary():
    # /bin/sh on Debian is dynamically linked against libc with the system loader.
    linkage = read_linkage(Path(shutil.which("sh")).resolve().read_bytes())
    assert not linkage.is_static
    assert linkage.interpreter and "ld-linux" in linkage.interpreter
    assert "libc.so.6" in linkage.needed


def test_not_elf():
    with pytest.raises(NotElf):
        read_linkage(b"#!/bin/sh\necho hi\n")
