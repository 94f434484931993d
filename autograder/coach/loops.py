"""What one loop does per iteration, read from its x86-64 instructions (AT&T syntax) or its
aarch64 ones (read by `arm`).

The figures a student can act on: the vector width of its floating-point arithmetic, FMAs (or
separate multiplies and adds) per iteration, loads and stores per FMA, how many independent
accumulators carry sums from one iteration to the next, loads and stores of the stack (spills),
branches to a `panic_bounds_check`, calls, and load streams that advance by a run-time stride
(a matrix read in place instead of a packed panel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from autograder.coach import arm
from autograder.coach.disasm import Instruction, Library, Loop, split_top_level

LANES = {"zmm": 16, "ymm": 8, "xmm": 4}
_FMA = re.compile(r"^v?f(?:n)?m(?:add|sub)(?:132|213|231)?(ps|ss)$")
_MUL = re.compile(r"^v?mul(ps|ss)$")
_ADD = re.compile(r"^v?(?:add|sub)(ps|ss)$")
_VREG = re.compile(r"%([xyz])mm(\d+)")
_MEMORY = re.compile(r"(-?(?:0x)?[0-9a-f]*)\((%\w+)?(?:,(%\w+))?(?:,(\d))?\)")
_PANICS = ("panic_bounds_check", "slice_index_fail", "slice_end_index_len_fail",
           "slice_start_index_len_fail", "slice_index_order_fail")
_NOT_MEMORY = ("lea", "nop", "prefetch")
GPR_FAMILY = {"ax": "rax", "bx": "rbx", "cx": "rcx", "dx": "rdx", "si": "rsi", "di": "rdi",
              "bp": "rbp", "sp": "rsp"}


def gpr(name: str) -> str:
    """A general-purpose register's 64-bit name (`%ecx` -> `rcx`, `%r9d` -> `r9`)."""
    name = name.lstrip("%")
    if re.fullmatch(r"r\d+[dwb]?", name):
        return re.sub(r"[dwb]$", "", name)
    core = name[1:] if name[0] in "re" and len(name) == 3 else name
    return GPR_FAMILY.get(core.rstrip("l"), name)


def split_operands(operands: str) -> list[str]:
    """AT&T operands, split at top-level commas (not inside `( )` or `{ }`)."""
    return split_top_level(operands, "({", ")}")


@dataclass(frozen=True)
class Access:
    """One memory operand: its base and index registers and whether it reads or writes."""

    base: str
    index: str
    store: bool
    stack: bool


def accesses(ins: Instruction) -> list[Access]:
    """The memory operands of `ins` (none for lea, nops and prefetches; on aarch64 one per
    register loaded or stored)."""
    if ins.arch == "aarch64":
        return [Access(*found) for found in arm.accesses(ins)]
    name = ins.mnemonic.split()[-1]
    if name.startswith(_NOT_MEMORY) or ins.is_branch or ins.is_call:
        return []
    operands = split_operands(ins.operands)
    found = []
    for position, operand in enumerate(operands):
        memory = _MEMORY.search(operand)
        if not memory or operand.startswith("%"):
            continue
        base = gpr(memory.group(2)) if memory.group(2) else ""
        index = gpr(memory.group(3)) if memory.group(3) else ""
        last = position == len(operands) - 1 and len(operands) > 1
        is_move = name.startswith(("mov", "vmov", "stos", "vextract", "vpextr", "extract"))
        stack = base in ("rsp", "rbp") and not index
        if last and is_move:
            found.append(Access(base, index, True, stack))
        else:
            found.append(Access(base, index, False, stack))
            if last:  # a read-modify-write of memory
                found.append(Access(base, index, True, stack))
    return found


def _vector_regs(operands: str) -> list[tuple[str, int]]:
    return [(kind, int(number)) for kind, number in _VREG.findall(operands)]


