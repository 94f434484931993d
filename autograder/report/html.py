"""`--format html`: the report as one self-contained HTML page.

Parts with their points, every test with its mark, each failure with its diagnosis, its
smallest failing example and what the code printed, the benchmark table, and level 0's
roofline plot inline (a base64 PNG): the page needs no other file and no network, so it can be
mailed, archived or opened offline. `to_html(record, student_view=True, document=False)` is
the fragment Gradescope shows as the submission's output (`output_format: "html"`): the
student view of `text.render`, hidden tests only as a count, no style sheet.
"""

from __future__ import annotations

import time
from functools import partial
from html import escape

from autograder.report import history, plots
from autograder.report.record import EARNING, LevelResult, Outcome, RunRecord, TestResult
from autograder.report.text import (
    GRADER_ERROR_SEEN,
    MARKS,
    hidden_summary,
    visible_benchmarks,
)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.total { font-size: 1.4rem; font-weight: 700; }
.total.full { color: #1a7f37; } .total.lost { color: #b42318; }
.meta, .source, .note { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
td, th { padding: .2rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { width: 10rem; height: .6rem; background: #eee; border-radius: .3rem; }
.bar > div { height: 100%; background: #2da44e; border-radius: .3rem; }
ul.tests { list-style: none; padding-left: .5rem; }
ul.tests li { margin: .3rem 0; }
.mark { display: inline-block; width: 1.3rem; font-weight: 700; }
.passed .mark { color: #1a7f37; } .partial .mark { color: #9a6700; }
.failing .mark { color: #b42318; }
.points { float: right; font-variant-numeric: tabular-nums; }
.reason { margin: .15rem 0 .15rem 1.3rem; color: #b42318; white-space: pre-wrap; }
.partial .reason { color: #6e5600; }
pre { background: #f6f8fa; padding: .5rem .7rem; overflow-x: auto; font-size: .85rem;
      margin: .2rem 0 .2rem 1.3rem; white-space: pre-wrap; }
.label { margin-left: 1.3rem; color: #444; font-size: .9rem; }
details { margin-left: 1.3rem; } summary { cursor: pointer; color: #444; }
.wide { overflow-x: auto; } th, .benchmarks td:first-child { white-space: nowrap; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
"""


#: Text between tags: <, > and & escaped, quotes kept as written (attributes use `escape`).
_e = partial(escape, quote=False)


def _num(value: float) -> str:
    return f"{round(value, 2):g}"


def _points(points: float, max_points: float) -> str:
    return f"{_num(points)}/{_num(max_points)}"


def _css_class(test: TestResult) -> str:
    if test.outcome == Outcome.PASSED:
        return "passed"
    return "partial" if test.outcome == Outcome.PARTIAL else "failing"


def _test(test: TestResult) -> str:
    mark = MARKS.get(test.outcome, ("?", ""))[0]
    label = _e(test.title or test.name) + (" <em>(hidden)</em>" if test.hidden else "")
    html = [f'<li class="{_css_class(test)}"><span class="mark">{mark}</span>{label}'
            f'<span class="points">{_points(test.points, test.max_points)}</span>']
    if test.outcome != Outcome.PASSED:
        reason = test.message or str(test.outcome)
        if test.outcome not in EARNING and test.outcome != Outcome.FAILED \
                and not reason.startswith(test.outcome):
            reason = f"{test.outcome}: {reason}"
        html.append(f'<div class="reason">{_e(reason)}</div>')
        # The smallest failing input and a snippet reproducing it, where the diagnosis found
        # them (getattr: records written before these fields existed have neither).
        for label, text in [("smallest failing example", getattr(test, "example", "")),
                            ("reproduce it", getattr(test, "repro", ""))]:
            if text:
                html.append(f'<div class="label">{label}:</div><pre>{_e(text)}</pre>')
        if test.detail:
            html.append(f"<details open><summary>details</summary><pre>{_e(test.detail)}"
                        "</pre></details>")
        if test.output:
            html.append(f"<details><summary>your code printed</summary>"
                        f"<pre>{_e(test.output)}</pre></details>")
    return "".join(html) + "</li>"


def _parts_table(level: LevelResult) -> str:
    rows = []
    for part in level.parts:
        share = 100 * part.points / part.max_points if part.max_points else 0.0
        rows.append(f"<tr><td>{_e(part.title)}</td>"
                    f'<td class="num">{_points(part.points, part.max_points)}</td>'
                    f'<td><div class="bar"><div style="width:{share:.0f}%"></div></div></td>'
                    "</tr>")
    return '<table class="parts"><tr><th>part</th><th>points</th><th></th></tr>' \
        + "".join(rows) + "</table>"


def _benchmarks(rows: list[dict]) -> str:
    """The benchmark rows as tables, one per run of rows with the same columns (the roofline's
    row and the kernels' rows have different figures), each scrolling sideways if wide."""
    groups: list[list[dict]] = []
    for row in rows:
        if groups and list(groups[-1][0]) == list(row):
            groups[-1].append(row)
        else:
            groups.append([row])

    def cell(value: object) -> str:
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return f'<td class="num">{_e(text)}</td>' if number else f"<td>{_e(text)}</td>"

    tables = []
    for group in groups:
        columns = [c for c in group[0] if c != "test"]
        head = "".join(f"<th>{_e(c)}</th>" for c in columns)
        body = "".join("<tr>" + "".join(cell(row.get(c, "")) for c in columns) + "</tr>"
                       for row in group)
        tables.append(f'<div class="wide"><table class="benchmarks"><tr>{head}</tr>{body}'
                      "</table></div>")
    return "<h3>benchmarks</h3>" + "".join(tables) if tables else ""


def roofline_img(level: LevelResult, rows: list[dict]) -> str:
    """The level's roofline plot as an inline <img>, or "" when it timed no kernel."""
    roofs = plots.Roofs.from_rows(level.benchmarks)
    points = plots.points_from_rows(rows)
    if roofs is None or not points:
        return ""
    # This checkout's earlier gradings of the level, faded behind today's (none where the
    # history is off: Gradescope, the kit's tools).
    earlier = history.earlier_points(level.level)
    figure = plots.roofline_figure(roofs, points, earlier, title=f"roofline · {level.level}")
    return (f'<figure><img id="roofline-{escape(level.level)}" alt="roofline plot: '
            f'{len(points)} kernels timed in this run against the measured roofs" '
            f'src="{plots.png_data_uri(figure)}"><figcaption>Each point is a kernel timed in '
            "this run (faded: your earlier gradings); the roofs are this machine's FMA peak "
            "and STREAM bandwidth, measured in the same run.</figcaption></figure>")


def _level(level: LevelResult, student_view: bool, hidden_note: str) -> str:
    html = [f'<section class="level" id="level-{escape(level.level)}">'
            f"<h2>{_e(level.level)} · {_e(level.title)} "
            f'<span class="points">{_points(level.points, level.max_points)}</span></h2>'
            f'<p class="source">source: {_e(level.source)}</p>', _parts_table(level)]
    for part in level.parts:
        tests = [t for t in level.tests if t.part == part.id]
        shown = [t for t in tests if not (student_view and t.hidden)]
        html.append(f"<h3>{_e(part.title)} <span class=\"points\">"
                    f"{_points(part.points, part.max_points)}</span></h3>")
        html.append('<ul class="tests">' + "".join(_test(t) for t in shown) + "</ul>")
    hidden = [t for t in level.tests if t.hidden]
    if student_view and hidden:
        note = f" — {hidden_note}" if hidden_note else ""
        html.append(f"<p><strong>{_e(hidden_summary(hidden) + note)}</strong></p>")
    rows = visible_benchmarks(level) if student_view else level.benchmarks
    html.append(_benchmarks(rows))
    html.append(roofline_img(level, rows))
    html += [f'<p class="note">note: {_e(note)}</p>' for note in level.notes]
    if level.missing_files:
        html.append('<p class="note">missing from the submission (graded as the untouched '
                    f"stub): {_e(', '.join(level.missing_files))}</p>")
    if level.ignored_files:
        html.append('<p class="note">ignored (not part of the assignment): '
                    f"{_e(', '.join(level.ignored_files))}</p>")
    return "".join(html) + "</section>"


def to_html(record: RunRecord, student_view: bool = False, hidden_note: str = "",
            document: bool = True) -> str:
    """The run as HTML: a whole self-contained page, or (`document=False`) the fragment to
    place inside another page (Gradescope's output). `student_view` and `hidden_note` as in
    `text.render`."""
    full = record.max_points > 0 and record.points >= record.max_points
    total = f"TOTAL {_points(record.points, record.max_points)}"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(record.started))
    body = [f'<p class="total {"full" if full else "lost"}" id="total">{total}</p>',
            f'<p class="meta">graded {when} in {record.duration:.1f} s · teenygrad-kit '
            f"{_e(record.kit_version)} · {_e(str(record.machine.get('cpu', '')))}</p>"]
    if record.grader_error:
        error = GRADER_ERROR_SEEN if student_view else record.grader_error
        body.append(f'<p class="reason">grader error: {_e(error)}</p>')
    body += [_level(level, student_view, hidden_note) for level in record.levels]
    if not document:
        return "\n".join(body)
    levels = ", ".join(level.level for level in record.levels)
    title = f"teenygrad-kit report · {levels} · {total}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>teenygrad-kit report · {_e(levels)}</h1>\n" + "\n".join(body)
            + "\n</body></html>\n")
