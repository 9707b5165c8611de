"""The HTML report, the class summary and the terminal summary, rendered from real results in both languages."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import CORPUS, ROOT, by_name, grade
from grader import cli
from grader.messages import catalogue
from grader.reports import grids, html_report, summary_report, terminal
from grader.results import Counterexample, ExerciseResult, Outcome, Status, SubmissionResult, Visibility
from grader.results import TestResult as Result

HOSTILE = '''
import torch
print("<script>alert('printed')</script>")

def corr2d(X, K):
    raise ValueError("<script>alert('raised')</script>")
'''


class Page(HTMLParser):
    """What the tests look at in a rendered page: tags, headings, tables, wrong cells, text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[int] = []
        self.tables: list[dict] = []  # {"th": n, "class": ...}
        self._tables: list[dict] = []
        self.wrong_cells: list[str] = []
        self._wrong: list[str] | None = None
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self._tables.append({"th": 0, "class": attrs.get("class", "")})
        if tag == "th" and self._tables:
            self._tables[-1]["th"] += 1
        if tag == "td" and "wrong" in (attrs.get("class") or ""):
            self._wrong = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.tables.append(self._tables.pop())
        if tag == "td" and self._wrong is not None:
            self.wrong_cells.append("".join(self._wrong))
            self._wrong = None

    def handle_data(self, data):
        self.text.append(data)
        if self._wrong is not None:
            self._wrong.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


@pytest.fixture(scope="module")
def graded(grader_public, tmp_path_factory):
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.py"
    hostile.write_text(HOSTILE)
    paths = {
        "reference": ROOT / "reference" / "conv_layer.py",
        "template": ROOT / "student_template" / "conv_layer.py",
        "chapter": CORPUS / "chapter_answers.ipynb",
        "transposed": CORPUS / "transposed_axes.py",
        "hostile": hostile,
    }
    return {name: grade(grader_public, path) for name, path in paths.items()}


@pytest.fixture(scope="module")
def en(assignment):
    return catalogue("en", assignment)


@pytest.fixture(scope="module")
def zh(assignment):
    return catalogue("zh", assignment)


def overview_row(html: str, exercise: str) -> str:
    """The overview table's row of one exercise, as unescaped HTML."""
    start = html.index(f'<a href="#ex-{exercise}">')
    return unescape(html[start:html.index("</tr>", start)])


# ------------------------------------------------------------------ report content


def test_the_reference_report_has_full_marks_and_no_failure(graded, en):
    html = html_report.render(graded["reference"], en)
    assert "Score: 100 of 100 points" in html and "Every check passed" in html
    assert 'class="failure"' not in html and "✗" not in Page(html).all_text.replace("✗ failed or error", "")
    assert html.count("All ") >= len(graded["reference"].exercises)  # "All n properties hold." per exercise


def test_the_template_report_says_every_exercise_is_not_implemented_in_both_languages(graded, en, zh):
    html = html_report.render(graded["template"], en)
    assert "Score: 0 of 100 points" in html
    for exercise in graded["template"].exercises:
        assert "not implemented" in overview_row(html, exercise.name)
    chinese = html_report.render(graded["template"], zh)
    assert "得分：0 / 100 分" in chinese and chinese.count("还没有实现") >= len(graded["template"].exercises)


def test_the_chapter_answers_report_names_each_of_the_three_bugs_in_the_overview(graded, en, zh):
    for cat, words in ((en, ("reads a global variable", "Only the first row", "−f'' instead of f''")),
                       (zh, ("读取的是全局变量", "只算出了输出的第一行", "−f'' 而不是 f''"))):
        html = html_report.render(graded["chapter"], cat)
        assert words[0] in overview_row(html, "corr2d")
        assert words[1] in overview_row(html, "corr2d_matmul")
        assert words[2] in overview_row(html, "second_derivative_kernel")
        # ...with a hint under each, and the kernel the student wrote in the message
        assert html.count('class="diagnosis"') >= 3 and "[[-1, 2, -1]]" in html


def test_the_chinese_report_is_in_chinese_with_the_chapters_wording(graded, zh):
    html = html_report.render(graded["chapter"], zh)
    assert '<html lang="zh-Hans">' in html
    assert "卷积窗口从输入张量的左上角开始" in html  # the chapter's own description of corr2d
    assert "错误" in html and "提示" in html and "最小反例" in html
    for english in ("Mistake:", "Hint:", "Smallest counterexample", "Your result", "Score:", "Properties checked"):
        assert english not in html


