"""`grade.py mutation`: a fixed sample of level -2 mutants, graded for real (about a minute), and
the scoring rule on a made-up level."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import ENGINE_KIT, run_grade

from autograder.instructor import mutation_equivalent
from autograder.instructor.levels import InstructorError
from autograder.instructor.mutation import (
    ELSEWHERE,
    EQUIVALENT,
    KILLED,
    SURVIVED,
    Mutant,
    Session,
    Settings,
)
from autograder.levels import all_levels, load_level

COUNTING = "probability/counting.py"
ROW = re.compile(r"^\| probability/counting\.py \| counting \| (\d+) \| (\d+) \| (\d+) \| (\d+) "
                 r"\| (\d+) \| (.+) \|$", re.MULTILINE)


def test_sample_writes_a_table_and_resumes(tmp_path: Path) -> None:
    """A seeded sample of 3 mutants: the table counts them all; run again, nothing is redone."""
    args = ("mutation", "level-2", "--files", COUNTING, "--sample", "3", "--work", tmp_path)
    first = run_grade(*args, timeout=300)
    assert first.returncode == 0, first.stderr
    killed, survived, elsewhere, equivalent, incompetent, score = ROW.search(first.stdout).groups()
    assert int(killed) + int(survived) + int(equivalent) + int(incompetent) == 3
    assert elsewhere == "0"  # counting.py is for one part, whose tests grade it
    assert int(killed) >= 1, first.stdout  # the tests reject most single changes
    assert score.endswith("%")
    assert (tmp_path / "report.md").read_text().strip() == first.stdout.strip()
    assert len(list((tmp_path / "survivors").glob("*.diff"))) == int(survived)
    assert json.loads((tmp_path / "session.json").read_text())["sample"] == 3

    again = run_grade(*args, timeout=120)
    assert again.returncode == 0 and again.stdout == first.stdout
    other = run_grade(*args[:4], "--sample", "4", "--work", tmp_path, timeout=120)
    assert other.returncode == 2 and "other settings" in other.stderr


def test_known_wrong_permutations_are_killed(tmp_path: Path) -> None:
    """`used = [True] * n` in permutations lists nothing: the counting tests must reject it."""
    level = load_level("level-2")
    session = Session(level, tmp_path, Settings(level.id, None, 0, False, (COUNTING,)))
    try:
        wrong = [m for m in session.mutants() if m.definition == "permutations"
                 and m.operator == "core/ReplaceFalseWithTrue"]
        assert len(wrong) == 1, wrong
        assert session.grade_mutant(wrong[0]) == KILLED
        assert "survivors" in session.write_report()
        assert (level.solutions_dir / COUNTING).read_text() == \
            (tmp_path / "submission" / COUNTING).read_text()  # the mutant was undone
    finally:
        session.db.close()


def test_a_mutant_rejected_only_by_another_part_is_a_rule_violation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo level with `robust` naming calc/__init__.py too: calc/ops.py is for `arith`
    alone. Breaking safe_div loses only robust's points: not killed (a rule violation, listed
    and counted as survived); breaking add loses arith's points: killed."""
    kit = tmp_path / "kit"
    shutil.copytree(ENGINE_KIT, kit)
    manifest = kit / "autograder/levels/demo.toml"
    text = manifest.read_text()
    assert text.count('modules = ["calc.ops"]') == 2
    manifest.write_text(text[::-1].replace('modules = ["calc.ops"]'[::-1],
                                           'modules = ["calc.ops", "calc"]'[::-1], 1)[::-1])
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(kit))
    level = load_level("demo")
    session = Session(level, tmp_path / "work", Settings(level.id, None, 0, False))
    try:
        assert session.owners("calc/ops.py") == ["arith"]
        assert session.parts_of("calc/ops.py") == ["arith", "robust"]
        by_name = {(m.definition, m.operator): m for m in session.mutants()}
        div_zero = by_name["safe_div", "core/ReplaceComparisonOperator_Eq_NotEq"]
        add_sub = by_name["add", "core/ReplaceBinaryOperator_Add_Sub"]
        assert session.grade_mutant(div_zero) == ELSEWHERE
        assert session.grade_mutant(add_sub) == KILLED
        report = session.write_report()
    finally:
        session.db.close()
    row = re.search(r"^\| calc/ops\.py \| arith \| 1 \| 1 \| 1 \| 0 \| 0 \| 50\.0% \|$", report,
                    re.MULTILINE)
    assert row, report
    assert re.search(r"safe_div.*rule violation: only robust lost points", report), report