@dataclass
class LoopStats:
    """One loop's figures per iteration."""

    instructions: int = 0
    fmas: int = 0
    muls: int = 0
    adds: int = 0
    flops: int = 0
    lanes: int = 0  # floats per arithmetic instruction (1 = scalar)
    register: str = ""  # zmm, ymm, xmm, NEON 128-bit, NEON 64-bit, or "" when scalar
    loads: int = 0
    stores: int = 0
    stack_loads: int = 0
    stack_stores: int = 0
    accumulators: int = 0
    bounds_checks: int = 0
    calls: list[str] = field(default_factory=list)  # what it calls, by symbol
    strided_loads: int = 0

    @property
    def multiply_adds(self) -> int:
        """FMAs, or (without FMA) the multiply-add pairs: the unit loads and stores are
        counted per."""
        return self.fmas or min(self.muls, self.adds) or self.muls or self.adds

    @property
    def width_name(self) -> str:
        """`zmm (16 floats)`, `scalar (1 float)`."""
        if self.lanes <= 1:
            return "scalar (1 float)"
        return f"{self.register} ({self.lanes} floats)"

    def per_multiply_add(self, count: int) -> float:
        """`count` per FMA (or multiply-add pair); 0 when the loop has none."""
        return count / self.multiply_adds if self.multiply_adds else 0.0


def _arith(ins: Instruction) -> tuple[str, int, str] | None:
    """(kind, lanes, register) of a float arithmetic instruction, or None."""
    if ins.arch == "aarch64":
        return arm.arith(ins)
    name = ins.mnemonic.split()[-1]
    for kind, pattern in (("fma", _FMA), ("mul", _MUL), ("add", _ADD)):
        found = pattern.match(name)
        if found:
            regs = _vector_regs(ins.operands)
            widest = max((LANES[f"{k}mm"] for k, _ in regs), default=4)
            if found.group(1) == "ss":
                return kind, 1, ""
            register = next((f"{k}mm" for k, _ in regs if LANES[f"{k}mm"] == widest), "xmm")
            return kind, widest, register
    return None


def has_float_math(loop: Loop) -> bool:
    """Whether the loop multiplies, adds or fuses floats."""
    return any(_arith(ins) for ins in loop.body)


def _addends(ins: Instruction, kind: str) -> list[int]:
    """The vector registers an FMA or add adds to (AT&T order): an FMA's addend (231: the
    destination, 213: the first operand, 132: the middle one), an add's sources."""
    if ins.arch == "aarch64":
        return arm.addends(ins, kind)
    operands = split_operands(ins.operands)
    regs = [_VREG.fullmatch(op) for op in operands]
    numbers = [int(r.group(2)) if r else None for r in regs]
    if kind == "fma":
        form = re.search(r"(132|213|231)", ins.mnemonic)
        position = {"231": -1, "213": 0, "132": 1}.get(form.group(1) if form else "231", -1)
        found = numbers[position] if len(numbers) == 3 else None
        return [found] if found is not None else []
    if kind == "add":
        sources = numbers if len(numbers) == 2 else numbers[:-1]
        return [n for n in sources if n is not None]
    return []


def _written_vectors(ins: Instruction) -> list[int]:
    """The vector registers `ins` writes (AT&T: the last operand, if it is one)."""
    if ins.arch == "aarch64":
        return arm.written_vectors(ins)
    operands = split_operands(ins.operands)
    if not operands:
        return []
    found = _VREG.search(operands[-1])
    return [int(found.group(2))] if found and operands[-1].startswith("%") else []


def count_accumulators(body: list[Instruction]) -> int:
    """Registers an FMA or add adds to before anything in the loop wrote them: sums carried
    from one iteration to the next, each a chain of its own (the compiler may rotate them
    through registers, `addps %xmm4, %xmm5`, which this follows)."""
    written: set[int] = set()
    carried: set[int] = set()
    for ins in body:
        arith = _arith(ins)
        if arith:
            carried.update(r for r in _addends(ins, arith[0]) if r not in written)
        written.update(_written_vectors(ins))
    return len(carried)


def _leads_to_panic(library: Library, address: int, hops: int = 3) -> bool:
    """Whether the code at `address` calls a bounds-check panic within a few instructions
    (following up to `hops` unconditional jumps)."""
    for ins in library.following(address, 12):
        if ins.is_call:
            return any(p in ins.target_name for p in _PANICS)
        if ins.mnemonic.split()[-1].startswith("ret"):
            return False
        if ins.is_branch and not ins.is_conditional:
            return (ins.target is not None and hops > 0
                    and _leads_to_panic(library, ins.target, hops - 1))
    return False


_ORDER = {"inv": 0, "imm": 1, "reg": 2}
_SELF_UPDATES = ("add", "sub", "inc", "dec", "lea")


