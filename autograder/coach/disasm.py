"""The compiled library as the coach reads it: instructions, functions, loops, source lines.

`disassemble(so)` runs llvm-objdump (or GNU objdump) once on the whole library: x86-64 in AT&T
syntax, or aarch64 (an Apple Silicon or ARM Linux build; `arm` reads its instructions). A loop
is a backward branch inside a function (its target starts the loop, the branch ends
it); an innermost loop contains no other. `source_chains(so, addresses)` asks llvm-addr2line
(or addr2line) where each address came from, inlined callers included: the innermost frame is
often the standard library (an iterator's `next`), and an outer one the student's file.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from autograder.coach.machine import tool

PREFIXES = {"rep", "repe", "repz", "repne", "repnz", "lock", "notrack", "cs", "ds", "data16",
            "bnd", "addr32"}
_HEADER = re.compile(r"^([0-9a-f]+) <(.+)>:\s*$")
_INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")
_TARGET = re.compile(r"^(?:0x)?([0-9a-f]+)\s*<([^>]*)>")
#: aarch64 branches name their target last (`cbz x0, 0x16e50 <f+0xc4>`).
_LAST_TARGET = re.compile(r"(?:^|,\s*)(?:0x)?([0-9a-f]+)\s*<([^>]*)>\s*$")
#: aarch64 mapping symbols (`$x`: code follows, `$d`: data) are no functions.
_MAPPING = re.compile(r"^\$[adtx](?:\.\d+)?$")
_ARM_BRANCHES = ("b", "br", "cbz", "cbnz", "tbz", "tbnz")
_ARM_CONDITIONAL = ("cbz", "cbnz", "tbz", "tbnz")
_ARM_CALLS = ("bl", "blr")


@dataclass
class Instruction:
    """One machine instruction: where it is, what it does, and (for a direct branch or call)
    where it goes."""

    address: int
    mnemonic: str
    operands: str
    function: str
    target: int | None = None
    target_name: str = ""
    slot: int | None = None  # the GOT entry of an indirect `call *x(%rip)`
    arch: str = "x86_64"  # or aarch64

    @property
    def is_branch(self) -> bool:
        """A jump (conditional or not)."""
        name = self.mnemonic.split()[-1]
        if self.arch == "aarch64":
            return name in _ARM_BRANCHES or name.startswith("b.")
        return name.startswith("j")

    @property
    def is_conditional(self) -> bool:
        """A conditional jump."""
        name = self.mnemonic.split()[-1]
        if self.arch == "aarch64":
            return name in _ARM_CONDITIONAL or name.startswith("b.")
        return self.is_branch and not name.startswith("jmp")

    @property
    def is_call(self) -> bool:
        """A call."""
        name = self.mnemonic.split()[-1]
        if self.arch == "aarch64":
            return name in _ARM_CALLS
        return name.startswith("call")

    def text(self) -> str:
        """The instruction as assembly text (branch targets as written by the disassembler)."""
        return f"{self.mnemonic} {self.operands}".strip()


@dataclass
class Function:
    """A symbol's code: its name and its instructions in order."""

    name: str  # as the symbol table spells it (mangled): perf's samples name it so too
    start: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Loop:
    """A loop: the instructions from its header (a backward branch's target) to that branch."""

    function: Function
    start: int
    end: int  # address of the backward branch

    @property
    def body(self) -> list[Instruction]:
        """The loop's instructions, in address order."""
        return [i for i in self.function.instructions if self.start <= i.address <= self.end]

    def contains(self, address: int) -> bool:
        """Whether `address` lies in the loop."""
        return self.start <= address <= self.end


@dataclass
class Library:
    """A disassembled library: its functions by mangled name, and every instruction by
    address."""

    path: Path
    functions: dict[str, Function]
    by_address: dict[int, Instruction]
    arch: str = "x86_64"  # the instruction set it is compiled for: x86_64 or aarch64
    #: Every innermost loop of the library and the source chains of their instructions,
    #: found once (`loops_with_sources`): kernels are inlined into generic functions whose
    #: names do not say whose code they hold.
    loops: list[Loop] | None = None
    chains: dict[int, list[Frame]] = field(default_factory=dict)

    def following(self, address: int, count: int) -> list[Instruction]:
        """Up to `count` instructions of the same function from `address` on."""
        first = self.by_address.get(address)
        if first is None:
            return []
        code = self.functions[first.function].instructions
        index = next(i for i, ins in enumerate(code) if ins.address == address)
        return code[index:index + count]