def test_owners_follow_the_manifest(tmp_path: Path) -> None:
    """Level -1: strided.py is for strided and broadcast, but broadcast's `owns` claims sum and
    blas's claims __matmul__; blas.py is for blas alone. Level 1: ops.py, optim.py and nn.py are
    claimed whole by ops, optim and nn (training, which names them too, is not an owner)."""
    level = load_level("level-1")
    session = Session(level, tmp_path, Settings(level.id, None, 0, False, ("teenygrad/nested.py",)))
    try:
        assert session.owners("teenygrad/strided.py", "reshape") == ["strided", "broadcast"]
        assert session.owners("teenygrad/strided.py", "sum") == ["broadcast"]
        assert session.owners("teenygrad/strided.py", "__matmul__") == ["blas"]
        assert session.owners("teenygrad/blas.py", "sgemm") == ["blas"]
    finally:
        session.db.close()
    # Level 1: training names ops.py, optim.py and nn.py too, but each is claimed whole by the
    # part it is written for; training.py is training's alone (it names no other file).
    level = load_level("level1")
    session = Session(level, tmp_path / "level1",
                      Settings(level.id, None, 0, False, ("teenygrad/forward.py",)))
    try:
        assert "training" in session.parts_of("teenygrad/ops.py")
        for key, part in (("ops", "ops"), ("optim", "optim"), ("nn", "nn")):
            for definition in ("", "vjp", "step", "forward"):
                assert session.owners(f"teenygrad/{key}.py", definition) == [part]
        assert session.owners("teenygrad/training.py", "gelu") == ["training"]
        assert session.owners("teenygrad/tensor.py", "backward") == ["graph"]
    finally:
        session.db.close()


DIV_ZERO = "    if b == 0:\n"
EQ_LTE = "core/ReplaceComparisonOperator_Eq_LtE"
ABS_LISTED = f'''[[equivalent]]
file = "calc/ops.py"
definition = "safe_div"
operator = "{EQ_LTE}"
before = "if b == 0 or abs(b) == 0:"
after = "if b == 0 or abs(b) <= 0:"
reason = "abs(b) is never negative: abs(b) <= 0 is abs(b) == 0"
'''


