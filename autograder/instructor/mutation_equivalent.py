"""The equivalent mutants of a level, classified once by hand and kept as data.

A mutant that survives is either a missing test or an *equivalent* mutant: it behaves like the
reference on every input the contract allows (`k > 0` → `k >= 0` where k = 0 gives the same
result anyway). Only a person can tell which; once told, `grade.py mutation` remembers. Each
level's list is `autograder/instructor/equivalent/<level>.toml` (instructor data: never in a
student repository), one table per equivalent mutant:

    [[equivalent]]
    file = "teenygrad/blas.py"                 # the student file (as the manifest spells it)
    definition = "sdot"                        # the innermost function mutated ("": module);
                                               # "Poisson.logpmf" names one of several logpmf
    operator = "core/NumberReplacer"           # cosmic-ray's operator, or cargo-mutants/GENRE
    before = "... y.strides[0] ..."            # the changed line(s) of the reference, stripped
    after = "... y.strides[-1] ..."            # the mutant's line(s), stripped ("": deleted)
    reason = "y is 1-d: index 0 is index -1"   # one line: why no allowed input tells them apart

The key is what the change *is*, never a number of one run (cosmic-ray's occurrence and the
line move whenever the file is edited). `before` and `after` are the lines of the mutant's
unified diff that start with `-` and `+`, stripped and joined with newlines; `before` may be
left out where it is long and the rest is unique (cargo-mutants replacing a whole function
body by `()`). An entry whose lines occur twice in one definition covers both mutants.

The scoring then leaves equivalent survivors out: score = killed / (killed + survived), where
survived counts only the survivors no entry matches; those are listed as **unclassified** (a
missing test until someone adds it or classifies the mutant here). A listed mutant that a test
*kills* is flagged too: either the entry is wrong or a test rejects a correct program. A rule
violation (only another part's tests reject the mutant) is never taken as equivalent: some test
tells it from the reference, so it stays counted.
"""

from __future__ import annotations

import ast
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor.levels import InstructorError
from autograder.levels import Level

FIELDS = ("file", "definition", "operator", "before", "after", "reason")
REQUIRED = ("file", "definition", "operator", "after", "reason")


@dataclass(frozen=True)
class Change:
    """What a mutant changed: the reference's lines and the mutant's, each stripped."""

    before: str
    after: str


@dataclass(frozen=True)
class Equivalent:
    """One classified equivalent mutant (an `[[equivalent]]` table)."""

    file: str
    definition: str
    operator: str
    after: str
    reason: str
    before: str | None = None

    def matches(self, file: str, definition: str, operator: str, change: Change,
                qualname: str = "") -> bool:
        """Whether the mutant (`file`, `definition` — qualified: `qualname` —, `operator`,
        `change`) is this one. An entry naming a qualified definition (`Class.method`) matches
        only there; a bare name matches that function wherever it is."""
        return (self.file, self.operator, self.after) == (file, operator, change.after) \
            and self.definition in (definition, qualname or definition) \
            and self.before in (None, change.before)


def change_of(diff: str | None) -> Change:
    """The changed lines of a unified diff (`-` and `+` lines, not the file headers)."""
    removed, added = [], []
    for line in (diff or "").splitlines():
        if line.startswith(("---", "+++")):
            continue
        if line[:1] == "-":
            removed.append(line[1:].strip())
        elif line[:1] == "+":
            added.append(line[1:].strip())
    return Change("\n".join(removed), "\n".join(added))


def path_of(level: Level) -> Path:
    """`autograder/instructor/equivalent/<level>.toml` under the level's content root."""
    return level.root / "autograder" / "instructor" / "equivalent" / f"{level.id}.toml"


def load(level: Level) -> list[Equivalent]:
    """The level's classified equivalent mutants ([] when it has no list yet); an entry with
    a missing or unknown field, no reason, or a file that is not the level's is an error."""
    path = path_of(level)
    if not path.is_file():
        return []
    try:
        tables = tomllib.loads(path.read_text()).get("equivalent", [])
    except tomllib.TOMLDecodeError as exc:
        raise InstructorError(f"{path}: {exc}") from None
    keys = set(level.solution_keys())
    entries = []
    for number, table in enumerate(tables, 1):
        where = f"{path}, entry {number}"
        unknown = sorted(set(table) - set(FIELDS))
        missing = [name for name in REQUIRED if not isinstance(table.get(name), str)]
        if "reason" not in missing and not table["reason"].strip():
            missing.append("reason")  # an entry is a claim: it says why
        if unknown or missing:
            raise InstructorError(f"{where}: " + "; ".join(
                ([f"unknown fields {unknown}"] if unknown else [])
                + ([f"missing (or not text) {missing}"] if missing else [])))
        if table["file"] not in keys:
            raise InstructorError(f"{where}: {table['file']!r} is not a student file of "
                                  f"{level.id}")
        entries.append(Equivalent(**table))
    return entries


def find(entries: list[Equivalent], file: str, definition: str, operator: str,
         diff: str | None, qualname: str = "") -> Equivalent | None:
    """The entry for the mutant whose unified diff is `diff`, or None (unclassified)."""
    change = change_of(diff)
    return next((e for e in entries
                 if e.matches(file, definition, operator, change, qualname)), None)


def qualname_at(source: str, line: int) -> str:
    """The qualified name (`Class.method`, `outer.inner`) of the innermost function holding
    1-based `line` of Python `source` ("" at module level, or when it does not parse)."""
    tree = _parsed(source)
    if tree is None:
        return ""
    names: list[str] = []
    scope: ast.AST = tree
    while True:
        inner = next((node for node in ast.iter_child_nodes(scope)
                      if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                      and node.lineno <= line <= (node.end_lineno or node.lineno)), None)
        if inner is None:
            break
        names.append(inner.name)
        scope = inner
    while names and not _is_function(tree, names):
        names.pop()  # a line in a class body, outside its methods: no function holds it
    return ".".join(names)


@functools.lru_cache(maxsize=16)  # a report asks once per mutant, of a few files
def _parsed(source: str) -> ast.Module | None:
    """`source` parsed, or None when it is not Python (a Rust level's file)."""
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _is_function(tree: ast.AST, names: list[str]) -> bool:
    """Whether the definition `names` (a path from the module) is a function."""
    scope = tree
    for name in names:
        scope = next(node for node in ast.iter_child_nodes(scope)
                     if getattr(node, "name", None) == name)
    return isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef)
