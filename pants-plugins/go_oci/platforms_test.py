import pytest

from go_oci.oci import model
from go_oci.platforms import InvalidPlatform, Platform

# What `go tool dist list` prints for the pinned SDK (a subset is enough for parsing).
PAIRS = ("linux/amd64", "linux/arm64", "linux/arm", "linux/386", "darwin/arm64", "windows/amd64", "linux/riscv64")


@pytest.mark.parametrize(
    "spec, env, dir_name, oci_variant",
    [
        ("linux/amd64", {"GOOS": "linux", "GOARCH": "amd64"}, "linux_amd64", ""),
        ("linux/arm64", {"GOOS": "linux", "GOARCH": "arm64"}, "linux_arm64", ""),
        ("linux/arm/v7", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "7"}, "linux_arm_v7", "v7"),
        ("linux/arm/v6", {"GOOS": "linux", "GOARCH": "arm", "GOARM": "6"}, "linux_arm_v6", "v6"),
        ("linux/amd64/v3", {"GOOS": "linux", "GOARCH": "amd64", "GOAMD64": "v3"}, "linux_amd64_v3", "v3"),
        ("linux/arm64/v8.2", {"GOOS": "linux", "GOARCH": "arm64", "GOARM64": "v8.2"}, "linux_arm64_v8.2", "v8"),
        ("linux/386/softfloat", {"GOOS": "linux", "GOARCH": "386", "GO386": "softfloat"}, "linux_386_softfloat", "softfloat"),
        ("linux/riscv64/rva22u64", {"GOOS": "linux", "GOARCH": "riscv64", "GORISCV64": "rva22u64"}, "linux_riscv64_rva22u64", "rva22u64"),
    ],
)
def test_parse(spec, env, dir_name, oci_variant):
    platform = Platform.parse(spec, PAIRS)
    assert platform.go_env == env
    assert platform.dir_name == dir_name
    assert platform.oci_variant == oci_variant
    assert str(platform) == spec


def test_unknown_pair_lists_supported():
    with pytest.raises(InvalidPlatform) as e:
        Platform.parse("linux/sparc", PAIRS)
    assert "cannot build for linux/sparc" in str(e.value)
    assert "darwin/arm64, linux/386, linux/amd64" in str(e.value)


@pytest.mark.parametrize("spec", ["linux", "linux/", "/amd64", "linux/amd64/v3/x", ""])
def test_malformed(spec):
    with pytest.raises(InvalidPlatform, match="write it as os/arch or os/arch/variant"):
        Platform.parse(spec, PAIRS)
    with pytest.raises(InvalidPlatform, match="write it as os/arch or os/arch/variant"):
        Platform.of_image(spec)


def test_a_platform_as_an_image_names_it():
    # Any os/arch/variant an index may list, whether or not Go builds it.
    assert Platform.of_image("linux/arm64/v8") == Platform("linux", "arm64", "v8")
    assert Platform.of_image("windows/amd64") == Platform("windows", "amd64")
    assert Platform.of_image("linux/s390x/z15") == Platform("linux", "s390x", "z15")


@pytest.mark.parametrize(
    "spec, oci",
    [
        ("linux/amd64", model.Platform("linux", "amd64")),
        ("linux/arm/v7", model.Platform("linux", "arm", "v7")),
        ("linux/arm64/v8.2", model.Platform("linux", "arm64", "v8")),
    ],
)
def test_the_platform_an_image_config_carries(spec, oci):
    assert Platform.parse(spec, PAIRS).oci == oci


def test_unknown_variant():
    with pytest.raises(InvalidPlatform, match="arm has no variant 'v9'. Valid variants: v5, v6, v7"):
        Platform.parse("linux/arm/v9", PAIRS)
    with pytest.raises(InvalidPlatform, match="windows takes no variant|amd64 has no variant 'x'"):
        Platform.parse("windows/amd64/x", PAIRS)


def test_sorting_is_stable():
    platforms = sorted({Platform.parse(p, PAIRS) for p in ["linux/arm64", "linux/amd64", "linux/arm/v7"]})
    assert [str(p) for p in platforms] == ["linux/amd64", "linux/arm/v7", "linux/arm64"]
