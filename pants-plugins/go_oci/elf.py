"""Reads just enough ELF to tell whether a binary is statically linked (docs/architecture.md, Invariant 7)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

_PT_LOAD = 1
_PT_DYNAMIC = 2
_PT_INTERP = 3
_DT_NULL = 0
_DT_NEEDED = 1
_DT_STRTAB = 5

# e_machine -> GOARCH, for the messages and tests that check a cross-compiled binary's architecture.
ELF_MACHINES = {
    3: "386", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390x", 40: "arm", 62: "amd64", 183: "arm64",
    243: "riscv64", 258: "loong64",
}


class NotElf(ValueError):
    pass


@dataclass(frozen=True)
class ElfLinkage:
    machine: str
    interpreter: str | None
    needed: tuple[str, ...]

    @property
    def is_static(self) -> bool:
        return self.interpreter is None and not self.needed


def read_linkage(data: bytes) -> ElfLinkage:
    if data[:4] != b"\x7fELF":
        raise NotElf("not an ELF file")
    is_64 = data[4] == 2
    endian = "<" if data[5] == 1 else ">"
    (machine,) = struct.unpack_from(endian + "H", data, 18)
    if is_64:
        phoff, phentsize, phnum = (
            struct.unpack_from(endian + "Q", data, 32)[0],
            *struct.unpack_from(endian + "HH", data, 54),
        )
    else:
        phoff, phentsize, phnum = (
            struct.unpack_from(endian + "I", data, 28)[0],
            *struct.unpack_from(endian + "HH", data, 42),
        )

    segments = []
    for i in range(phnum):
        off = phoff + i * phentsize
        if is_64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(endian + "IIQQQQ", data, off)
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(endian + "IIIII", data, off)
        segments.append((p_type, p_offset, p_vaddr, p_filesz))

    interpreter = None
    for p_type, p_offset, _vaddr, p_filesz in segments:
        if p_type == _PT_INTERP:
            interpreter = data[p_offset : p_offset + p_filesz].rstrip(b"\0").decode(errors="replace")

    needed: list[str] = []
    for p_type, p_offset, _vaddr, p_filesz in segments:
        if p_type != _PT_DYNAMIC:
            continue
        entry_fmt = endian + ("qQ" if is_64 else "iI")
        entry_size = struct.calcsize(entry_fmt)
        entries = [
            struct.unpack_from(entry_fmt, data, p_offset + j)
            for j in range(0, p_filesz - entry_size + 1, entry_size)
        ]
        strtab_vaddr = next((v for tag, v in entries if tag == _DT_STRTAB), None)
        strtab_offset = _vaddr_to_offset(segments, strtab_vaddr) if strtab_vaddr is not None else None
        for tag, value in entries:
            if tag == _DT_NULL:
                break
            if tag == _DT_NEEDED:
                needed.append(_c_string(data, strtab_offset + value) if strtab_offset is not None else f"#{value}")
    return ElfLinkage(ELF_MACHINES.get(machine, f"e_machine={machine}"), interpreter, tuple(needed))


def _vaddr_to_offset(segments, vaddr: int) -> int | None:
    for p_type, p_offset, p_vaddr, p_filesz in segments:
        if p_type == _PT_LOAD and p_vaddr <= vaddr < p_vaddr + p_filesz:
            return p_offset + (vaddr - p_vaddr)
    return None


def _c_string(data: bytes, offset: int) -> str:
    end = data.index(b"\0", offset)
    return data[offset:end].decode(errors="replace")
