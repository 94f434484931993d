"""What a student's Rust kernel file may not do, checked on its tokens before it is built.

The level manifest names a rule set (`rust_rules = "kernel"` in level0.toml); `check` reads the
file with the kit's Rust lexer (`rust_tokens.py`: comments, strings and whitespace never count,
and `include_str !` is `include_str!`) and returns every violation with its line and a reason a
student can act on. A file with a violation is never compiled: it is built as its stub, and its
tests say why. The build itself runs in a sandbox that sees only the kit's crate, the student's
kernel files, cached dependencies and the toolchain; the rules below are the ones that still
matter there, or that turn a confusing failure into a clear message.

Rule                     Refused                                  Why it remains
-----------------------  ---------------------------------------  ------------------------------
1 no foreign code        `extern` anywhere (blocks, `extern "C"`,  numpy's BLAS is loaded in the
                         `extern crate`), also `r#extern`          Python process: a declared C
                                                                   function would link it
2 no Python              the identifiers `pyo3` and `numpy`;       the crate root holds the kit's
                         `crate::` other than `crate::kernels`;    PyO3 bindings: through them a
                         more `super::` than reach kernels/mod.rs  kernel could call numpy
3 std allow-list         `std::`/`core::` (also `::std`) naming    kernels compute on slices; the
                         a module not in `std_modules`;            other modules reach the OS
                         `use std as s`, `use std::{self as s}`,   (process, fs, env, net, io,
                         `use std::*`                              os, ffi, path) or the kit's
                                                                   panic hook. The worker sandbox
                                                                   holds them too: this makes the
                                                                   failure a clear message
4 no assembly            `asm`, `global_asm`, `naked_asm`,         system calls with no std path
                         `llvm_asm`                                to see; std::arch intrinsics
                                                                   give every vector instruction
5 no build-time reads    `include`, `include_str`,                 moot in the build sandbox;
                         `include_bytes`, `env`, `option_env`      kept so that a build without
                         as any identifier (renames, macro         one (no bubblewrap) is no
                         arguments)                                weaker
6 attribute allow-list   any attribute not in `attributes`:        they link libraries, read other
                         `link`, `path`, `no_mangle`,              files, or replace symbols and
                         `export_name`, `link_section`, `used`,    run code when Python loads the
                         `global_allocator`, `cfg_attr`,           module
                         `#[unsafe(..)]`, `#![feature]`, ...
7 macros stay readable   `$x:tt` fragments; `::` next to `$x` or   a macro could otherwise put a
                         a `$(..)` repetition; `use $x`; a `#`     forbidden path or attribute
                         that starts no attribute; more than one   together from allowed pieces
                         `super::` in a `macro_rules!` body;
                         `concat_idents`

Before all of them, a file whose first line rustc would drop as a shebang (`#!` that does not
plainly start an inner attribute) is refused: this checker would read that line differently
(`#!/**` opens a comment here, and hides the next line's code from every rule above).

Why identifiers can be checked as written: the file cannot make new identifiers (no
`concat_idents!`, no proc-macro crate to do it), so every name the compiler will resolve is a
token in the file, and macros can only move tokens, which the macro rules keep visible.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.judge.rust_tokens import (
    WHITESPACE,
    LexError,
    Token,
    matching_delimiters,
    tokenize,
)

# Crates that are always there. `alloc` is not one: without `extern crate alloc` (refused) it
# names nothing, and `std::alloc` is a module.
ROOTS = ("std", "core")
CRATE_ROOTS = ("crate",)  # also `$crate`, the crate a macro was defined in


@dataclass(frozen=True)
class Violation:
    """One thing a file does that its level forbids: where, what, and why."""

    line: int
    what: str
    why: str

    def format(self, file: str) -> str:
        """`file:line: what: why`, as students see it."""
        return f"{file}:{self.line}: {self.what}: {self.why}"


@dataclass(frozen=True)
class RuleSet:
    """The names a level's Rust files may use (allow-lists) or not (banned identifiers)."""

    std_modules: frozenset[str]
    std_macros: frozenset[str]
    attributes: frozenset[str]
    crate_modules: frozenset[str]
    banned: dict[str, str]  # identifier -> why


_FOREIGN = "it declares code from outside Rust (a C library such as a BLAS, or a foreign ABI)"
_PYTHON = ("the Python bindings are the kit's (src/lib.rs); through them a kernel could call "
           "numpy instead of computing")