def test_listed_equivalent_mutants_are_not_scored(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo level with safe_div testing `b == 0 or abs(b) == 0`: its two `==` → `<=` mutants
    both survive; the abs one, listed in equivalent/demo.toml, is left out of the score, the
    other (`b <= 0` raises for b = -1: a missing test) counts as survived; classified from the
    report's own stub it stops counting too, and a listed mutant that is killed is flagged."""
    kit = tmp_path / "kit"
    shutil.copytree(ENGINE_KIT, kit)
    ops = kit / "solutions/demo/calc/ops.py"
    assert ops.read_text().count(DIV_ZERO) == 1
    ops.write_text(ops.read_text().replace(DIV_ZERO, "    if b == 0 or abs(b) == 0:\n"))
    listed = kit / "autograder/instructor/equivalent/demo.toml"
    listed.parent.mkdir(parents=True)
    listed.write_text(ABS_LISTED)
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(kit))
    level = load_level("demo")
    session = Session(level, tmp_path / "work", Settings(level.id, None, 0, False))
    try:
        by_change = {m.operator: m for m in session.mutants() if m.definition == "add"}
        lte = [m for m in session.mutants()
               if m.definition == "safe_div" and m.operator == EQ_LTE]
        assert len(lte) == 2, lte  # `b == 0` and `abs(b) == 0`: one key, told apart by the change
        assert sorted(session.grade_mutant(m) for m in lte) == [EQUIVALENT, SURVIVED]
        assert session.grade_mutant(by_change["core/ReplaceBinaryOperator_Add_Sub"]) == KILLED
        report = session.write_report()
        assert _ops_row(report) == "1 | 1 | 0 | 1 | 0 | 50.0%", report  # the listed one: unscored
        unclassified = report.split("unclassified survivors")[1].split("equivalent survivors")[0]
        assert "`if b <= 0 or abs(b) == 0:`" in unclassified, report
        assert "abs(b) is never negative" in report.split("equivalent survivors")[1]
        assert len(list((tmp_path / "work/survivors").glob("*.diff"))) == 1
        assert len(list((tmp_path / "work/survivors/equivalent").glob("*.diff"))) == 1

        # Classify the other one from the report's stub (no regrading), and list the killed
        # add mutant as if it were equivalent: the score leaves both survivors out, the
        # killed one is flagged.
        stub = (tmp_path / "work/survivors/classify.toml").read_text()
        assert stub.count("[[equivalent]]") == 1 and 'after = "if b <= 0 or abs(b) == 0:"' in stub
        killed_entry = ('[[equivalent]]\nfile = "calc/ops.py"\ndefinition = "add"\n'
                        'operator = "core/ReplaceBinaryOperator_Add_Sub"\nafter = "return a - b"\n'
                        'reason = "wrongly listed"\n')
        listed.write_text(ABS_LISTED + stub.replace('reason = ""', 'reason = "demo"') + "\n"
                          + killed_entry)
        report = session.write_report()
        assert _ops_row(report) == "1 | 0 | 0 | 2 | 0 | 100.0%", report
        assert "unclassified" not in report
        flagged = report.split("but killed")[1]
        assert "`return a + b` → `return a - b`" in flagged, report
    finally:
        session.db.close()


def _ops_row(report: str) -> str:
    """The demo table's cells for calc/ops.py: killed | survived | of which killed elsewhere |
    equivalent | incompetent | score."""
    row = re.search(r"^\| calc/ops\.py \| arith, robust \| (.+) \|$", report, re.MULTILINE)
    return row[1] if row else ""


def test_a_list_entry_must_say_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry without a reason, or naming a file the level does not have, is refused."""
    kit = tmp_path / "kit"
    shutil.copytree(ENGINE_KIT, kit)
    listed = kit / "autograder/instructor/equivalent/demo.toml"
    listed.parent.mkdir(parents=True)
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(kit))
    level = load_level("demo")
    assert mutation_equivalent.load(level) == []  # the list is empty
    listed.write_text(ABS_LISTED.replace("reason = \"abs(b) is never negative: abs(b) <= 0 is "
                                         "abs(b) == 0\"", 'reason = " "'))
    with pytest.raises(InstructorError, match=r"entry 1: missing \(or not text\) \['reason'\]"):
        mutation_equivalent.load(level)
    listed.write_text(ABS_LISTED.replace("calc/ops.py", "calc/other.py"))
    with pytest.raises(InstructorError, match="'calc/other.py' is not a student file of demo"):
        mutation_equivalent.load(level)
    listed.write_text(ABS_LISTED)
    assert [e.definition for e in mutation_equivalent.load(level)] == ["safe_div"]


def test_every_level_list_loads_and_names_reference_lines() -> None:
    """Each level's list of equivalent mutants loads, and each `before` is a line (or lines) of
    that level's reference solution: an entry left behind by an edited solution is seen."""
    for level in all_levels():
        for entry in mutation_equivalent.load(level):
            lines = [line.strip() for line in
                     (level.solutions_dir / entry.file).read_text().splitlines()]
            before = entry.before.splitlines() if entry.before is not None else []
            assert all(line in lines for line in before), (level.id, entry)
            if "." in entry.definition:  # a qualified name must name a function of the file
                source = (level.solutions_dir / entry.file).read_text()
                assert any(mutation_equivalent.qualname_at(source, number) == entry.definition
                           for number in range(1, len(lines) + 1)), (level.id, entry)


