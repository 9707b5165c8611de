"""Counterexamples of any rank in the HTML report and the terminal: scalars, channels, grids of grids, slices.

The results are built by hand, as a conv-channels check would return them (plain data, see grader.plain),
except where a real tensor goes through ``grader.plain.to_plain`` to be cut as a result keeps it.
"""

from __future__ import annotations

import math
import re
from html import unescape
from html.parser import HTMLParser

import pytest

from grader import tolerance
from grader.messages import catalogue
from grader.reports import grids, html_report, terminal
from grader.results import Counterexample, ExerciseResult, Outcome, Status, SubmissionResult, Visibility
from grader.results import TestResult as Result


def tensor(shape: tuple[int, ...], value=float, dtype: str = "float32") -> dict:
    """Plain data of a tensor whose element at flat position k is ``value(k)``."""
    flat = [value(k) for k in range(math.prod(shape))]

    def nest(items: list, dims: tuple[int, ...]):
        if not dims:
            return items[0]
        step = len(items) // dims[0] if dims[0] else 0
        return [nest(items[i * step:(i + 1) * step], dims[1:]) for i in range(dims[0])]

    return {"tensor": {"dtype": dtype, "shape": list(shape), "values": nest(flat, shape)}}


def flat(index: tuple[int, ...], shape: tuple[int, ...]) -> int:
    return grids.flat_index(index, shape)


def result(counterexample: Counterexample, diagnosis: str | None = None) -> SubmissionResult:
    test = Result("corr2d_multi_in_out(X, K) equals the reference", Outcome.FAILED, Visibility.PUBLIC,
                  "corr2d_multi_in_out(X, K) is wrong", counterexample, diagnosis)
    exercise = ExerciseResult("corr2d_multi_in_out", 0.0, 10.0, Status.FAILED, (test,))
    return SubmissionResult("conv-channels", "s", "s.py", 0.0, 10.0, (exercise,))