_FILE = "it reads a file into the program at build time; a kernel file stands alone"
_ENV = ("it names the env! macro or the std::env module, which read the environment of the "
        "build or of the grader")
_ASM = ("inline assembly is outside the course (std::arch intrinsics give you every vector "
        "instruction) and could make system calls")
_GLUE = "it builds identifiers from pieces, so a file could spell a forbidden name"

KERNEL = RuleSet(
    std_modules=frozenset(
        "alloc any arch array borrow boxed cell char clone cmp collections convert default "
        "error f32 f64 fmt hash hint i8 i16 i32 i64 i128 isize iter marker mem num ops option "
        "prelude primitive ptr rc result slice str string sync thread time u8 u16 u32 u64 u128 "
        "usize vec".split()),
    std_macros=frozenset(
        "assert assert_eq assert_ne cfg column compile_error concat dbg debug_assert "
        "debug_assert_eq debug_assert_ne eprint eprintln file format format_args "
        "is_aarch64_feature_detected is_x86_feature_detected line matches module_path panic "
        "print println stringify thread_local todo unimplemented unreachable vec write "
        "writeln".split()),
    attributes=frozenset(
        "allow cfg clippy cold deny deprecated derive diagnostic doc expect forbid ignore inline "
        "must_use non_exhaustive repr rustfmt should_panic target_feature test track_caller "
        "warn".split()),
    crate_modules=frozenset({"kernels"}),
    banned={"extern": _FOREIGN, "pyo3": _PYTHON, "numpy": _PYTHON,
            "include": _FILE, "include_str": _FILE, "include_bytes": _FILE,
            "env": _ENV, "option_env": _ENV,
            "asm": _ASM, "global_asm": _ASM, "naked_asm": _ASM, "llvm_asm": _ASM,
            "concat_idents": _GLUE},
)
RULE_SETS = {"kernel": KERNEL}


def _shebang(source: str) -> bool:
    """Whether rustc may drop the first line of `source` as a shebang: it starts with `#!`
    and `[` does not follow after whitespace alone. (rustc drops it unless the next token,
    past whitespace and plain comments, is `[`: a line like `#!/**` hides the next line's code
    inside what this checker would read as a comment. Any `#!` line that is not plainly an
    inner attribute is refused, which also refuses the legal but odd `#! /* x */ [attr]`.)"""
    text = source.removeprefix("\ufeff")
    if not text.startswith("#!"):
        return False
    return not text[2:].lstrip("".join(WHITESPACE)).startswith("[")


def check(source: str, rules: str = "kernel") -> list[Violation]:
    """Every violation of rule set `rules` in Rust `source`, by line (none: the file may be
    built). KeyError for an unknown rule set."""
    rule_set = RULE_SETS[rules]
    if _shebang(source):
        return [Violation(1, "a first line that starts with #! but is no attribute",
                          "rustc drops such a line as a shebang, so the code after it is not "
                          "what this check reads; start an inner attribute with #![ or remove "
                          "the line")]
    try:
        tokens = tokenize(source)
        pairs = matching_delimiters(tokens)
    except LexError as exc:
        return [Violation(exc.line, f"this file could not be read as Rust ({exc.message})",
                          "every kernel file is checked before it is built; make it compile")]
    found = _Checker(tokens, pairs, rule_set).run()
    unique = {(v.line, v.what): v for v in reversed(found)}
    return sorted(unique.values(), key=lambda v: v.line)


