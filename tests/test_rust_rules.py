"""The token rules on students' Rust files (autograder/judge/rust_rules.py) and their lexer."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import KIT, build_submission, run_grade

from autograder.judge import build, rust_rules
from autograder.judge.rust_rules import KERNEL, check, imported_paths
from autograder.judge.rust_tokens import LexError, matching_delimiters, tokenize
from autograder.levels import load_level

KERNELS = "rust_kernels/teenygrad_kernels/src/kernels"
REFERENCE_FILES = sorted((KIT / "solutions/level0" / KERNELS).glob("*.rs"))
STUB_FILES = sorted(p for p in (KIT / KERNELS).glob("*.rs") if p.name != "mod.rs")
FIXTURES = KIT / "tests/fixtures/level0-rules"

# name -> (Rust source, a fragment of a violation's `what`). Most are ways around
# the old substring ban (or around a naive token check) that rustc would accept.
REFUSED = {
    "include_str with a space": ('const S: &str = include_str !("/etc/passwd");',
                                 "`include_str`"),
    "include_bytes across lines": ("const B: &[u8] = include_bytes\n!\n(\"x\");",
                                   "`include_bytes`"),
    "include of a concat! of env!": ('include!(concat!(env!("PWD"), "/../x.rs"));', "`include`"),
    "env! of PWD": ('const P: &str = env!("PWD");', "`env`"),
    "option_env!": ('const H: Option<&str> = option_env!("HOME");', "`option_env`"),
    "std::include_str! by path": ('const S: &str = std::include_str!("x");', "`include_str`"),
    "core::env! by path": ('const S: &str = core::env!("x");', "`env`"),
    "env passed to a macro": ('macro_rules! call { ($m:ident) => { $m!("PWD") } }\n'
                              "const P: &str = call!(env);", "`env`"),
    "use tree rename": ("use std::{process as p};", "`std::process`"),
    "nested use tree": ("use std::{sync::Arc, {process::Command}};", "`std::process`"),
    "bare nested group": ("use std::{{fs}};", "`std::fs`"),
    "crate root in a nested group": ("use crate::{kernels::Isa, {Python}};", "`crate::Python`"),
    "keyword before a global path": ("fn f() { for _ in ::std::process::id()..1 {} }",
                                     "`std::process`"),
    "use std as s": ("use std as s;\nfn f() { s::process::exit(0) }", "imports the crate `std`"),
    "use std::{self as s}": ("use std::{self as s};", "imports the crate `std`"),
    "pub use std": ("pub use std;", "imports the crate `std`"),
    "use ::{std as s}": ("use ::{std as s};", "imports the crate `std`"),
    "extern crate std as s": ("extern crate std as s;", "`extern`"),
    "leading ::std": ("fn f() { ::std::process::exit(0) }", "`std::process`"),
    "space and comment inside the path": ("use std /* no */ :: // here\n process;",
                                          "`std::process`"),
    "unicode line separator": ("use std::\u2028process;", "`std::process`"),
    "raw identifier module": ("use std::r#process;", "`std::process`"),
    "glob of std": ("use std::*;", "imports every module of `std`"),
    "glob of ::core in braces": ("use ::core::{*};", "imports every module of `core`"),
    "core::ffi": ("type V = core::ffi::c_void;", "`core::ffi`"),
    "std::fs": ('fn f() { let _ = std::fs::read("x"); }', "`std::fs`"),
    "std::net": ("use std::net::TcpStream;", "`std::net`"),
    "std::io": ("use std::io::Read;", "`std::io`"),
    "std::os": ("use std::os::unix::process::CommandExt;", "`std::os`"),
    "std::path": ("use std::path::Path;", "`std::path`"),
    "std::panic hook": ("fn f() { std::panic::set_hook(Box::new(|_| {})); }", "`std::panic`"),
    "std::env::var": ('fn f() { let _ = std::env::var("HOME"); }', "`env`"),
    "std root macro not listed": ('std::concat_bytes!(b"a");', "`std::concat_bytes!`"),
    "path attribute": ('#[path = "../../../../solutions/level0/x.rs"] mod r;', "`#[path]`"),
    "cfg_attr wrapping path": ('#[cfg_attr(all(), path = "x.rs")] mod r;', "`#[cfg_attr]`"),
    "link attribute": ('#[link(name = "openblas")]\nunsafe extern "C" { fn f(); }', "`#[link]`"),
    "extern C block": ('unsafe extern "C" { fn cblas_sgemm(); }', "`extern`"),
    "extern fn pointer": ('type F = extern "C" fn();', "`extern`"),
    "raw identifier extern": ('r#extern "C" { fn f(); }', "`r#extern`"),
    "no_mangle": ("#[no_mangle] pub fn PyInit_x() {}", "`#[no_mangle]`"),
    "unsafe(no_mangle)": ("#[unsafe(no_mangle)] pub fn f() {}", "`#[unsafe(...)]`"),
    "export_name": ('#[export_name = "PyInit_teenygrad_kernels"] fn f() {}', "`#[export_name]`"),
    "link_section init_array": ('#[link_section = ".init_array"] static X: fn() = f;',
                                "`#[link_section]`"),
    "used": ("#[used] static X: u8 = 0;", "`#[used]`"),
    "global_allocator": ("#[global_allocator] static A: MyAlloc = MyAlloc;",
                         "`#[global_allocator]`"),
    "crate-level feature": ("#![feature(asm_experimental_arch)]", "`#[feature]`"),
    "macro_use": ("#[macro_use] mod m {}", "`#[macro_use]`"),
    "pyo3 path": ("use pyo3::prelude::*;", "`pyo3`"),
    "pyo3 global path": ("fn f() { ::pyo3::Python::attach(|_| ()); }", "`pyo3`"),
    "numpy crate": ("fn f() { let _ = numpy::PyArray1::<f32>::zeros; }", "`numpy`"),
    "crate root re-export of pyo3": ("fn f() { crate::Python::attach(|_| ()); }",
                                     "`crate::Python`"),
    "use crate root item": ("use crate::{kernels, Python};", "`crate::Python`"),
    "use crate as": ("use crate as c;", "imports the crate root"),
    "glob of crate": ("use crate::*;", "`crate::*`"),
    "super::super": ("use super::super::Python;", "climbs 2"),
    "super in braces": ("use super::{super::Python};", "climbs 2"),
    "self then supers": ("fn f() { self::super::super::Python::attach(|_| ()); }", "climbs 2"),
    "supers in a nested module": ("mod a { fn f() { super::super::super::Python; } }",
                                  "climbs 3"),
    "supers in a macro": ("macro_rules! m { () => { super::super::Python } }", "climbs 2"),
    "mod spelled in macro arguments": ("m!(mod x { super::super::Python });", "climbs 2"),
    "$crate root": ("macro_rules! m { () => { $crate::Python } }", "`$crate::Python`"),
    "asm!": ('fn f() { unsafe { std::arch::asm!("syscall") } }', "`asm`"),
    "asm renamed": ("use std::arch::{asm as a};", "`asm`"),
    "asm through a glob": ('use core::arch::*;\nfn f() { unsafe { asm!("") } }', "`asm`"),
    "global_asm!": ('std::arch::global_asm!(".globl x");', "`global_asm`"),
    "concat_idents!": ("fn f() { concat_idents!(std, x); }", "`concat_idents`"),
    "macro builds std::$x": ("macro_rules! m { ($x:ident) => { std::$x::exit(0) } }",
                             "from `$` pieces"),
    "macro builds $r::process": ("macro_rules! m { ($r:ident) => { $r::process::exit(0) } }",
                                 "from `$` pieces"),
    "tt reassembly": ("macro_rules! m { ($r:tt $s:tt $a:tt, $m:tt) => { $r $s $m $s id() } }",
                      "`$r:tt`"),
    "repetition separated by ::": ("macro_rules! n { ($($s:ident),*) => { $($s)::* } }",
                                   "from `$` pieces"),
    "repetition then ::": ("macro_rules! n { ($($s:ident)*) => { $($s)* :: process } }",
                           "from `$` pieces"),
    "use of a macro variable": ("macro_rules! m { ($a:ident) => { use $a as s; } }",
                                "takes its path from a macro variable"),
    "use of a macro variable in braces": ("macro_rules! m { ($a:ident) => { use ::{$a as s}; } }",
                                          "takes its path from a macro variable"),
    "attribute named by a macro variable": ('macro_rules! m { ($a:ident) => { #[$a = "x"] '
                                            "mod r; } }", "`#[$a]`"),
    "lone # for a macro to assemble": ('m!(#, [path = "x"]);', "a `#` that does not start"),
    "unterminated block comment": ("/* /* nested */ fn f() {}", "could not be read as Rust"),
    "unterminated raw string": ('const S: &str = r#"never closed";', "could not be read as Rust"),
    "unbalanced braces": ("fn f() { ", "could not be read as Rust"),
    # rustc drops a first line that starts with #! and is not an attribute (a shebang): the
    # checker would read `/**` there as a comment running into line 2, whose code rustc builds
    "shebang hiding the next line": ('#!/**\nfn f() { extern "C" { fn abs(x: i32) -> i32; } }'
                                     " // */ [allow(dead_code)]", "#!"),
    "shebang with a BOM": ("\ufeff#!/**\nuse std::process; // */ [allow(dead_code)]", "#!"),
    "shebang line alone": ("#!/usr/bin/env rust\npub fn f() {}", "#!"),
}

ACCEPTED = {
    "x86_64 intrinsics by glob": "use std::arch::x86_64::*;\nuse core::arch::x86_64::_mm_add_ps;",
    "aarch64 intrinsics": "use core::arch::aarch64::*;\n"
                          'fn f() -> bool { std::arch::is_aarch64_feature_detected!("neon") }',
    "feature detection": 'fn f() -> bool { is_x86_feature_detected!("avx2") }',
    "threads": "fn f(t: usize) { std::thread::scope(|s| { for i in 0..t { s.spawn(move || i); } "
               "}); let _ = std::thread::available_parallelism(); }",
    "sync use tree with self": "use std::sync::{self, Arc, Barrier, atomic::{AtomicUsize, "
                               "Ordering}};\nuse std::{sync::{self, Arc}, thread::{self, scope}};",
    "aligned allocation": "use std::alloc::{alloc, dealloc, Layout};\nfn f() { let _ = "
                          "std::alloc::Layout::from_size_align(64, 64); }",
    "constants and legacy modules": "use core::f32::consts::PI; const M: u32 = std::u32::MAX;",
    "std::vec! and generic paths": "fn f() { let v = std::vec![0.0f32; 3]; "
                                   "let w = Vec::<f32>::with_capacity(4); "
                                   "let x = <f32 as std::ops::Add>::add(1.0, 2.0); }",
    "strings and comments that mention it all": (
        '//! std::process, include_str!("x"), #[no_mangle], pyo3\n'
        "/* extern \"C\" { /* nested: std::fs */ } */\n"
        'const M: &str = "std::process::exit(0) and env!(\\"PWD\\")";\n'
        'const R: &str = r#"use std::env; "quoted" #[path = "x"]"#;\n'
        "const Q: char = '\"'; const A: char = '\\''; const B: u8 = b'#';"),
    "lifetimes and labels": "struct S<'a> { d: &'a mut [f32] }\n"
                            "fn f<'b>(x: &'b [f32]) { 'outer: for _ in x { break 'outer; } }",
    "siblings and the kit's Isa": "use super::Isa;\nuse super::sgemm_simd::{pack_b, MR};\n"
                                  "fn f() { let _ = crate::kernels::Isa::current(); }",
    "visibility": "pub(crate) fn f() {}\npub(super) fn g() {}\npub(in crate::kernels) fn h() {}",
    "super from a nested module": "mod inner { use super::super::Isa; pub(super) fn f() {} }",
    "a variable called core": "fn f(threads: usize) -> usize { let core = threads; core + 1 }",
    "attributes": "#![allow(clippy::too_many_arguments)]\n#[cfg(target_arch = \"x86_64\")]\n"
                  '#[target_feature(enable = "avx2,fma")]\n#[inline(always)]\n'
                  "#[derive(Clone, Copy, Debug, Default)]\n#[repr(C, align(64))]\n"
                  "#[rustfmt::skip]\nstruct T;",
    "thread_local and printing": "thread_local! { static B: std::cell::RefCell<Vec<f32>> = "
                                 "std::cell::RefCell::new(Vec::new()); }\n"
                                 'fn f(n: usize) { println!("{n} {}", "x"); '
                                 'debug_assert!(n > 0, "n = {n}"); }',
    "an unrolling macro": "macro_rules! fma { ($acc:ident, $a:expr, $b:expr) => {\n"
                          "    $acc = std::arch::x86_64::_mm256_fmadd_ps($a, $b, $acc)\n} }\n"
                          "macro_rules! rows { ($($r:literal),*) => { $(let _ = $r;)* } }",
    "$crate::kernels": "macro_rules! m { () => { $crate::kernels::Isa::current() } }",
    "numbers and ranges": "fn f(n: usize) { for i in 0..n {} let _ = 1.5e-3f32 + 1.0; "
                          "let _ = 0x1f_u32; let _ = 1_000usize; let _ = 2.max(3); }",
    "inner attribute on line 1": "#![allow(dead_code)]\npub fn f() {}",
    "inner attribute after spaces": "#!  \n [allow(dead_code)]\npub fn f() {}",
}


@pytest.mark.parametrize("name", REFUSED)
def test_evasion_is_refused(name: str) -> None:
    """Each spelling that reaches something forbidden is refused, by the rule that covers it."""
    source, fragment = REFUSED[name]
    found = check(source)
    assert found, f"{name}: not refused"
    assert any(fragment in v.what for v in found), [v.what for v in found]


@pytest.mark.parametrize("name", ACCEPTED)
def test_legitimate_code_is_accepted(name: str) -> None:
    """What a kernel legitimately writes passes (intrinsics, threads, strings that mention
    forbidden names)."""
    assert [v.format("f.rs") for v in check(ACCEPTED[name])] == []


@pytest.mark.parametrize("path", [pytest.param(p, id=f"reference/{p.name}")
                                  for p in REFERENCE_FILES]
                         + [pytest.param(p, id=f"stub/{p.name}") for p in STUB_FILES])
def test_reference_kernels_and_stubs_pass(path: Path) -> None:
    """Every reference kernel and every stub passes the rules (the reference still grades 100)."""
    assert [v.format(path.name) for v in check(path.read_text(), "kernel")] == []


def test_kit_module_exposes_nothing_forbidden_through_super() -> None:
    """kernels/mod.rs (what `super::` names from a kernel file) imports only allowed std
    modules, so that `super::X` never reaches the bindings."""
    imports = imported_paths((KIT / KERNELS / "mod.rs").read_text())
    assert imports, "mod.rs has no use declarations: the check read nothing"
    for path in imports:
        assert check(f"use {path};") == [], path


def test_violation_names_file_line_what_and_why() -> None:
    """Each violation is reported as `file:line: what: why`, at the line of the offence."""
    source = "// line 1\nuse std::sync::Arc;\n\nuse std::{\n    process as p,\n};\n"
    found = check(source)
    assert len(found) == 1
    text = found[0].format("sgemm_naive.rs")
    assert text.startswith("sgemm_naive.rs:4: `std::process` is not allowed: "), text
    assert "operating system" in text and "handout" in text


def test_every_violation_is_reported_once_in_line_order() -> None:
    """Several violations come back in line order, with no duplicates."""
    found = check('use std::env;\nextern crate x;\n#[path = "y"] mod y;\nuse std::env;\n')
    assert [v.line for v in found] == [1, 2, 3, 4]


def test_lexer_reads_what_rustc_reads() -> None:
    """Comments nest, raw strings end at their own hashes, lifetimes are not chars, and
    multi-character operators are single tokens."""
    tokens = tokenize("/* a /* b */ c */ x r##\"q\"# \"##; 'a 'b' r#extern $crate ::!= ..=")
    assert [(t.kind, t.text) for t in tokens] == [
        ("ident", "x"), ("literal", "string"), ("punct", ";"), ("lifetime", "a"),
        ("literal", "char"), ("ident", "extern"), ("metavar", "crate"), ("punct", "::"),
        ("punct", "!="), ("punct", "..=")]
    assert tokens[5].raw
    assert [t.line for t in tokenize("a\n/* \n */ b // c\u2028d\ne")] == [1, 3, 4]


def test_lexer_refuses_what_rustc_refuses() -> None:
    """Unterminated comments and strings, and unbalanced brackets, raise LexError."""
    for source in ("/* open", '"open', "r#\"open\"", "'"):
        with pytest.raises(LexError):
            tokenize(source)
    with pytest.raises(LexError):
        matching_delimiters(tokenize("fn f() { (]"))


def test_level0_names_the_kernel_rules() -> None:
    """level0.toml names the rule set, and the build reports violations as file:line lines."""
    level = load_level("level0")
    assert level.rust_rules == "kernel"
    found = build._rule_violations(level, f"{KERNELS}/blas1.rs", "use std::{process as p};")
    assert found == [found[0]] and found[0].startswith("blas1.rs:1: `std::process`")


def test_handout_lists_the_allowed_modules_and_attributes() -> None:
    """The level 0 handout lists exactly the std modules and attributes the rules allow."""
    readme = (KIT / "assignments/level0/README.md").read_text()
    section = readme[readme.index("## What you may not do"):]

    def listed(label: str) -> set[str]:
        paragraph = section[section.index(label):].split("\n\n")[0]
        return {name.removesuffix("::...") for name in re.findall(r"`([\w:.]+)`", paragraph)}

    modules = listed("Standard-library modules you may use") - {"std::", "core::"}
    assert modules == set(KERNEL.std_modules)
    assert listed("Attributes you may use") == set(KERNEL.attributes)
    for name in ("extern", "pyo3", "include_str!", "env!", "asm!", "#[path]", "#[no_mangle]"):
        assert f"`{name}" in section, name


def test_rule_sets_are_named_in_the_docstring() -> None:
    """The module docstring's table names every banned identifier."""
    doc = rust_rules.__doc__ or ""
    for name in KERNEL.banned:
        assert f"`{name}`" in doc, name


@pytest.mark.slow
@pytest.mark.parametrize("fixture", sorted(p for p in FIXTURES.glob("*") if p.is_dir()),
                         ids=lambda p: p.name)
def test_refused_kernel_is_graded_as_its_stub(fixture: Path, tmp_path: Path) -> None:
    """A submission whose kernel breaks a rule gets exactly that kernel's stub score, and the
    report says which line broke which rule."""
    expected = tomllib.loads((fixture / "expected.toml").read_text())
    submission = build_submission(tmp_path / "sub", KIT / "solutions/level0", fixture)
    graded = run_grade("level0", "--submission", submission, "-k", expected["keyword"],
                       json_out=tmp_path / "r.json")
    assert graded.record is not None, graded.stderr
    level = graded.record["levels"][0]
    lost = {t["name"]: (t["outcome"], t["message"]) for t in level["tests"]
            if t["points"] < t["max_points"]}
    assert graded.record["points"] == expected["score"], lost
    assert lost and all(outcome == "banned import" and expected["refused"] in message
                        for outcome, message in lost.values()), lost
    assert any(expected["refused"] in note for note in level["notes"]), level["notes"]
