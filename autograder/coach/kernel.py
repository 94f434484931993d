"""One stage's code in the library: its loops, its hot loop, and where a profile's samples fell.

The binding inlines the kernels into its own functions, so symbols do not say which code is
whose; the line tables do. A loop belongs to a stage when one of its instructions came (maybe
through inlined library code) from one of the stage's source files: its own file, and the
files of the other stages it uses (`super::sgemm_simd::...` in `parallel`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.coach.disasm import Frame, Library, Loop, loops_with_sources, source_chains
from autograder.coach.loops import LoopStats, analyse, has_float_math
from autograder.coach.machine import Machine
from autograder.coach.measure import Profile

_USES = re.compile(r"\b(?:super|kernels)::(sgemm_\w+|sgemv|blas1)\b")
PROFILE_PARTS = ("hot loop", "other loops of your kernel", "packing", "edges",
                 "rest of your code", "memcpy/memset", "outside your kernels")
_EDGE = re.compile(r"\b(?:edge|fringe|remainder|tail)", re.IGNORECASE)


def stage_files(source: str, own: str) -> set[str]:
    """The source file names a stage's code lives in: its own (`own`) and those of the
    other kernel modules its source names."""
    return {own, *(f"{name}.rs" for name in _USES.findall(source))}


@dataclass
class LoopInfo:
    """A loop of the stage: where it is, where it came from, what it does."""

    loop: Loop
    stats: LoopStats
    lines: tuple[int, int]  # first and last line in the stage's files
    file: str
    function: str  # the function of the stage's files it is written in (no hash)
    samples: int = 0


@dataclass
class StageCode:
    """The stage's loops in the library, and its source chains by address."""

    loops: list[LoopInfo] = field(default_factory=list)
    chains: dict[int, list[Frame]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def arithmetic(self, machine: Machine) -> list[LoopInfo]:
        """Loops with float arithmetic this CPU can run (no wider than its vectors)."""
        return [info for info in self.loops
                if info.stats.flops > 0 and info.stats.lanes <= machine.lanes]

    def hot_loop(self, machine: Machine) -> tuple[LoopInfo | None, str]:
        """The loop to study and how it was chosen: the most sampled arithmetic loop when a
        profile sampled one, else the arithmetic loop with the most FLOP per iteration."""
        candidates = self.arithmetic(machine)
        if not candidates:
            return None, ""
        sampled = max(candidates, key=lambda info: info.samples)
        if sampled.samples > 0:
            return sampled, "the arithmetic loop with the most profile samples"
        best = max(candidates, key=lambda info: (info.stats.flops, info.stats.lanes))
        return best, "the arithmetic loop with the most FLOP per iteration (no profile)"


def _in_files(frames: list[Frame], files: set[str]) -> Frame | None:
    return next((f for f in frames if Path(f.file).name in files), None)


def stage_code(library: Library, files: set[str]) -> StageCode:
    """The innermost loops of the library whose code came from `files`."""
    code = StageCode(files=files)
    # Only loops with float arithmetic: the candidates for the hot loop (the whole library's
    # loops would take addr2line seconds more; packing is told by its function's name).
    loops, code.chains = loops_with_sources(library, has_float_math)
    for loop in loops:
        frames = [_in_files(code.chains.get(ins.address, []), files) for ins in loop.body]
        mine = [frame for frame in frames if frame is not None]
        if not mine:
            continue
        lines = sorted(frame.line for frame in mine if frame.line > 0) or [0]
        code.loops.append(LoopInfo(loop, analyse(library, loop), (lines[0], lines[-1]),
                                   mine[0].file, re.sub(r"::h[0-9a-f]{16}$", "",
                                                        mine[0].function)))
    _name_calls(library, code)
    return code


def _name_calls(library: Library, code: StageCode) -> None:
    """Readable names of what the loops call (the symbol table's are mangled)."""
    targets = {ins.target_name: ins.target for info in code.loops for ins in info.loop.body
               if ins.is_call and ins.target is not None}
    chains = source_chains(library.path, targets.values())
    for info in code.loops:
        info.stats.calls = [chains[targets[name]][-1].function
                            if name in targets and chains.get(targets[name])
                            and chains[targets[name]][-1].function != "??"
                            else name.split("@")[0] for name in info.stats.calls]


def count_samples(code: StageCode, profile: Profile) -> None:
    """Each of the stage's loops' share of the profile (`LoopInfo.samples`)."""
    for info in code.loops:
        info.samples = sum(count for address, count in profile.in_library.items()
                           if info.loop.contains(address))


def attribute(library: Library, code: StageCode, hot: LoopInfo | None, profile: Profile,
              source_lines: dict[str, list[str]]) -> tuple[dict[str, int], set[int]]:
    """Samples by part of the work (PROFILE_PARTS), and the sampled addresses that are the
    student's code."""
    extra = source_chains(library.path, [a for a in profile.in_library if a not in code.chains])
    chains = {**code.chains, **extra}
    parts = dict.fromkeys(PROFILE_PARTS, 0)
    own: set[int] = set()
    for address, count in profile.in_library.items():
        part = _part(address, chains.get(address, []), code, hot, source_lines)
        parts[part] += count
        if part != "outside your kernels":
            own.add(address)
    for symbol, count in profile.outside.items():
        copies = re.search(r"mem(cpy|move|set)", symbol)
        parts["memcpy/memset" if copies else "outside your kernels"] += count
    return parts, own


def _part(address: int, frames: list[Frame], code: StageCode, hot: LoopInfo | None,
          source_lines: dict[str, list[str]]) -> str:
    if hot is not None and hot.loop.contains(address):
        return "hot loop"
    mine = _in_files(frames, code.files)
    if mine is None:
        return "outside your kernels"
    if any("pack" in frame.function.lower() for frame in frames):
        return "packing"
    text = source_lines.get(Path(mine.file).name, [])
    line = text[mine.line - 1] if 0 < mine.line <= len(text) else ""
    if _EDGE.search(line) or any(_EDGE.search(frame.function) for frame in frames):
        return "edges"
    if any(info.loop.contains(address) for info in code.loops):
        return "other loops of your kernel"
    return "rest of your code"