def test_a_qualified_definition_matches_only_there() -> None:
    """Poisson's and Binomial's `logpmf` share a line: an entry for `Poisson.logpmf` leaves
    Binomial's mutant of it unclassified; an entry for bare `logpmf` covers both."""
    diff = ("--- a/f.py\n+++ b/f.py\n@@ -1 +1 @@\n-    kk = np.where(inside, k, 0.0)\n"
            "+    kk = np.where(inside, k, 1.0)\n")
    fields = {"file": "probability/distributions.py", "operator": "core/NumberReplacer",
              "before": "kk = np.where(inside, k, 0.0)", "after": "kk = np.where(inside, k, 1.0)",
              "reason": "r"}
    poisson = [mutation_equivalent.Equivalent(definition="Poisson.logpmf", **fields)]
    anywhere = [mutation_equivalent.Equivalent(definition="logpmf", **fields)]
    key, op = fields["file"], fields["operator"]
    assert mutation_equivalent.find(poisson, key, "logpmf", op, diff, "Poisson.logpmf")
    assert mutation_equivalent.find(poisson, key, "logpmf", op, diff, "Binomial.logpmf") is None
    assert mutation_equivalent.find(anywhere, key, "logpmf", op, diff, "Binomial.logpmf")
    source = (load_level("level-2").solutions_dir / key).read_text().splitlines()
    found = {mutation_equivalent.qualname_at("\n".join(source), number)
             for number, line in enumerate(source, 1) if line.strip() == fields["before"]}
    assert found == {"Poisson.logpmf", "Binomial.logpmf"}