def _gprs(text: str) -> list[str]:
    """The general-purpose registers named in `text` (64-bit names)."""
    return [gpr(name) for name in re.findall(r"%(r\w+|e\w+|[abcd]x|[sd]il?|[bs]pl?)", text)
            if not _VREG.fullmatch(f"%{name}")]


def _writes_all(ins: Instruction) -> list[tuple[str, list[str], str]]:
    """Every general-purpose register `ins` writes, as `_writes` describes one (an aarch64
    load with a writeback writes two)."""
    if ins.arch == "aarch64":
        return arm.writes(ins)
    found = _writes(ins)
    return [found] if found else []


def _writes(ins: Instruction) -> tuple[str, list[str], str] | None:
    """(register written, registers read, how) for an instruction that writes a
    general-purpose register: how is `self+imm`, `self+reg` (an update of its own value) or
    `fresh` (a value made from other registers)."""
    name = ins.mnemonic.split()[-1]
    operands = split_operands(ins.operands)
    if not operands or not operands[-1].startswith("%") or _VREG.search(operands[-1]):
        return None
    if ins.is_branch or ins.is_call or name.startswith(("cmp", "test", "push", "j")):
        return None
    dest = gpr(operands[-1])
    sources = [r for operand in operands[:-1] for r in _gprs(operand)]
    if name.startswith(("inc", "dec")):
        return dest, [dest], "self+imm"
    if name.startswith(("add", "sub")) and len(operands) == 2:
        return dest, [dest, *sources], "self+imm" if operands[0].startswith("$") else "self+reg"
    if name.startswith("lea") and dest in sources:
        others = [r for r in sources if r != dest]
        return dest, sources, "self+reg" if others else "self+imm"
    if name.startswith("xor") and len(set(operands)) == 1:
        return dest, [], "fresh"
    if not name.startswith(("mov", "lea")):
        sources.append(dest)  # two-operand arithmetic reads its destination too
    return dest, sources, "fresh"


def induction_steps(body: list[Instruction]) -> dict[str, str]:
    """Registers carried from one iteration to the next by updating their own value, and how
    they advance: `imm` (a constant) or `reg` (another register: a run-time stride)."""
    steps: dict[str, str] = {}
    defined: set[str] = set()
    for ins in body:
        for dest, _, how in _writes_all(ins):
            if how.startswith("self") and dest not in defined and dest not in steps:
                steps[dest] = how.removeprefix("self+")
            elif not how.startswith("self"):
                defined.add(dest)
    return steps


def count_strided_loads(body: list[Instruction]) -> int:
    """Loads whose address advances by a run-time stride each iteration: through an induction
    register stepped by another register, or a value made from one."""
    steps = induction_steps(body)
    written = {w[0] for ins in body for w in _writes_all(ins)}
    current: dict[str, str] = {}

    def kind(register: str) -> str:
        if register in current:
            return current[register]
        if register in steps:
            return steps[register]
        return "inv" if register not in written else "imm"

    strided = 0
    for ins in body:
        for access in accesses(ins):
            if not access.store and "reg" in (kind(access.base), kind(access.index)):
                strided += 1
        for dest, sources, how in _writes_all(ins):
            if not (how.startswith("self") and dest in steps and dest not in current):
                current[dest] = max((kind(r) for r in sources), key=_ORDER.get, default="inv")
    return strided


def analyse(library: Library, loop: Loop) -> LoopStats:
    """The loop's figures (see `LoopStats`)."""
    body = loop.body
    stats = LoopStats(instructions=len(body))
    for ins in body:
        arith = _arith(ins)
        if arith:
            kind, lanes, register = arith
            setattr(stats, f"{kind}s", getattr(stats, f"{kind}s") + 1)
            stats.flops += lanes * (2 if kind == "fma" else 1)
            if lanes > stats.lanes:
                stats.lanes, stats.register = lanes, register
        for access in accesses(ins):
            if access.store:
                stats.stores += 1
                stats.stack_stores += access.stack
            else:
                stats.loads += 1
                stats.stack_loads += access.stack
        if ins.is_call and any(p in ins.target_name for p in _PANICS):
            stats.bounds_checks += 1
        elif ins.is_call:
            stats.calls.append(ins.target_name or ins.operands)
        if (ins.is_conditional and ins.target is not None and not loop.contains(ins.target)
                and _leads_to_panic(library, ins.target)):
            stats.bounds_checks += 1
    stats.accumulators = count_accumulators(body)
    stats.strided_loads = count_strided_loads(body)
    return stats