class Grids(HTMLParser):
    """The grid tables of a page by their label: the (row, column) of each cell marked wrong, and the cells."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.wrong: dict[str, list[tuple[int, int]]] = {}
        self.cells: dict[str, list[list[str]]] = {}
        self._label: str | None = None
        self._row = self._col = -1
        self._text: list[str] | None = None
        self._is_wrong = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "grid":
            self._label = attrs.get("aria-label") or attrs.get("aria-labelledby")
            self.wrong[self._label], self.cells[self._label], self._row = [], [], -2
        elif self._label and tag == "tr":
            self._row, self._col = self._row + 1, -1
            if self._row >= 0:
                self.cells[self._label].append([])
        elif self._label and tag == "td" and self._row >= 0:
            self._col += 1
            self._text, self._is_wrong = [], "wrong" in (attrs.get("class") or "")

    def handle_endtag(self, tag):
        if tag == "table" and self._label:
            self._label = None
        elif tag == "td" and self._text is not None:
            self.cells[self._label][-1].append("".join(self._text))
            if self._is_wrong:
                self.wrong[self._label].append((self._row, self._col))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


@pytest.fixture(scope="module")
def en():
    return catalogue("en")


@pytest.fixture(scope="module")
def zh():
    return catalogue("zh")


# ------------------------------------------------------------------ (C, H, W): a grid per channel


def test_a_three_axis_answer_is_a_grid_per_channel_with_its_wrong_cells_marked(en):
    wrong_at = [(0, 1, 1), (2, 0, 2), (2, 2, 0)]
    expected = tensor((3, 3, 3))
    got = tensor((3, 3, 3), lambda k: k + (2.5 if k in [flat(i, (3, 3, 3)) for i in wrong_at] else 0))
    inputs = {"X": tensor((3, 4, 4), lambda k: k % 5 - 2), "K": tensor((3, 2, 2), lambda k: k % 3 - 1)}
    html = html_report.render(result(Counterexample(inputs, expected, got)), en)
    text = unescape(html)
    assert "Your result: shape (3, 3, 3), float32" in text and "X: shape (3, 4, 4), float32" in text
    assert "3 of 27 entries are wrong" in text
    cells = Grids(html)
    for c in range(3):
        assert f'<th scope="col">channel {c}</th>' in html
        # marked in the answer and in the difference, at the cells that differ, and nowhere else
        for name in ("Your result", "Difference (yours − expected)"):
            assert cells.wrong[f"{name} channel {c}"] == [(r, col) for ch, r, col in wrong_at if ch == c]
        assert cells.wrong[f"Expected channel {c}"] == []
        assert cells.cells[f"X channel {c}"][0][0] == grids.format_number((c * 16) % 5 - 2)
    assert cells.cells["Your result channel 2"][0][2] == "22.5✗ (wrong)"
    assert cells.cells["Difference (yours − expected) channel 0"][1][1] == "2.5✗ (wrong)"


def test_channel_labels_and_shapes_are_in_chinese(zh):
    html = html_report.render(result(Counterexample({"X": tensor((2, 3, 3))}, tensor((2, 2, 2)),
                                                    tensor((2, 2, 2), lambda k: -k))), zh)
    text = unescape(html[html.index("<body"):])
    assert "通道 0" in text and "通道 1" in text and "channel " not in text
    assert "你的结果：形状 (2, 2, 2)，float32" in text and "8 个元素中有 7 个不对" in text


def test_a_wrong_number_of_channels_draws_both_with_their_shapes(en, zh):
    expected, got = tensor((3, 3, 3)), tensor((2, 3, 3))
    html = html_report.render(result(Counterexample({"X": tensor((3, 4, 4))}, expected, got)), en)
    text = unescape(html)
    assert "The shapes differ: expected (3, 3, 3), yours is (2, 3, 3)." in text
    assert "Expected: shape (3, 3, 3), float32" in text and "Your result: shape (2, 3, 3), float32" in text
    cells = Grids(html)
    assert "Expected channel 2" in cells.cells and "Your result channel 1" in cells.cells
    assert "Your result channel 2" not in cells.cells
    assert not any(cells.wrong.values()) and "Difference" not in text  # no difference of different shapes
    assert "形状不同：期望 (3, 3, 3)，你的结果是 (2, 3, 3)。" in html_report.render(
        result(Counterexample({}, expected, got)), zh)


# ------------------------------------------------------------------ (C_o, C_i, H, W): a grid of grids


def test_a_four_axis_value_is_a_grid_of_grids_with_output_channels_in_rows(en, zh):
    shape = (2, 3, 2, 2)
    got = tensor(shape, lambda k: k + (1.0 if k == flat((1, 2, 0, 1), shape) else 0))
    html = html_report.render(result(Counterexample({}, tensor(shape), got)), en)
    cells = Grids(html)
    labels = [f"Your result output channel {o}, input channel {i}" for o in range(2) for i in range(3)]
    assert [label for label in cells.cells if label.startswith("Your result ")] == labels
    assert {label: marks for label, marks in cells.wrong.items() if marks} == {
        "Your result output channel 1, input channel 2": [(0, 1)],
        "Difference (yours − expected) output channel 1, input channel 2": [(0, 1)]}
    assert cells.cells["Expected output channel 1, input channel 0"] == [["12", "13"], ["14", "15"]]
    stack = html[html.index('<table class="stack"'):]
    stack = stack[:stack.index("</figure>")]
    assert stack.count('<th scope="row">output channel') == 2 and stack.count('<th scope="col">input channel') == 3
    chinese = unescape(html_report.render(result(Counterexample({}, tensor(shape), got)), zh))
    assert "输出通道 1" in chinese and "输入通道 2" in chinese


def test_five_axes_and_more_draw_the_slice_holding_the_first_wrong_element_and_say_which(en):
    shape = (2, 2, 3, 2, 2)
    got = tensor(shape, lambda k: k + (7.0 if k == flat((1, 0, 2, 1, 0), shape) else 0))
    html = html_report.render(result(Counterexample({}, tensor(shape), got)), en)
    text = unescape(html)
    assert "the slice [1, 0, 2, :, :] of its 5 axes" in text and "shape (2, 2, 3, 2, 2)" in text
    assert Grids(html).wrong["Your result the slice [1, 0, 2, :, :] of its 5 axes"] == [(1, 0)]
    assert "1 of 48 entries are wrong" in text


def test_a_scalar_answer_is_marked_wrong_as_text(en):
    html = html_report.render(result(Counterexample({"c_i": 3}, 108, 96)), en)
    assert re.search(r'<code class="wrong">96<span class="mark" aria-hidden="true">✗</span>', html)
    assert '<code>108</code>' in html
    same = html_report.render(result(Counterexample({"c_i": 3}, 108, 108.0)), en)
    assert 'class="wrong"' not in same


def test_student_text_in_a_stack_is_escaped(en):
    hostile = "<script>alert(1)</script>"
    value = tensor((2, 2, 2), dtype=hostile)
    html = html_report.render(result(Counterexample({hostile: value}, value, value)), en)
    assert "<script" not in html.lower() and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------ large values stay bounded


def test_a_large_channel_tensor_keeps_a_corner_and_the_count_of_what_differs():
    import torch
    from grader.plain import to_plain

    expected = torch.arange(8 * 20 * 20, dtype=torch.float64).reshape(8, 20, 20)
    got = expected.clone()
    got[0, 1, 2] += 1
    got[5, 19, 19] -= 1  # outside the corner kept: counted all the same
    plain_got, plain_expected = to_plain(got, compared_with=expected), to_plain(expected)
    body = plain_got["tensor"]
    assert body["cut"]["shown"] == [1, 12, 12] and body["cut"]["differ"] == 2
    assert body["cut"]["first_difference"] == [0, 1, 2]
    assert len(body["values"]) == 1 and len(body["values"][0]) == 12
    html = html_report.render(result(Counterexample({}, plain_expected, plain_got)), catalogue("en"))
    text = unescape(html)
    assert "2 of 3200 entries are wrong" in text
    assert "showing (1, 12, 12) of (8, 20, 20): the first channels, their top-left corners" in text
    assert Grids(html).wrong["Your result channel 0"] == [(1, 2)]
    assert len(html) < 200_000


# ------------------------------------------------------------------ one tolerance


def test_the_marks_use_the_checks_tolerance_at_its_edge():
    import torch
    from grader.tensorcheck.compare import is_close
    from grader.plain import to_plain

    expected = torch.tensor([[[10.0, -4.0], [0.0, 2.5]]], dtype=torch.float64)
    scale = float(expected.abs().max())  # the reports' scale: the expected values' largest magnitude
    edge = tolerance.tolerance(expected, scale)
    for factor, wrong in ((0.9, False), (1.1, True)):
        got = expected + factor * edge
        assert is_close(got, expected, scale) is not wrong  # the checks
        comparison = grids.compare(to_plain(expected), to_plain(got))
        assert comparison.wrong == (4 if wrong else 0)  # the report's marks
        big_expected = expected.repeat(3, 20, 20)
        cut = to_plain(big_expected + factor * tolerance.tolerance(big_expected, scale), compared_with=big_expected)
        assert cut["tensor"]["cut"]["differ"] == (big_expected.numel() if wrong else 0)  # a cut value's count


# ------------------------------------------------------------------ terminal


def test_the_terminal_prints_the_channel_holding_the_first_wrong_entry_and_says_which(en, zh):
    shape = (4, 3, 3)
    got = tensor(shape, lambda k: k + (0.5 if k == flat((2, 1, 0), shape) else 0))
    example = Counterexample({"X": tensor((4, 5, 5)), "K": tensor((2, 2))}, tensor(shape), got)
    text = terminal.render(result(example), en)
    assert "expected: tensor of shape (4, 3, 3) (float32)\n        channel 2 of 4:\n          [18, 19, 20]" in text
    assert "yours:    tensor of shape (4, 3, 3) (float32)\n        channel 2 of 4:\n          [18, 19, 20]\n" \
           "          [21.5✗, 22, 23]\n          [24, 25, 26]" in text
    assert text.count("… and 3 more 3 × 3 slices (grader check --html FILE draws them)") == 2
    assert "input:\n        X = tensor of shape (4, 5, 5) (float32)\n          channel 0 of 4:" in text
    assert "        K = [[0, 1], [2, 3]] (float32)" in text
    chinese = terminal.render(result(example), zh)
    assert "通道 2（共 4 个）：" in chinese and "还有 3 个 3 × 3 切片未显示" in chinese


def test_the_terminal_prints_every_channel_of_a_small_value_and_the_pair_of_a_four_axis_one(en):
    got = tensor((2, 2, 2), lambda k: -k)
    text = terminal.render(result(Counterexample({"K": tensor((3, 2, 4, 4))}, tensor((2, 2, 2)), got)), en)
    assert "channel 0 of 2:\n          [0, -1✗]" in text and "channel 1 of 2:\n          [-4✗, -5✗]" in text
    assert "more" not in text.split("expected:")[1]
    assert "output channel 0 of 3, input channel 0 of 2:" in text and "… and 5 more 4 × 4 slices" in text


def test_the_terminal_states_both_shapes_of_a_wrong_number_of_channels(en):
    text = terminal.render(result(Counterexample({}, tensor((3, 2, 2)), tensor((2, 2, 2)))), en)
    assert "expected: tensor of shape (3, 2, 2) (float32)" in text
    assert "yours:    tensor of shape (2, 2, 2) (float32)" in text and "✗" not in text.split("expected:")[1]