def test_tests_that_killed_a_definition_run_first(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`add` → `a - b` fails both test_add and test_add_negative; graded fail-fast it stops at
    the first it meets. With the other one in the definition's kill history, that one runs
    first and is the one that fails: the order follows the history, the verdict does not."""
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(ENGINE_KIT))
    level = load_level("demo")
    session = Session(level, tmp_path / "work", Settings(level.id, None, 0, False))
    try:
        add_sub = next(m for m in session.mutants() if m.definition == "add"
                       and m.operator == "core/ReplaceBinaryOperator_Add_Sub")
        session.kill_history = False
        assert session.grade_mutant(add_sub) == KILLED
        (first,) = _facts_of(session, add_sub)["failed"]
        other = ({"test_add", "test_add_negative"} - {first}).pop()
        session.kill_history, session._history = True, {("calc/ops.py", "add"): [other]}
        assert session.grade_mutant(add_sub) == KILLED
        assert _facts_of(session, add_sub)["failed"] == [other]
        assert session._history["calc/ops.py", ""][0] == other  # remembered for the file too
    finally:
        session.db.close()


def _facts_of(session: Session, mutant: Mutant) -> dict:
    """What `grade_mutant` recorded for `mutant` (owners, lost parts, failed tests, ...)."""
    return json.loads(dict(session.db.results)[mutant.job_id].output)


def test_jobs_grade_side_by_side_with_the_same_verdicts(tmp_path: Path) -> None:
    """`--jobs 2` grades a sample of the demo level in two copies: each mutant gets the verdict a
    one-job run gives it, both copies end as the reference has them, and the run is logged."""
    outcomes = {}
    for jobs in (1, 2):
        work = tmp_path / f"jobs{jobs}"
        done = run_grade("mutation", "demo", "--sample", "6", "--work", work, "--jobs",
                         str(jobs), kit_root=ENGINE_KIT, timeout=300)
        assert done.returncode == 0, done.stderr
        level = _demo_level()
        session = Session(level, work, Settings(level.id, 6, 0, False), read_only=True)
        try:
            results = dict(session.db.results)  # job ids are made per session: match by change
            outcomes[jobs] = {(m.key, m.operator, m.occurrence): results[m.job_id].test_outcome
                              for m in session.mutants() if m.job_id in results
                              and results[m.job_id].test_outcome is not None}
        finally:
            session.db.close()
        (run,) = json.loads((work / "runs.json").read_text())
        assert (run["graded"], run["jobs"]) == (6, jobs)
    assert len(outcomes[2]) == 6 and outcomes[2] == outcomes[1]
    second = tmp_path / "jobs2" / "submission-1" / "calc" / "ops.py"
    assert second.read_text() == (ENGINE_KIT / "solutions" / "demo" / "calc" / "ops.py").read_text()


def _demo_level():
    """The engine kit's made-up level (read with TEENYGRAD_KIT_ROOT set for the call only)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TEENYGRAD_KIT_ROOT", str(ENGINE_KIT))
        return load_level("demo")


def test_retry_grades_only_the_survivors_again(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """`--retry` drops the survivors' results (the demo level's `b == 0` → `b <= 0` in
    safe_div survives its tests) and keeps the killed ones: after a test is added, only the
    survivors are graded again."""
    monkeypatch.setenv("TEENYGRAD_KIT_ROOT", str(ENGINE_KIT))
    level = load_level("demo")
    session = Session(level, tmp_path, Settings(level.id, None, 0, False))
    try:
        ops = [m for m in session.mutants() if m.definition in ("safe_div", "add")]
        survivor = next(m for m in ops if m.operator == "core/ReplaceComparisonOperator_Eq_LtE")
        killed = next(m for m in ops if m.operator == "core/ReplaceBinaryOperator_Add_Sub")
        assert session.grade_mutant(survivor) == SURVIVED
        assert session.grade_mutant(killed) == KILLED
        assert session.forget_survivors() == 1
        pending = {m.job_id for m in session.mutants(session.db.pending_work_items)}
        assert survivor.job_id in pending and killed.job_id not in pending
    finally:
        session.db.close()


@pytest.mark.parametrize("case", ["work-is-a-file", "work-below-a-file", "broken-json",
                                  "not-a-session", "not-an-object", "broken-json-resume",
                                  "sample-negative", "sample-zero", "timeout-nan",
                                  "budget-negative", "jobs-zero"])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, case: str) -> None:
    """--work a file (or below one), a session.json that is not a session's (with --report or
    resuming), --sample -1, --timeout nan, ...: exit 2 with one line, never a traceback."""
    (tmp_path / "a-file").write_text("x")
    work = tmp_path / "work"
    work.mkdir()
    session = {"broken-json": "{broken", "broken-json-resume": "{broken",
               "not-a-session": '{"level": "level-2"}', "not-an-object": "[1, 2]"}
    if case in session:
        (work / "session.json").write_text(session[case])
    extra = {"work-is-a-file": ["--work", tmp_path / "a-file"],
             "work-below-a-file": ["--work", tmp_path / "a-file" / "w"],
             "broken-json": ["--report"], "not-a-session": ["--report"],
             "not-an-object": ["--report"], "broken-json-resume": [],
             "sample-negative": ["--sample", "-1"], "sample-zero": ["--sample", "0"],
             "timeout-nan": ["--timeout", "nan"], "budget-negative": ["--budget", "-5"],
             "jobs-zero": ["--jobs", "0"]}[case]
    if "--work" not in extra:
        extra = [*extra, "--work", work]
    proc = run_grade("mutation", "level-2", "--files", COUNTING, *extra, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert (tmp_path / "a-file").read_text() == "x"


def test_help_says_what_is_written_and_the_exit_statuses() -> None:
    """--help: what the work folder holds and the exit statuses."""
    proc = run_grade("mutation", "--help", timeout=120)
    assert proc.returncode == 0 and "exit status: 0" in proc.stdout and "--fresh" in proc.stdout