def test_a_failed_property_shows_its_counterexample_as_grids_with_wrong_cells_marked(graded, en):
    html = html_report.render(graded["transposed"], en)
    section = html[html.index('id="ex-corr2d"'):html.index('id="ex-Conv2D"')]
    page = Page(section)
    captions = [t for t in page.text if re.match(r"(X|K|Expected|Your result|Difference \(yours − expected\)):", t)]
    assert {c.split(":")[0] for c in captions} >= {"X", "K", "Expected", "Your result", "Difference (yours − expected)"}
    failure = next(t for t in by_name(graded["transposed"])["corr2d"].tests if not t.passed)
    comparison = grids.compare(failure.counterexample.expected, failure.counterexample.got)
    assert comparison.wrong > 0
    assert f"{comparison.wrong} of {comparison.total} entries are wrong" in section
    # a wrong cell is marked in the answer and in the difference, by a sign and hidden text, not by colour alone
    article = section[section.index("<article"):section.index("</article>")]
    assert len(Page(article).wrong_cells) == 2 * comparison.wrong
    assert all("✗" in cell and "(wrong)" in cell for cell in page.wrong_cells)


def test_shapes_are_stated_when_they_differ(graded, en, zh):
    # The chapter's global K is 1 x 2: on the 8 x 8 input that shows the global read, its output is 7 x 6.
    html = html_report.render(graded["chapter"], en)
    assert "The shapes differ: expected (7, 7), yours is (7, 6)." in html
    assert "corr2d(X, K) has shape (0, 0) but should have (1, 1)." in html  # what the check saw, shrunk
    assert "形状不同：期望 (7, 7)，你的结果是 (7, 6)。" in html_report.render(graded["chapter"], zh)


def test_the_students_traceback_is_shown(graded, en):
    html = html_report.render(graded["chapter"], en)
    assert "Traceback (your code)" in html and "line 28, in conv2d_by_mul" in html


def test_student_text_is_escaped_everywhere(graded, en, zh):
    result = graded["hostile"]
    assert "<script>" in result.output  # the submission really printed it
    for cat in (en, zh):
        html = html_report.render(result, cat)
        assert "<script" not in html.lower()
        escaped = html.count("&lt;script&gt;alert(&#39;")
        assert escaped >= 3  # printed output, the error message, the traceback
        page = Page(html)
        assert "<script>alert('printed')</script>" in page.all_text
        assert "<script>alert('raised')</script>" in page.all_text


def test_captured_output_is_truncated(en):
    result = _result(output="x" * 10_000)
    html = html_report.render(result, en)
    assert "x" * html_report.OUTPUT_LIMIT in html and "x" * (html_report.OUTPUT_LIMIT + 1) not in html
    assert f"(truncated: {html_report.OUTPUT_LIMIT} of 10000 characters shown)" in html


def test_a_large_value_is_drawn_in_part_with_a_note(en):
    big = {"tensor": {"dtype": "float32", "shape": [20, 20], "values": [[float(i)] * 20 for i in range(20)]}}
    html = html_report.render(_result(counterexample=Counterexample({"X": big}, big, big)), en)
    assert "showing the top-left 12 × 12 of (20, 20)" in html


# ------------------------------------------------------------------ self-contained, accessible


@pytest.mark.parametrize("name", ["reference", "chapter", "hostile"])
def test_the_report_is_one_offline_file(graded, en, name):
    html = html_report.render(graded[name], en)
    for outside in ("http://", "https://", "//cdn", "<link", "<script", "src=", "url(", "@import", "@font-face"):
        assert outside not in html.lower()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_report_structure_is_accessible(graded, assignment, lang):
    html = html_report.render(graded["chapter"], catalogue(lang, assignment))
    page = Page(html)
    assert page.tags[0] == ("html", {"lang": "en" if lang == "en" else "zh-Hans"})
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:])), page.headings  # no level skipped
    assert page.tables and all(t["th"] > 0 for t in page.tables)  # every table has header cells
    assert all(attrs.get("scope") in ("row", "col") for tag, attrs in page.tags if tag == "th")
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in page.tags
    # every coloured cell's text passes WCAG AA against its background
    pairs = re.findall(r"background-color:(#[0-9a-f]{6});color:(#[0-9a-f]{6})", html)
    assert pairs
    assert min(grids.contrast(grids.parse_hex(b), grids.parse_hex(f)) for b, f in pairs) >= 4.5


