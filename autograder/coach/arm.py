"""What one aarch64 instruction does, as `loops` needs it (llvm-objdump's syntax, destination
first): float arithmetic and its NEON width, memory operands, the vector registers it writes,
and the general-purpose registers it writes (with a post- or pre-index writeback, the base).

NEON registers have one number and several names: `v3.4s` (4 floats, 128 bits), `v3.2s` (2
floats, 64 bits), `q3` (the whole 128 bits), `d3`, `s3` (one float: scalar code). An FMA is
`fmla v0.4s, v1.4s, v2.4s` (v0 += v1 * v2, also `v2.s[0]`: one lane of v2 broadcast) or the
scalar `fmadd s0, s1, s2, s3` (s0 = s1 * s2 + s3).
"""

from __future__ import annotations

import re

from autograder.coach.disasm import Instruction, split_top_level

#: Floats per NEON arrangement (only f32 is the kit's: `.2d`, `.8h` are not counted).
ARRANGEMENT_LANES = {"4s": 4, "2s": 2}
WIDTH = {4: "NEON 128-bit", 2: "NEON 64-bit"}
_FMA = ("fmla", "fmls", "fmadd", "fmsub", "fnmadd", "fnmsub")
_MUL = ("fmul", "fmulx", "fnmul")
_ADD = ("fadd", "fsub", "faddp")
_SIMD = re.compile(r"^(?:v(\d+)\.(\w+)(?:\[\d+\])?|([qdsbh])(\d+))$")
_GPR = re.compile(r"^(?:[xw](\d+)|(w?sp))$")
_LOADS = ("ldr", "ldur", "ldp", "ldnp", "ld1", "ld2", "ld3", "ld4", "ldar", "ldxr", "ldax",
          "ldrs", "ldurs", "ldpsw")
_STORES = ("str", "stur", "stp", "stnp", "st1", "st2", "st3", "st4", "stlr", "stxr", "stlx")
_NO_DEST = ("cmp", "cmn", "tst", "fcmp", "fcmpe", "ccmp", "ccmn", "fccmp", "prfm", "nop",
            "dmb", "dsb", "isb", "hint", "brk")
_SELF_ARITH = ("add", "sub", "adds", "subs")
STACK = ("sp", "x29")  # the stack pointer and the frame pointer


def split_operands(operands: str) -> list[str]:
    """Operands split at top-level commas (not inside `[ ]` or `{ }`)."""
    return split_top_level(operands, "[{", "]}")


def gpr(name: str) -> str | None:
    """A general-purpose register's 64-bit name (`w9` -> `x9`, `wsp` -> `sp`); None for
    anything else (the zero registers too: they carry nothing)."""
    found = _GPR.match(name.strip())
    if not found:
        return None
    return f"x{found.group(1)}" if found.group(1) is not None else "sp"


def simd(operand: str) -> tuple[int, int] | None:
    """(register number, floats) of a NEON/FP register operand: `v3.4s` -> (3, 4), `s3` ->
    (3, 1), `q3` -> (3, 4); floats 0 for what is not f32 (`v3.2d`, `d3`)."""
    found = _SIMD.match(operand.strip())
    if not found:
        return None
    if found.group(1) is not None:
        number, arrangement = int(found.group(1)), found.group(2)
        if "[" in operand:  # one lane (`v2.s[0]`): a float of a vector register
            return number, 1 if arrangement == "s" else 0
        return number, ARRANGEMENT_LANES.get(arrangement, 0)
    kind, number = found.group(3), int(found.group(4))
    return number, {"s": 1, "q": 4}.get(kind, 0)


def _listed(operand: str) -> list[str]:
    """The registers of a list operand: `{ v0.4s, v1.4s }` (`{ v0.s }[1]`: one lane)."""
    found = re.search(r"\{(.*)\}", operand)
    return split_operands(found.group(1)) if found else []


def _name(ins: Instruction) -> str:
    return ins.mnemonic.split()[-1]


def arith(ins: Instruction) -> tuple[str, int, str] | None:
    """(kind, lanes, register) of an f32 arithmetic instruction (`fma`, `mul`, `add`), or
    None; the width comes from the destination (a by-element FMA's last operand is a lane)."""
    name = _name(ins)
    kind = ("fma" if name in _FMA else "mul" if name in _MUL else "add" if name in _ADD
            else None)
    if kind is None:
        return None
    operands = split_operands(ins.operands)
    dest = simd(operands[0]) if operands else None
    if dest is None or dest[1] == 0:
        return None
    lanes = dest[1]
    if name == "faddp" and len(operands) == 2:  # `faddp s0, v1.2s`: a pairwise sum to one
        return kind, 1, ""
    return kind, lanes, WIDTH.get(lanes, "")