class _Checker:
    """One pass per rule over the tokens of one file."""

    def __init__(self, tokens: list[Token], pairs: dict[int, int], rules: RuleSet) -> None:
        self.tokens = tokens
        self.pairs = pairs
        self.rules = rules
        self.found: list[Violation] = []
        self.use_spans = self._use_spans()
        self.in_use = {i for start, end in self.use_spans.items() for i in range(start, end)}
        self.super_limit = self._super_limits()
        self.repetition_ends = self._repetition_ends()

    def run(self) -> list[Violation]:
        self.banned_identifiers()
        self.attributes()
        self.paths()
        self.use_trees()
        self.macro_fragments()
        return self.found

    def at(self, index: int) -> Token:
        """The token at `index`, or an empty punct past either end."""
        if 0 <= index < len(self.tokens):
            return self.tokens[index]
        return Token("punct", "", self.tokens[-1].line if self.tokens else 1)

    def refuse(self, token: Token, what: str, why: str) -> None:
        self.found.append(Violation(token.line, what, why))

    # -- context ---------------------------------------------------------------------------

    def _use_spans(self) -> dict[int, int]:
        """`use` token index -> index of its `;` (not `use<'a>` bounds)."""
        spans = {}
        for index, token in enumerate(self.tokens):
            if token.is_ident("use") and not token.raw and not self.at(index + 1).is_punct("<"):
                end = index + 1
                while end < len(self.tokens) and not self.tokens[end].is_punct(";"):
                    end += 1
                spans[index] = end
        return spans

    def _super_limits(self) -> list[int]:
        """How many leading `super::` each token's path may have and stay inside `kernels`.

        One, plus one per inline `mod` block around it. Inside a macro's arguments the modules
        they spell do not count (the macro may drop them); inside a `macro_rules!` body the
        limit is one (the macro may be used in the file's top module).
        """
        limits, depth, mod_ends = [], 0, set()
        regions: list[tuple[int, bool]] = []  # (end index, is a macro_rules body)
        for index, token in enumerate(self.tokens):
            while regions and index > regions[-1][0]:
                regions.pop()
            after = self.at(index + 1)
            opening = self.at(index + 3) if token.is_ident("macro_rules") else self.at(index + 2)
            if token.kind == "ident" and after.is_punct("!") and opening.is_punct("(", "[", "{"):
                start = index + (3 if token.is_ident("macro_rules") else 2)
                regions.append((self.pairs[start], token.is_ident("macro_rules")))
            if index in mod_ends:
                depth -= 1
            if (not regions and token.is_ident("mod") and not token.raw and after.kind == "ident"
                    and self.at(index + 2).is_punct("{")):
                mod_ends.add(self.pairs[index + 2])
                depth += 1
            limits.append(1 if any(rules for _, rules in regions) else 1 + depth)
        return limits

    def _repetition_ends(self) -> set[int]:
        """Indices of the `)`, separator and operator that end each `$( ... )` repetition."""
        ends = set()
        for index, token in enumerate(self.tokens):
            if token.is_punct("$") and self.at(index + 1).is_punct("("):
                close = self.pairs[index + 1]
                ends.add(close)
                for offset in (1, 2):
                    if self.at(close + offset).is_punct("*", "+", "?"):
                        ends.update(range(close + 1, close + offset + 1))
                        break
        return ends

    # -- rules -----------------------------------------------------------------------------

    def banned_identifiers(self) -> None:
        for token in self.tokens:
            if token.kind == "ident" and token.text in self.rules.banned:
                spelled = f"`r#{token.text}`" if token.raw else f"`{token.text}`"
                own = "" if token.text in ("extern", "pyo3", "numpy") else \
                    " (if it is your own name, rename it)"
                self.refuse(token, f"{spelled} is not allowed",
                            self.rules.banned[token.text] + own)

    def attributes(self) -> None:
        for index, token in enumerate(self.tokens):
            if not token.is_punct("#"):
                continue
            start = index + 2 if self.at(index + 1).is_punct("!") else index + 1
            if not self.at(start).is_punct("["):
                self.refuse(token, "a `#` that does not start an attribute",
                            "a macro could put an attribute together from it out of sight "
                            "of the check; write attributes out as `#[...]`")
                continue
            name = self.at(start + 1)
            if name.is_ident("unsafe"):
                self.refuse(token, "`#[unsafe(...)]` is not allowed",
                            "the unsafe attributes (no_mangle, export_name, link_section) export "
                            "symbols or run code when Python loads the module")
            elif name.kind != "ident" or name.text not in self.rules.attributes:
                shown = "$" + name.text if name.kind == "metavar" else name.text
                self.refuse(token, f"the attribute `#[{shown}]` is not allowed",
                            "a kernel file may use only attributes such as allow, cfg, derive, "
                            "inline, repr and target_feature (the handout lists them all); the "
                            "others link libraries (link), read other files (path), or export "
                            "or place symbols (no_mangle, export_name, link_section, used)")

    def paths(self) -> None:
        """`std::x`, `crate::x`, `super::super`, and `::` next to `$` pieces, wherever written."""
        for index, token in enumerate(self.tokens):
            if token.is_punct("::"):
                self._path_step(index)
            elif token.is_ident("self", "super") and not self.at(index - 1).is_punct("::"):
                self._super_chain(index, self._chain_supers(index))

    def _path_step(self, index: int) -> None:
        left, right = self.at(index - 1), self.at(index + 1)
        in_use = index in self.in_use
        if (right.kind == "metavar" or right.is_punct("$") or index - 1 in self.repetition_ends
                or (left.kind == "metavar" and left.text != "crate")):
            self.refuse(left, "a macro builds a path from `$` pieces (`::` next to `$x` or "
                              "`$(...)`)",
                        "the check must see every path as it is written; write the path out, "
                        "or pass the macro an expression or a type")
        elif left.is_ident(*ROOTS) or _is_crate(left):
            step = self._std_step if left.is_ident(*ROOTS) else self._crate_step
            if in_use and right.is_punct("{"):  # `use std::{a, b::c}`: each head is a step
                for head in self._brace_heads(index + 1):
                    step(left, head, False)
            else:
                step(left, right, self.at(index + 2).is_punct("!"))

    def _brace_heads(self, opening: int) -> list[Token]:
        """The first token of each item of the use-tree group at `opening` (an item that is
        itself a bare group is opened); `self` and `*` are left to `use_trees`."""
        heads, index, expect_head = [], opening + 1, True
        while index < self.pairs[opening]:
            token = self.tokens[index]
            if token.is_punct("{") and expect_head:  # `std::{{a, b}}`: a and b are heads
                heads += self._brace_heads(index)
                index, expect_head = self.pairs[index] + 1, False
                continue
            if expect_head and not (token.is_ident("self") or token.is_punct("*")):
                heads.append(token)
            expect_head = token.is_punct(",")
            index = self.pairs[index] + 1 if token.is_punct("{") else index + 1
        return heads

    def _std_step(self, root: Token, name: Token, is_macro: bool) -> None:
        if name.kind == "ident" and name.text in self.rules.banned:
            return  # reported as a banned identifier
        if name.kind != "ident":
            self.refuse(root, f"`{root.text}::` followed by `{name.text}` is not allowed",
                        "a path into the standard library must name its module right there "
                        "(`std::sync::Barrier`), so that the check can read it")
        elif is_macro and name.text not in self.rules.std_macros:
            self.refuse(root, f"`{root.text}::{name.text}!` is not allowed",
                        "only the standard library's printing, assertion and feature-detection "
                        "macros may be named by path")
        elif not is_macro and name.text not in self.rules.std_modules:
            self.refuse(root, f"`{root.text}::{name.text}` is not allowed",
                        "a kernel file may use only the standard library's computing modules "
                        "(arch, thread, sync, mem, ptr, slice, iter, ...: the handout lists them "
                        "all); the others reach the operating system (processes, files, the "
                        "environment, the network) or the kit's panic hook")

    def _crate_step(self, root: Token, name: Token, is_macro: bool = False) -> None:
        if not (name.kind == "ident" and name.text in self.rules.crate_modules):
            spelled = "$crate" if root.kind == "metavar" else root.text
            self.refuse(root, f"`{spelled}::{name.text}` is not allowed",
                        "the crate root holds the kit's Python bindings; reach your other files "
                        "as `super::<file>` or `crate::kernels::<file>`")

    def _chain_supers(self, index: int) -> int:
        """The `super`s in the `self`/`super` chain that starts a path at `index`."""
        count = 0
        while self.at(index).is_ident("self", "super"):
            count += self.at(index).text == "super"
            if not self.at(index + 1).is_punct("::"):
                break
            index += 2
        return count

    def _super_chain(self, index: int, supers: int) -> None:
        limit = self.super_limit[index]
        if supers > limit:
            self.refuse(self.at(index), f"`{'super::' * supers}` climbs {supers} modules up",
                        "above kernels/mod.rs is the crate root, which holds the kit's Python "
                        f"bindings; here a path may climb {limit} (one from your file's top "
                        "level, one more per `mod` block around it, one in a `macro_rules!`)")

    def use_trees(self) -> None:
        """`use` declarations, braces flattened: renames and globs of a crate root."""
        for start, end in self.use_spans.items():
            for path, alias in _flatten(self.tokens[start + 1:end]):
                self._use_path(start, path, alias)

    def _use_path(self, use: int, path: list[Token], alias: str) -> None:
        segments = [t for t in path if not t.is_punct("::")]
        if not segments:
            return
        shown = "::" if path[0].is_punct("::") else ""
        shown += "::".join("$" + t.text if t.kind == "metavar" else t.text for t in segments)
        shown = f"use {shown}" + (f" as {alias}" if alias else "")
        token, root = self.tokens[use], segments[0]
        is_crate = _is_crate(root)
        if any(t.kind == "metavar" for t in segments[1:]) or (
                root.kind == "metavar" and not is_crate):
            self.refuse(token, f"`{shown}` takes its path from a macro variable",
                        "the check could not see which module it names; write the path out")
        elif (root.is_ident(*ROOTS) or is_crate) and len(segments) == 1:
            crate = "the crate root" if is_crate else f"the crate `{root.text}`"
            self.refuse(token, f"`{shown}` imports {crate} itself",
                        "a path into it must start with the module it uses (`std::sync`, "
                        "`crate::kernels`) so that the check can read it; import what you need")
        elif root.is_ident(*ROOTS) and segments[1].is_punct("*"):
            self.refuse(token, f"`{shown}` imports every module of `{root.text}`",
                        "the check could no longer tell which modules you use; import the "
                        "modules you need")
        elif root.is_ident(*ROOTS):
            self._std_step(root, segments[1], False)
        elif is_crate:
            self._crate_step(root, segments[1])
        elif root.is_ident("self", "super"):
            chain = next((n for n, t in enumerate(segments) if not t.is_ident("self", "super")),
                         len(segments))
            self._super_chain(use, sum(t.text == "super" for t in segments[:chain]))

    def macro_fragments(self) -> None:
        for index, token in enumerate(self.tokens):
            if (token.kind == "metavar" and self.at(index + 1).is_punct(":")
                    and self.at(index + 2).is_ident("tt")):
                self.refuse(token, f"the macro fragment `${token.text}:tt` is not allowed",
                            "a token-tree fragment can carry pieces of a path or an attribute "
                            "and put them together out of sight of the check; use expr, ident, "
                            "ty or literal fragments")