def _parse_instruction(address: int, rest: str, function: str,
                       arch: str = "x86_64") -> Instruction | None:
    # AT&T comments start with `#`; aarch64 writes immediates with `#`, comments with `//`
    rest, _, comment = rest.partition("//" if arch == "aarch64" else "#")
    rest = rest.strip()
    if not rest or rest.startswith("(bad)") or rest.startswith("..."):
        return None
    words = rest.split(None, 1)
    mnemonic, operands = words[0], words[1] if len(words) > 1 else ""
    while mnemonic in PREFIXES and operands:
        more = operands.split(None, 1)
        mnemonic, operands = f"{mnemonic} {more[0]}", more[1] if len(more) > 1 else ""
    ins = Instruction(address, mnemonic, operands.strip(), function, arch=arch)
    if ins.is_branch or ins.is_call:
        target = (_LAST_TARGET.search if arch == "aarch64" else _TARGET.match)(ins.operands)
        if target:
            ins.target, ins.target_name = int(target.group(1), 16), target.group(2)
        slot = re.match(r"\s*(?:0x)?([0-9a-f]+)", comment)
        if ins.operands.startswith("*") and "(%rip)" in ins.operands and slot:
            ins.slot = int(slot.group(1), 16)  # a call through the GOT: resolved later
    return ins


def listing_arch(text: str) -> str:
    """The instruction set of a disassembly listing, from its `file format` line."""
    head = re.search(r"file format (\S+(?: \S+)*)", text[:4000])
    return "aarch64" if head and re.search(r"aarch64|arm64", head.group(1)) else "x86_64"


def parse(text: str) -> tuple[dict[str, Function], dict[int, Instruction]]:
    """Functions and instructions of a disassembly listing (llvm-objdump or objdump,
    `-d --no-show-raw-insn`): x86-64 in AT&T syntax, or aarch64."""
    arch = listing_arch(text)
    functions: dict[str, Function] = {}
    by_address: dict[int, Instruction] = {}
    current: Function | None = None
    for line in text.splitlines():
        if line.startswith("Disassembly of section"):
            current = None  # a new section: its first code starts a function of its own
            continue
        header = _HEADER.match(line)
        if header:
            name, start = header.group(2), int(header.group(1), 16)
            if _MAPPING.match(name):  # code after a data island: the same function goes on
                if current is not None:
                    continue
                name = f"{name}@{start:x}"
            current = functions.setdefault(name, Function(name, start))
            continue
        found = _INSTRUCTION.match(line)
        if current is None or not found:
            continue
        ins = _parse_instruction(int(found.group(1), 16), found.group(2), current.name, arch)
        if ins is not None:
            current.instructions.append(ins)
            by_address[ins.address] = ins
    return functions, by_address


def disassemble(so: Path) -> Library:
    """Disassemble the whole library (GraderError-free: a missing tool raises LookupError)."""
    objdump = tool("llvm-objdump", "objdump")
    if objdump is None:
        raise LookupError("no objdump (binutils or llvm) on PATH")
    # Both objdumps write x86-64 in AT&T syntax unless told otherwise.
    done = subprocess.run([objdump, "-d", "--no-show-raw-insn", str(so)], capture_output=True,
                          text=True, timeout=120, check=True)
    functions, by_address = parse(done.stdout)
    relocations = subprocess.run([objdump, "-R", str(so)], capture_output=True, text=True,
                                 timeout=120)
    arch = listing_arch(done.stdout)
    if arch == "aarch64":
        resolve_plt(by_address, relocations.stdout)
    else:
        resolve_slots(functions, by_address, relocations.stdout)
    return Library(so, functions, by_address, arch)


def resolve_slots(functions: dict[str, Function], by_address: dict[int, Instruction],
                  relocations: str) -> None:
    """Give calls through the GOT (Rust calls other functions of the library that way) their
    target, from the dynamic relocations (`objdump -R`): a RELATIVE entry holds an address
    in the library, a GLOB_DAT or JUMP_SLOT entry names a symbol (memcpy, fmaf)."""
    slots: dict[int, int | str] = {}
    for line in relocations.splitlines():
        fields = line.split()
        if len(fields) < 3 or not re.fullmatch(r"[0-9a-f]+", fields[0]):
            continue
        relative = re.fullmatch(r"\*ABS\*\+0x([0-9a-f]+)", fields[2])
        slots[int(fields[0], 16)] = int(relative.group(1), 16) if relative else fields[2]
    starts = {function.start: function.name for function in functions.values()}
    for ins in by_address.values():
        if ins.slot is None or ins.slot not in slots:
            continue
        found = slots[ins.slot]
        if isinstance(found, int):
            ins.target, ins.target_name = found, starts.get(found, "")
        else:
            ins.target_name = found.split("@")[0]


