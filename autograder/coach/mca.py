"""llvm-mca's throughput model of a loop, turned into a ceiling in fractions of the peak.

llvm-mca simulates a block of instructions, repeated, on a model of a CPU's ports and
latencies; the analysis is static, so it works in a virtual machine without hardware counters.
The coach runs it twice with the same CPU model: on the student's hot loop (cycles per
iteration) and on an ideal loop of independent FMAs on the machine's widest registers (the
model's peak, FLOP per cycle). The loop's ceiling is the ratio of the two FLOP rates: the share
of the peak this loop can reach at best, whatever the memory does.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache

from autograder.coach.disasm import Loop
from autograder.coach.loops import LoopStats
from autograder.coach.machine import Machine, tool

ITERATIONS = 200
#: Models to try, closest first: llvm-mca refuses a model that lacks an instruction (LLVM 14's
#: Zen 3 model has no AVX-512), and then the next one is used.
PREFERENCES = {
    "amd": ("znver5", "znver4", "znver3", "znver2", "znver1"),
    "intel": ("graniterapids", "sapphirerapids", "icelake-server", "skylake-avx512",
              "alderlake", "skylake", "haswell"),
    "apple": ("apple-m4", "apple-m3", "apple-m2", "apple-m1"),
    "arm": ("neoverse-v2", "neoverse-v1", "neoverse-n2", "neoverse-n1", "cortex-a76",
            "cortex-a72"),
}
TRIPLES = {"x86_64": "x86_64-unknown-linux-gnu", "aarch64": "aarch64-unknown-linux-gnu"}
#: Independent FMAs in the ideal loop: more than FMA units x FMA latency on every model
#: (NEON: Apple's M1 has 4 units of latency 4, so 16 are needed; 24 leave room).
IDEAL_ACCUMULATORS = {"zmm": 16, "ymm": 12, "xmm": 12, "neon": 24}


@dataclass(frozen=True)
class Throughput:
    """llvm-mca's figures for one block: cycles per iteration and the ports' lower bound, and
    its bottleneck analysis where it gave one: the shares of the cycles that resource pressure
    and data dependencies held back."""

    cycles_per_iteration: float
    block_rthroughput: float
    resource_share: float | None = None
    dependency_share: float | None = None

    @property
    def latency_bound(self) -> bool:
        """Whether a chain of dependent instructions, not the ports, sets the pace: the
        simulated cycles exceed what the ports alone need by more than a quarter, and (where
        llvm-mca analysed its bottlenecks) dependencies held it back more than the ports did.
        (A loop whose extra cycles come from two instructions contending for one port is not
        latency-bound: more accumulators would not help it.)"""
        slow = self.cycles_per_iteration > 1.25 * self.block_rthroughput
        if self.resource_share is None or self.dependency_share is None:
            return slow
        return slow and self.dependency_share > self.resource_share


@dataclass(frozen=True)
class Ceiling:
    """The hot loop under one CPU model: its throughput, the model's peak and their ratio."""

    model: str
    loop: Throughput
    peak_flops_per_cycle: float
    loop_flops_per_cycle: float
    #: This machine's own CPU (LLVM's name) when `model` is another's, standing in for it
    #: because this llvm-mca has no model of it (its ceiling is then approximate); "" when
    #: the model is the machine's own, or the machine's CPU is not known.
    stand_in_for: str = ""

    @property
    def fraction(self) -> float:
        """The loop's best possible share of the peak (0 for a loop without float math)."""
        if self.peak_flops_per_cycle <= 0:
            return 0.0
        return min(1.0, self.loop_flops_per_cycle / self.peak_flops_per_cycle)


@cache
def known_models(mca: str, arch: str = "x86_64") -> tuple[str, ...]:
    """The CPU models of `arch` (x86_64, aarch64) this llvm-mca knows."""
    done = subprocess.run([mca, f"-mtriple={TRIPLES[arch]}", "-mcpu=help"],
                          capture_output=True, text=True, timeout=60, input="")
    names = re.findall(r"^\s+([\w-]+)\s+- Select the", done.stdout + done.stderr, re.MULTILINE)
    return tuple(names)


