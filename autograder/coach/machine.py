"""What the coach knows of the machine: its widest vector unit and its cache sizes, from the OS."""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SYSFS_CPU = Path("/sys/devices/system/cpu")
CPUINFO = Path("/proc/cpuinfo")
#: aarch64 Linux names its cores by implementer and part number (/proc/cpuinfo): the ones
#: students meet (Graviton 2-4, Ampere Altra, Raspberry Pi 4 and 5, Apple under Asahi), as
#: LLVM names them (llvm-mca's -mcpu).
ARM_IMPLEMENTERS = {"0x41": "ARM", "0x61": "Apple", "0xc0": "Ampere"}
ARM_PARTS = {
    ("0x41", "0xd08"): "cortex-a72", ("0x41", "0xd0b"): "cortex-a76",
    ("0x41", "0xd0c"): "neoverse-n1", ("0x41", "0xd40"): "neoverse-v1",
    ("0x41", "0xd49"): "neoverse-n2", ("0x41", "0xd4f"): "neoverse-v2",
    ("0xc0", "0xac3"): "ampere1",
}


@dataclass(frozen=True)
class Cache:
    """One data (or unified) cache level of one core."""

    level: int
    size: int  # bytes

    @property
    def name(self) -> str:
        """`L1`, `L2`, `L3`."""
        return f"L{self.level}"


@dataclass(frozen=True)
class Machine:
    """The CPU as the coach describes it to a student."""

    arch: str  # x86_64, aarch64
    model: str
    lanes: int  # floats in the widest vector register the CPU has
    vector: str  # its name: zmm (AVX-512), ymm (AVX2), xmm (SSE), neon
    fma: bool
    caches: tuple[Cache, ...] = field(default_factory=tuple)
    vendor: str = ""
    cpu: str = ""  # LLVM's name of this CPU (llvm-mca's -mcpu), when the OS says which it is

    def isa_name(self) -> str:
        """`AVX-512 (16 floats)`, as the report says it."""
        names = {"zmm": "AVX-512", "ymm": "AVX2", "xmm": "SSE", "neon": "NEON"}
        return f"{names.get(self.vector, self.vector)} ({self.lanes} floats)"


def parse_size(text: str) -> int:
    """A sysfs cache size (`48K`, `1024K`, `32M`) in bytes."""
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if text[-1:] in "KMG" else text
    return int(digits) * scale


def read_caches(cpu_dir: Path = SYSFS_CPU / "cpu0" / "cache") -> tuple[Cache, ...]:
    """The data and unified caches of CPU 0, smallest level first (none where sysfs lacks
    them, as on macOS)."""
    caches: dict[int, Cache] = {}
    for index in sorted(cpu_dir.glob("index*")):
        try:
            kind = (index / "type").read_text().strip()
            level = int((index / "level").read_text())
            size = parse_size((index / "size").read_text())
        except (OSError, ValueError):
            continue
        if kind in ("Data", "Unified"):
            caches[level] = Cache(level, size)
    return tuple(caches[level] for level in sorted(caches))


def _cpuinfo() -> tuple[str, str, set[str], str]:
    """(model name, vendor, feature flags, LLVM CPU name) from /proc/cpuinfo's first CPU (an
    aarch64 one says its implementer and part number instead of a model name)."""
    model, vendor, flags = platform.processor() or "unknown CPU", "", set()
    try:
        text = CPUINFO.read_text()
    except OSError:
        return model, vendor, flags, ""
    arm: dict[str, str] = {}
    x86: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("cpu family", "model"):
            x86.setdefault(key, value.strip())
        if key == "model name" and model in ("", "unknown CPU", platform.machine()):
            model = value.strip()
        elif key == "vendor_id" and not vendor:
            vendor = value.strip()
        elif key in ("flags", "Features") and not flags:
            flags = set(value.split())
        elif key in ("CPU implementer", "CPU part"):
            arm.setdefault(key, value.strip().lower())
    implementer, part = arm.get("CPU implementer", ""), arm.get("CPU part", "")
    cpu = ARM_PARTS.get((implementer, part), "")
    if vendor == "AuthenticAMD":
        cpu = amd_cpu(x86.get("cpu family", ""), x86.get("model", ""))
    if implementer:
        vendor = vendor or ARM_IMPLEMENTERS.get(implementer, implementer)
        if model in ("", "unknown CPU", platform.machine()):
            model = f"{vendor} {cpu or f'part {part}'}"
    return model, vendor, flags, cpu


def amd_cpu(family: str, model: str) -> str:
    """LLVM's name of an AMD Zen CPU from /proc/cpuinfo's decimal `cpu family` and `model`
    (AMD's published family and model ranges), or '' for another CPU."""
    if not (family.isdigit() and model.isdigit()):
        return ""
    family_number, model_number = int(family), int(model)
    if family_number == 0x17:
        return "znver2" if model_number >= 0x30 else "znver1"
    if family_number == 0x19:
        zen4 = 0x10 <= model_number <= 0x1F or 0x60 <= model_number <= 0xAF
        return "znver4" if zen4 else "znver3"
    if family_number == 0x1A:
        return "znver5"
    return ""


def detect() -> Machine:
    """This machine: its widest vector unit (from the CPU's feature flags) and caches."""
    arch = platform.machine().lower()
    model, vendor, flags, cpu = _cpuinfo()
    caches = read_caches()
    if arch in ("aarch64", "arm64"):
        if platform.system() == "Darwin":  # Apple Silicon: "Apple M2 Pro" -> apple-m2
            model = _sysctl("machdep.cpu.brand_string") or model
            found = re.match(r"Apple (M\d+)", model)
            vendor, cpu = "Apple", f"apple-{found.group(1).lower()}" if found else "apple-m1"
        return Machine("aarch64", model, 4, "neon", True, caches, vendor, cpu)
    if "avx512f" in flags:
        return Machine("x86_64", model, 16, "zmm", True, caches, vendor, cpu)
    if "avx2" in flags and "fma" in flags:
        return Machine("x86_64", model, 8, "ymm", True, caches, vendor, cpu)
    return Machine("x86_64", model, 4, "xmm", "fma" in flags, caches, vendor, cpu)


def _sysctl(name: str) -> str:
    """A macOS sysctl value, or "" where there is none."""
    try:
        done = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def tool(*names: str) -> str | None:
    """The first of `names` found on PATH (e.g. llvm-objdump, then objdump), or None."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def human_bytes(size: float) -> str:
    """`48 KiB`, `1 MiB`, `1.5 MiB`."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size:.0f} B"
