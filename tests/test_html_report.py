"""`--format html`: one self-contained page (parts, failures with their diagnosis and smallest
example, the roofline plot inline), the Gradescope output in HTML, and the page as a real
browser (Debian's chromium, headless) shows it."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from conftest import run_grade

from autograder.report import formats, plots
from autograder.report.html import to_html
from autograder.report.record import LevelResult, Outcome, PartResult, RunRecord, TestResult

SCHEMA = json.loads((Path(formats.__file__).parent / "gradescope_schema.json").read_text())


def _record() -> RunRecord:
    """A level 0 run: a pass, a failure with a diagnosis and its smallest example, a hidden
    failure, and the benchmark rows of a timed run (the roofline and three kernels)."""
    level = LevelResult("level0", "Rust BLAS", "assignments")
    failed = TestResult("x", "test_sgemm_trans", "sgemm honours trans_a", "sgemm", 6.0,
                        outcome=Outcome.FAILED, message="C differs: trans_a <ignored> & kept",
                        detail="max |C - C_ref| = 3.5 at (0, 1)")
    failed.example = "m, n, k = 1, 2, 1"  # what the diagnosis layer fills in
    level.tests = [TestResult("p", "test_saxpy", "saxpy adds", "blas1", 4.0, 4.0),
                   failed,
                   TestResult("h", "test_secret", "secret edge case", "sgemm", 90.0,
                              outcome=Outcome.FAILED, message="secret-message", hidden=True)]
    level.parts = [PartResult("blas1", "BLAS level 1", 4.0, 4.0),
                   PartResult("sgemm", "SGEMM", 0.0, 96.0)]
    level.benchmarks = [
        {"name": "roofline", "test": "test_saxpy", plots.PEAK_1: 60.0, plots.PEAK_ALL: 115.0,
         plots.BW_1: 12.0, plots.BW_ALL: 18.0},
        {"name": "saxpy n=1024", "test": "test_saxpy", "GB/s": 9.0, "FLOP/byte": 1 / 6},
        {"name": "sgemm simd 256", "test": "test_saxpy", "gflops": 30.0, "FLOP/byte": 42.7},
        {"name": "sgemm secret", "test": "test_secret", "gflops": 1.0, "FLOP/byte": 42.7}]
    return RunRecord(levels=[level], duration=1.5)


class _Page(HTMLParser):
    """The page's text, its <img> sources, and whether every opened tag was closed."""

    VOID = {"meta", "img", "br", "link", "input", "hr"}

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text, self.images, self.open = [], [], []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_page_is_self_contained_and_shows_everything() -> None:
    """Total, parts, each failure's message, diagnosis detail and smallest example, escaped;
    the roofline plot inline as a PNG; nothing fetched from elsewhere."""
    page = _Page(to_html(_record()))
    text = "".join(page.text)
    assert not page.open
    assert "TOTAL 4/100" in text and "BLAS level 1" in text and "0/96" in text
    assert "trans_a <ignored> & kept" in text and "max |C - C_ref| = 3.5" in text
    assert "m, n, k = 1, 2, 1" in text and "secret-message" in text
    (src,) = page.images
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", to_html(_record()))


def test_student_view_hides_hidden_tests() -> None:
    """The student view (Gradescope's output) counts hidden tests; their titles, messages
    and benchmark rows are not on the page."""
    html = to_html(_record(), student_view=True, document=False)
    assert "secret" not in html and "hidden tests: 0 of 1 passed" in html
    assert "<html" not in html and "<style" not in html


def test_gradescope_output_is_html_and_valid() -> None:
    """Gradescope's results.json says its output is HTML and follows the schema."""
    results = formats.to_gradescope(_record())
    jsonschema.Draft202012Validator(SCHEMA).validate(results)
    assert results["output_format"] == "html"
    assert "TOTAL 4/100" in results["output"] and "secret" not in results["output"]


def test_cli_writes_the_html_report(tmp_path: Path) -> None:
    """`grade.py LEVEL --format html --output FILE` writes the page of a real grading."""
    out = tmp_path / "report.html"
    graded = run_grade("level-2", "--solutions", "-k", "test_counting.py", "--format", "html",
                       "--output", out)
    assert graded.returncode == 0, graded.stderr
    text = "".join(_Page(out.read_text()).text)
    assert re.search(r"TOTAL (\d+)/\1\b", text) and "counting" in text


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ["chromium", "chromium-browser",
                                                "google-chrome"])), None)


def _browser(*args: str | Path) -> subprocess.CompletedProcess:
    # --no-sandbox: the kit's tests may run as root, where chromium's own sandbox refuses.
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def _plot_pixels(html: str, tmp_path: Path, name: str) -> int:
    """How many pixels of the page, as chromium paints it, have the roofs' colour."""
    import matplotlib.image

    page, shot = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    page.write_text(html)
    _browser("--window-size=1100,4000", f"--screenshot={shot}", page.as_uri())
    pixels = (matplotlib.image.imread(shot)[..., :3] * 255).astype(int)
    roof = np.array([int(plots.ROOF_COLOUR[i:i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - roof).max(axis=-1) <= 24).sum())


@pytest.mark.skipif(_chromium() is None,
                    reason="no chromium found (Debian: apt-get install -y chromium)")
def test_a_real_browser_shows_the_total_and_the_plot(tmp_path: Path) -> None:
    """Headless chromium loads the page: its DOM has the total, and its screenshot has the
    plot's roof lines (and has none when the page carries no plot)."""
    html = to_html(_record())
    page = tmp_path / "dom.html"
    page.write_text(html)
    dom = _browser("--dump-dom", page.as_uri()).stdout
    assert 'id="total"' in dom and "TOTAL 4/100" in dom
    assert _plot_pixels(html, tmp_path, "with_plot") > 200
    without = re.sub(r"<figure>.*?</figure>", "", html, flags=re.S)
    assert _plot_pixels(without, tmp_path, "without_plot") == 0