def candidates(machine: Machine, mca: str) -> list[str]:
    """The models to try for this machine, closest first: its own when the machine names it
    (an aarch64 CPU's part number), then those of its maker's other CPUs."""
    if machine.arch == "aarch64":
        apple = "apple" in f"{machine.vendor} {machine.model}".lower()
        order = PREFERENCES["apple"] + PREFERENCES["arm"] if apple else (
            PREFERENCES["arm"] + PREFERENCES["apple"])
    else:
        amd = "amd" in machine.vendor.lower() or "amd" in machine.model.lower()
        order = (PREFERENCES["amd"] + PREFERENCES["intel"]) if amd else (
            PREFERENCES["intel"] + PREFERENCES["amd"])
    known = set(known_models(mca, machine.arch))
    return [name for name in dict.fromkeys((machine.cpu, *order)) if name in known]


_ADDRESS = re.compile(r"(?:0x)?[0-9a-f]+\s*<[^>]*>")


def assembly(loop: Loop) -> str:
    """The loop as assembly llvm-mca reads: one label, every direct branch or call aimed at
    it (aarch64's `cbz x0, 0x16e50 <f+0xc4>` keeps its register), and every other address
    the disassembler named (aarch64's `adrp`) too, comments dropped."""
    lines = [".Lcoach_loop:"]
    for ins in loop.body:
        if ins.arch == "aarch64":
            lines.append(_ADDRESS.sub(".Lcoach_loop", ins.text()))
        elif (ins.is_branch or ins.is_call) and ins.target is not None:
            lines.append(f"{ins.mnemonic} .Lcoach_loop")
        else:
            lines.append(ins.text())
    return "\n".join(lines) + "\n"


def ideal_loop(register: str) -> str:
    """Independent FMAs on `register` (zmm, ymm, xmm, neon): what the peak is made of."""
    count = IDEAL_ACCUMULATORS.get(register, 12)
    if register == "neon":
        return "".join(f"fmla v{i}.4s, v30.4s, v31.4s\n" for i in range(count))
    last = 31 if register == "zmm" else 15
    return "".join(f"vfmadd231ps %{register}{last - 1}, %{register}{last}, %{register}{i}\n"
                   for i in range(count))


def simulate(mca: str, model: str, text: str, arch: str = "x86_64") -> Throughput | None:
    """llvm-mca's cycles per iteration for `text` (`arch` code) under `model`, or None when
    it refuses."""
    try:
        done = subprocess.run([mca, f"-mtriple={TRIPLES[arch]}", f"-mcpu={model}",
                               f"-iterations={ITERATIONS}", "-bottleneck-analysis"], input=text,
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    cycles = re.search(r"^Total Cycles:\s+(\d+)", done.stdout, re.MULTILINE)
    iterations = re.search(r"^Iterations:\s+(\d+)", done.stdout, re.MULTILINE)
    bound = re.search(r"^Block RThroughput:\s+([\d.]+)", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not (cycles and iterations and bound):
        return None
    return Throughput(int(cycles.group(1)) / int(iterations.group(1)), float(bound.group(1)),
                      _share("Resource Pressure", done.stdout),
                      _share("Data Dependencies:", done.stdout))


def _share(label: str, report: str) -> float | None:
    """A bottleneck's share of the cycles (`Resource Pressure       [ 69.52% ]`), in percent;
    None when llvm-mca printed no such line (no bottleneck found, or an older llvm-mca)."""
    found = re.search(rf"^\s*{re.escape(label)}\s*\[\s*([\d.]+)%\s*\]", report, re.MULTILINE)
    return float(found.group(1)) if found else None


def ceiling(machine: Machine, loop: Loop, stats: LoopStats) -> Ceiling | str:
    """The loop's ceiling under the closest model llvm-mca has, or why there is none."""
    mca = tool("llvm-mca")
    if mca is None:
        return "no llvm-mca on PATH (Debian/Ubuntu: apt install llvm): throughput model skipped"
    if machine.arch not in TRIPLES:
        return f"the throughput model reads x86-64 and aarch64, not {machine.arch}: skipped"
    if not machine.fma:
        return "this CPU has no FMA: the throughput model's peak is not defined: skipped"
    text = assembly(loop)
    for model in candidates(machine, mca):
        peak = simulate(mca, model, ideal_loop(machine.vector), machine.arch)
        found = simulate(mca, model, text, machine.arch) if peak else None
        if peak and found:
            count = IDEAL_ACCUMULATORS.get(machine.vector, 12)
            peak_rate = count * 2 * machine.lanes / peak.cycles_per_iteration
            stand_in_for = machine.cpu if machine.cpu and model != machine.cpu else ""
            return Ceiling(model, found, peak_rate, stats.flops / found.cycles_per_iteration,
                           stand_in_for)
    return "llvm-mca has no model of this CPU that reads the loop's instructions: skipped"