def test_cell_colours_keep_aa_contrast_for_every_value():
    for value in [x / 20 for x in range(-20, 21)] + ["nan"]:
        background, foreground = grids.colour(value if isinstance(value, str) else value * 7, 7)
        assert grids.contrast(grids.parse_hex(background), grids.parse_hex(foreground)) >= 4.5, value
    assert grids.colour(-1, 1)[0] != grids.colour(1, 1)[0]  # the sign shows in the hue


def test_the_stylesheet_colours_pass_wcag_aa():
    css = (Path(html_report.__file__).parent / "templates" / "style.css").read_text()
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    pairs = [("text", "bg"), ("text", "panel"), ("text", "mistake-bg"), ("muted", "bg"), ("muted", "panel"),
             ("link", "bg"), ("pass", "bg"), ("fail", "bg"), ("partial", "bg"), ("none", "bg")]
    for text, background in pairs:
        ratio = grids.contrast(grids.parse_hex(var[text]), grids.parse_hex(var[background]))
        assert ratio >= 4.5, (text, background, ratio)


# ------------------------------------------------------------------ class summary


def test_the_summary_shows_distribution_pass_rates_mistakes_with_links_and_the_slowest(graded, en):
    results = list(graded.values())
    html = summary_report.render(results, en)
    page = Page(html)
    bins = summary_report.histogram([r.score for r in results], 100)
    assert sum(b.count for b in bins) == len(results) and bins[-1].count == 1  # the reference has full marks
    assert "Score distribution" in html and "0–10" in html
    # one pass-rate row per property, with how many passed
    checks = {(e.name, t.name, t.visibility) for r in results for e in r.exercises for t in e.tests}
    rates = summary_report.property_rates(results, en)
    assert len(rates) == len(checks)
    first = next(r for r in rates if r.title == "corr2d(X, K) equals the cross-correlation of X and K")
    assert (first.passed, first.total) == (1, 5)
    assert f"{first.passed} of {first.total}" in html
    # mistakes, most common first, each with links to the submissions showing it
    mistakes = summary_report.mistakes(results, en)
    global_read = next(m for m in mistakes if (m.code, m.exercise) == ("global_read", "corr2d"))
    assert global_read.submissions == ["chapter_answers"]
    assert 'href="chapter_answers/report.html#ex-corr2d"' in html
    assert [len(m.submissions) for m in mistakes] == sorted((len(m.submissions) for m in mistakes), reverse=True)
    slowest = max(results, key=lambda r: r.duration_s)
    assert html.index("Slowest submissions") < html.index(f'href="{slowest.submission}/report.html"')
    assert all(t["th"] > 0 for t in page.tables)
    assert "<script" not in html.lower() and "https://" not in html


def test_the_summary_in_chinese(graded, zh):
    html = summary_report.render(list(graded.values()), zh)
    assert "全班汇总" in html and "最常见的错误" in html and "结果与传入的卷积核无关" in html
    assert "Most common mistakes" not in html


# ------------------------------------------------------------------ terminal


def test_the_terminal_shows_each_first_failure_with_its_diagnosis_and_counterexample(graded, en):
    text = terminal.render(graded["chapter"], en, color=False)
    assert "\x1b[" not in text
    block = text[text.index("corr2d  "):text.index("Conv2D")]
    assert "mistake: The result does not depend on the kernel passed in" in block
    assert "hint: Compare the parameter names" in block
    assert "what the check saw: corr2d(X, K) has shape (0, 0) but should have (1, 1)." in block
    assert "an input that shows the mistake:\n        X = tensor of shape (8, 8) (float32)" in block
    assert "expected: tensor of shape (7, 7) (float32)" in block and "yours:    tensor of shape (7, 6)" in block
    assert "Only the first row" in text and "−f'' instead of f''" in text
    # 40: its Conv2D, built on the corr2d that reads a global K, earns no structure points either (issue 8:
    # what the layer says of its parameters counts only when its output follows them).
    assert "Score: 40 of 100 points" in text


def test_the_terminal_marks_wrong_entries_without_colour(graded, en):
    text = terminal.render(graded["transposed"], en, color=False)
    assert re.search(r"yours: +\[\[.*✗.*\]\]", text)


def test_the_terminal_says_once_that_a_file_did_not_load(grader_public, en):
    text = terminal.render(grade(grader_public, CORPUS / "syntax_error.py"), en, color=False)
    assert text.count("SyntaxError: expected ':' (line 47)") == 2  # the load problem, then the first exercise
    assert "      def kernel_matrix(K, input_shape)" in text  # a message's later lines keep the indentation
    assert text.count("✗ error") == 10


def test_the_terminal_colours_only_when_asked(graded, en):
    assert "\x1b[" in terminal.render(graded["chapter"], en, color=True)