def addends(ins: Instruction, kind: str) -> list[int]:
    """The registers an FMA or add adds to: fmla's destination (it accumulates), fmadd's last
    operand, an add's sources."""
    numbers = [found[0] if (found := simd(op)) else None for op in split_operands(ins.operands)]
    if kind == "fma":
        position = 0 if _name(ins).startswith("fml") else 3
        found = numbers[position] if len(numbers) > position else None
        return [found] if found is not None else []
    if kind == "add":
        return [n for n in numbers[1:] if n is not None]
    return []


def _is_store(name: str) -> bool:
    return name.startswith(_STORES)


def _is_load(name: str) -> bool:
    return name.startswith(_LOADS)


def _address(operands: list[str]) -> tuple[int, str, str, str] | None:
    """(position, base, index, writeback) of the memory operand: writeback is `imm` or `reg`
    for a post- or pre-index update of the base, else empty."""
    for position, operand in enumerate(operands):
        if not operand.startswith("["):
            continue
        inside = [part.strip() for part in operand.strip("[]!").split(",")]
        base = gpr(inside[0]) or ""
        index = gpr(inside[1]) if len(inside) > 1 else None
        writeback = ""
        if operand.endswith("!"):
            writeback = "imm"
        elif position + 1 < len(operands):  # `[x8], #16` or `[x8], x9`: post-index
            writeback = "reg" if gpr(operands[position + 1]) else "imm"
        return position, base, index or "", writeback
    return None


def accesses(ins: Instruction) -> list[tuple[str, str, bool, bool]]:
    """(base, index, store, stack) per register loaded or stored: `ldp q0, q1` and
    `ld1 {v0.4s, v1.4s}` move two registers, two accesses."""
    name = _name(ins)
    if not (_is_load(name) or _is_store(name)) or name.startswith("prfm"):
        return []
    operands = split_operands(ins.operands)
    found = _address(operands)
    if found is None:
        return []
    position, base, index, _ = found
    registers = operands[:position]
    if registers and registers[0].startswith("{"):
        count = len(_listed(registers[0]))
    else:
        count = len([r for r in registers if gpr(r) or simd(r) or r in ("xzr", "wzr")])
        if name.startswith(("stxr", "stlx")):
            count -= 1  # the first register is the exclusive store's status
    stack = base in STACK and not index
    return [(base, index, _is_store(name), stack)] * max(count, 1)


def written_vectors(ins: Instruction) -> list[int]:
    """The NEON/FP registers `ins` writes (a store writes none; a load list writes each)."""
    name = _name(ins)
    if _is_store(name) or name.startswith(_NO_DEST) or ins.is_branch or ins.is_call:
        return []
    operands = split_operands(ins.operands)
    if not operands:
        return []
    if operands[0].startswith("{"):
        return [found[0] for op in _listed(operands[0]) if (found := simd(op))]
    count = 2 if name.startswith(("ldp", "ldnp")) else 1
    return [found[0] for op in operands[:count] if (found := simd(op))]


def writes(ins: Instruction) -> list[tuple[str, list[str], str]]:
    """(register written, registers read, how) for each general-purpose register `ins`
    writes: how is `self+imm` or `self+reg` (an update of its own value: `add x8, x8, #16`,
    a post-index `[x8], x9`) or `fresh` (made from the registers read)."""
    name = _name(ins)
    if ins.is_branch or ins.is_call or name.startswith(_NO_DEST):
        return []
    operands = split_operands(ins.operands)
    found: list[tuple[str, list[str], str]] = []
    address = _address(operands)
    if address is not None:
        position, base, index, writeback = address
        if writeback and base:
            step = gpr(operands[position + 1]) if position + 1 < len(operands) else None
            found.append((base, [base] + ([step] if step else []), f"self+{writeback}"))
        if _is_load(name):  # the registers loaded are made fresh from memory
            sources = [r for r in (base, index) if r]
            found += [(dest, sources, "fresh") for op in operands[:position]
                      if (dest := gpr(op))]
        return found
    dest = gpr(operands[0]) if operands else None
    if dest is None:
        return []
    sources = [r for op in operands[1:] for r in [gpr(op.split()[0])] if r]
    if name in _SELF_ARITH and dest in sources:
        others = [r for r in sources if r != dest]
        return [(dest, sources, "self+reg" if others else "self+imm")]
    if name in ("madd", "msub") and len(operands) == 4 and gpr(operands[3]) == dest:
        return [(dest, sources, "self+reg")]
    return [(dest, sources, "fresh")]
