"""Target platforms: `os/arch[/variant]` strings, as OCI and `docker buildx` spell them, mapped to Go's env."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from pants.engine.platform import Platform as HostPlatform

from go_oci.oci import model

# OCI variant -> the Go environment variable and value that select the same instruction set.
_VARIANT_ENV: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "arm": {"v5": ("GOARM", "5"), "v6": ("GOARM", "6"), "v7": ("GOARM", "7")},
    "amd64": {f"v{n}": ("GOAMD64", f"v{n}") for n in range(1, 5)},
    "arm64": {
        **{f"v8.{n}": ("GOARM64", f"v8.{n}") for n in range(0, 10)},
        **{f"v9.{n}": ("GOARM64", f"v9.{n}") for n in range(0, 6)},
        "v8": ("GOARM64", "v8.0"),
    },
    "386": {"sse2": ("GO386", "sse2"), "softfloat": ("GO386", "softfloat")},
    "mips": {"hardfloat": ("GOMIPS", "hardfloat"), "softfloat": ("GOMIPS", "softfloat")},
    "mipsle": {"hardfloat": ("GOMIPS", "hardfloat"), "softfloat": ("GOMIPS", "softfloat")},
    "mips64": {"hardfloat": ("GOMIPS64", "hardfloat"), "softfloat": ("GOMIPS64", "softfloat")},
    "mips64le": {"hardfloat": ("GOMIPS64", "hardfloat"), "softfloat": ("GOMIPS64", "softfloat")},
    "ppc64": {"power8": ("GOPPC64", "power8"), "power9": ("GOPPC64", "power9"), "power10": ("GOPPC64", "power10")},
    "ppc64le": {"power8": ("GOPPC64", "power8"), "power9": ("GOPPC64", "power9"), "power10": ("GOPPC64", "power10")},
    "riscv64": {"rva20u64": ("GORISCV64", "rva20u64"), "rva22u64": ("GORISCV64", "rva22u64")},
}

# GO* variables a target may set in `env`: each changes generated code and nothing else.
CODEGEN_ENV_VARS = frozenset(
    {
        "GOAMD64", "GOARM", "GOARM64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64",
        "GOWASM", "GOEXPERIMENT", "GOFIPS140",
    }
)


class InvalidPlatform(ValueError):
    pass


def _parts(spec: str) -> list[str]:
    parts = spec.strip().split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise InvalidPlatform(
            f"'{spec}' is not a platform: write it as os/arch or os/arch/variant, e.g. linux/amd64 "
            "or linux/arm/v7."
        )
    return parts


@dataclass(frozen=True, order=True)
class Platform:
    os: str
    arch: str
    variant: str = ""

    @classmethod
    def parse(cls, spec: str, supported: Iterable[str]) -> "Platform":
        """Parse `os/arch[/variant]`, accepting only the `os/arch` pairs of `go tool dist list`."""
        supported_pairs = sorted(set(supported))
        parts = _parts(spec)
        os_, arch = parts[0], parts[1]
        if f"{os_}/{arch}" not in supported_pairs:
            raise InvalidPlatform(
                f"'{spec}': the Go SDK cannot build for {os_}/{arch}. It supports (`go tool dist list`): "
                + ", ".join(supported_pairs)
            )
        variant = parts[2] if len(parts) == 3 else ""
        if variant and variant not in _VARIANT_ENV.get(arch, {}):
            known = sorted(_VARIANT_ENV.get(arch, {}))
            raise InvalidPlatform(
                f"'{spec}': {arch} has no variant '{variant}'. "
                + (f"Valid variants: {', '.join(known)}." if known else f"{arch} takes no variant.")
            )
        return cls(os_, arch, variant)

    @classmethod
    def of_image(cls, spec: str) -> "Platform":
        """`os/arch[/variant]` as an image index names a platform: the syntax is checked, not what Go builds."""
        return cls(*_parts(spec))

    @property
    def go_env(self) -> dict[str, str]:
        env = {"GOOS": self.os, "GOARCH": self.arch}
        if self.variant:
            name, value = _VARIANT_ENV[self.arch][self.variant]
            env[name] = value
        return env

    @property
    def oci_variant(self) -> str:
        """The variant as OCI platform objects carry it (arm64's `v8.2` is `v8` there)."""
        if self.arch == "arm64" and self.variant:
            return self.variant.split(".")[0]
        return self.variant

    @property
    def oci(self) -> model.Platform:
        """The platform as image configs and index entries carry it."""
        return model.Platform(self.os, self.arch, self.oci_variant or None)

    @property
    def dir_name(self) -> str:
        return "_".join(p for p in (self.os, self.arch, self.variant) if p)

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.arch, self.variant) if p)


_HOST_PLATFORMS = {
    HostPlatform.linux_x86_64: ("linux", "amd64"),
    HostPlatform.linux_arm64: ("linux", "arm64"),
    HostPlatform.macos_x86_64: ("darwin", "amd64"),
    HostPlatform.macos_arm64: ("darwin", "arm64"),
}


def host_go_platform(host: HostPlatform) -> tuple[str, str]:
    """The (GOOS, GOARCH) of the machine Pants runs on."""
    return _HOST_PLATFORMS[host]