def imported_paths(source: str) -> list[str]:
    """The paths the `use` declarations of Rust `source` import, braces expanded and `self`
    resolved (`use std::{self as s, sync::Arc}` gives "std as s" and "std::sync::Arc")."""
    tokens = tokenize(source)
    checker = _Checker(tokens, matching_delimiters(tokens), KERNEL)
    paths = []
    for start, end in checker.use_spans.items():
        for path, alias in _flatten(tokens[start + 1:end]):
            text = "".join(t.text for t in path)
            paths.append(f"{text} as {alias}" if alias else text)
    return paths


def _flatten(tokens: list[Token], prefix: list[Token] | None = None
             ) -> list[tuple[list[Token], str]]:
    """The paths a use tree imports, braces expanded: `std::{self as s, process}` gives
    (`std`, "s") and (`std::process`, ""). `self` in braces names the prefix itself. Tokens
    after a group or an alias start a new path (rustc refuses them; nothing is skipped)."""
    prefix = prefix or []
    paths: list[tuple[list[Token], str]] = []
    path, started, index = list(prefix), False, 0
    while index < len(tokens):
        token = tokens[index]
        if token.is_punct("{"):
            close, depth = index, 0
            for close in range(index, len(tokens)):
                depth += tokens[close].is_punct("{") - tokens[close].is_punct("}")
                if depth == 0:
                    break
            for item in _split_commas(tokens[index + 1:close]):
                paths.extend(_flatten(item, path))
            path, started, index = list(prefix), False, close + 1
        elif token.is_ident("as") or token.is_punct(","):
            alias = tokens[index + 1].text if token.is_ident("as") and index + 1 < len(tokens) \
                else ""
            if started or alias:
                paths.append((_trimmed(path), alias))
            path, started, index = list(prefix), False, index + (2 if alias else 1)
        else:
            if not (token.is_ident("self") and prefix and not started):
                path.append(token)
            started, index = True, index + 1
    if started:
        paths.append((_trimmed(path), ""))
    return paths


def _trimmed(path: list[Token]) -> list[Token]:
    """`path` without a trailing `::` (left where `self` named the prefix)."""
    return path[:-1] if len(path) > 1 and path[-1].is_punct("::") else path


def _is_crate(token: Token) -> bool:
    """`crate`, or `$crate` (the crate a macro was defined in)."""
    return token.is_ident(*CRATE_ROOTS) or (token.kind == "metavar" and token.text == "crate")


def _split_commas(tokens: list[Token]) -> list[list[Token]]:
    """Split a brace group's contents at its top-level commas."""
    items, current, depth = [], [], 0
    for token in tokens:
        depth += token.is_punct("{") - token.is_punct("}")
        if token.is_punct(",") and depth == 0:
            items.append(current)
            current = []
        else:
            current.append(token)
    return [item for item in items + [current] if item]