def test_the_terminal_in_chinese_keeps_its_columns_aligned(graded, zh):
    text = terminal.render(graded["chapter"], zh, color=False)
    assert "错误：结果与传入的卷积核无关" in text and "得分：40 / 100 分" in text
    header, *rows = [line for line in text.splitlines()[1:] if not line.startswith("      ")][:4]
    status_column = terminal.width(header[:header.index("状态")])
    for row in rows:
        symbol = next(i for i, ch in enumerate(row) if ch in "✓◐✗○")
        assert terminal.width(row[:symbol]) == status_column, (header, row)


# ------------------------------------------------------------------ command line


def test_check_writes_the_html_report_in_the_language_asked(tmp_path):
    out = tmp_path / "report.html"
    run = CliRunner().invoke(cli.main, ["check", str(CORPUS / "sign_second_derivative.py"), "--html", str(out),
                                        "--lang", "zh", "--no-color", "--course", str(ROOT)])
    assert run.exit_code == 0, run.output
    assert "\x1b[" not in run.output and "错误：这个核算出的是 −f''" in run.output
    assert f"报告已写入 {out}" in run.output
    html = unescape(out.read_text(encoding="utf-8"))
    assert "评分报告：sign_second_derivative" in html and "这个核算出的是 −f''" in html


def test_check_takes_its_language_from_the_locale(tmp_path):
    run = CliRunner().invoke(cli.main, ["check", str(CORPUS / "sign_second_derivative.py"), "--course", str(ROOT)],
                             env={"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"})
    assert run.exit_code == 0, run.output
    assert "得分：95 / 100 分" in run.output and "\x1b[" not in run.output  # not a TTY: plain


def test_grade_writes_a_report_per_submission_and_a_class_summary_whose_links_resolve(tmp_path):
    out = tmp_path / "out"
    run = CliRunner().invoke(cli.main, ["grade", str(CORPUS / "chapter_answers.ipynb"),
                                        str(CORPUS / "flipped_kernel.py"), "--out", str(out), "--lang", "en",
                                        "-j", "1", "--course", str(ROOT)])
    assert run.exit_code == 0, run.output
    assert f"class summary written to {out / 'summary.html'}" in run.output
    for submission in ("chapter_answers", "flipped_kernel"):
        assert (out / submission / "result.json").is_file()
        report = (out / submission / "report.html").read_text(encoding="utf-8")
        assert "Checks run: public, hidden" in report
        assert '<span class="subtitle">(hidden)</span>' in report  # a failed hidden check says it is one
    summary = (out / "summary.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"#]+)(?:#[^"]*)?"', summary)
    assert links and all((out / link).is_file() for link in links)
    assert 'href="flipped_kernel/report.html#ex-corr2d"' in summary  # kernel_flipped shown by it


# ------------------------------------------------------------------ helpers


def _result(output: str = "", counterexample: Counterexample | None = None) -> SubmissionResult:
    test = Result("corr2d(X, K) equals the cross-correlation of X and K", Outcome.FAILED, Visibility.PUBLIC,
                  "corr2d(X, K) is wrong", counterexample)
    exercise = ExerciseResult("corr2d", 0.0, 20.0, Status.FAILED, (test,))
    return SubmissionResult("conv-layer", "s", "s.py", 0.0, 20.0, (exercise,), output=output)


# ------------------------------------------------------------------ the status symbols, written once

def _code_strings(path: Path) -> list[str]:
    """The string constants of a module, its docstrings left out (they may mention a symbol)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_the_status_symbols_are_written_once_and_every_report_shows_them_from_there(graded, en, zh):
    from grader.reports import symbols

    marks = set(symbols.LEGEND.values())
    for path in (ROOT / "grader").rglob("*.py"):
        if path.name != "symbols.py":
            assert not [s for s in _code_strings(path) if marks & set(s)], path
    for path in (ROOT / "grader" / "reports" / "templates").glob("*.j2"):
        assert not marks & set(re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)), path
    # ... and the legend, the overview and the terminal's status column show them.
    html = unescape(html_report.render(graded["chapter"], en))
    assert "✓ passed · ◐ partly right · ✗ failed or error · ○ not implemented" in html
    assert "✓ 通过 · ◐ 部分正确 · ✗ 未通过或出错 · ○ 未实现" in unescape(html_report.render(graded["chapter"], zh))
    text = terminal.render(graded["template"], en, color=False)
    assert text.count(f"{symbols.NOT_IMPLEMENTED} not implemented") == len(graded["template"].exercises)
    for status in Status:
        assert symbols.of_status(status) in marks