def resolve_plt(by_address: dict[int, Instruction], relocations: str) -> None:
    """Name the aarch64 calls into the PLT (`bl` to a stub the disassembler leaves unnamed)
    after the symbol their stub jumps to: the stub loads its target from the GOT slot
    `adrp x16, PAGE; ldr x17, [x16, #OFFSET]`, and the slot's JUMP_SLOT relocation names it."""
    names: dict[int, str] = {}
    for line in relocations.splitlines():
        fields = line.split()
        if len(fields) >= 3 and re.fullmatch(r"[0-9a-f]+", fields[0]) and "JUMP_SLOT" in fields[1]:
            names[int(fields[0], 16)] = fields[2].split("@")[0]
    for ins in by_address.values():
        if not ins.is_call or ins.target is None or not ins.target_name.startswith("$"):
            continue
        page = by_address.get(ins.target)
        load = by_address.get(ins.target + 4)
        if not (page and load and page.mnemonic == "adrp" and load.mnemonic == "ldr"):
            continue
        base = re.search(r"0x([0-9a-f]+)", page.operands)
        offset = re.search(r"\[x16, #(\d+)\]", load.operands)
        if base and offset:
            ins.target_name = names.get(int(base.group(1), 16) + int(offset.group(1)),
                                        ins.target_name)


def find_loops(function: Function) -> list[Loop]:
    """The function's loops, one per header (several back edges to one header: the widest)."""
    ends: dict[int, int] = {}
    first = function.instructions[0].address if function.instructions else 0
    for ins in function.instructions:
        target = ins.target
        if ins.is_branch and target is not None and first <= target <= ins.address:
            ends[target] = max(ends.get(target, 0), ins.address)
    return [Loop(function, start, end) for start, end in sorted(ends.items())]


def innermost(loops: list[Loop]) -> list[Loop]:
    """The loops that contain no other loop."""
    return [outer for outer in loops
            if not any(inner is not outer and outer.start <= inner.start
                       and inner.end <= outer.end for inner in loops)]


@dataclass(frozen=True)
class Frame:
    """One level of a source location chain: the function and its file and line."""

    function: str
    file: str
    line: int


def parse_chains(text: str) -> dict[int, list[Frame]]:
    """addr2line `-a -f -i -C` output: address -> frames, innermost (inlined) first, each
    function demangled."""
    chains: dict[int, list[Frame]] = {}
    current: list[Frame] | None = None
    pending_function = ""
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if re.fullmatch(r"0x[0-9a-f]+", line):
            current = chains.setdefault(int(line, 16), [])
            pending_function = ""
            continue
        if current is None:
            continue
        location = re.match(r"^(.*?):(\d+|\?)(?::\d+)?(?: \(discriminator \d+\))?$", line)
        if location and pending_function:
            number = int(location.group(2)) if location.group(2).isdigit() else 0
            current.append(Frame(pending_function, location.group(1), number))
            pending_function = ""
        else:
            pending_function = line
    return chains


def source_chains(so: Path, addresses: Iterable[int]) -> dict[int, list[Frame]]:
    """Where each address came from (see `parse_chains`); empty without addr2line or line
    tables."""
    addr2line = tool("llvm-addr2line", "addr2line")
    wanted = sorted(set(addresses))
    if addr2line is None or not wanted:
        return {}
    done = subprocess.run([addr2line, "-a", "-f", "-i", "-C", "-e", str(so)],
                          input="\n".join(hex(a) for a in wanted) + "\n",
                          capture_output=True, text=True, timeout=120)
    return parse_chains(done.stdout) if done.returncode == 0 else {}


def loops_with_sources(library: Library, keep: Callable[[Loop], bool] = lambda loop: True
                       ) -> tuple[list[Loop], dict[int, list[Frame]]]:
    """Every innermost loop of the library that `keep` keeps, and where each of its
    instructions came from (one addr2line run for the whole library, kept on it: `keep` of
    the first call counts)."""
    if library.loops is None:
        library.loops = [loop for function in library.functions.values()
                         for loop in innermost(find_loops(function)) if keep(loop)]
        addresses = [ins.address for loop in library.loops for ins in loop.body]
        library.chains = source_chains(library.path, addresses)
    return library.loops, library.chains


def split_top_level(operands: str, opening: str, closing: str) -> list[str]:
    """`operands` split at the commas outside brackets (any of `opening` ... `closing`): the
    operand lists of both assembly syntaxes the coach reads."""
    parts, depth, current = [], 0, ""
    for char in operands:
        if char in opening:
            depth += 1
        elif char in closing:
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts
