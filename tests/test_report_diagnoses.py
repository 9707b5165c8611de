"""The diagnosis a report shows names the mistake behind a failure, including the chapter's own three bugs."""

from __future__ import annotations

import textwrap
from dataclasses import replace

import pytest

from conftest import CORPUS, by_name, grade
from grader.results import Visibility


def first_failure(result, exercise: str):
    return next(t for t in by_name(result)[exercise].tests if not t.passed)


def diagnoses(result, exercise: str) -> list[str | None]:
    return [t.diagnosis for t in by_name(result)[exercise].tests if not t.passed]


@pytest.fixture(scope="module")
def chapter(grader_public):
    return grade(grader_public, CORPUS / "chapter_answers.ipynb")


def test_the_chapter_corr2d_reading_the_global_K_is_named_a_global_read(chapter):
    # Its global K is larger than the minimal input, so the answer merely looks like a wrong output shape.
    failure = first_failure(chapter, "corr2d")
    assert failure.diagnosis == "global_read"
    assert failure.message_key == "shape"  # the message still states what was seen


def test_the_layer_and_strict_convolution_built_on_that_corr2d_are_named_global_reads_too(chapter):
    assert first_failure(chapter, "Conv2D").diagnosis == "global_read"
    assert first_failure(chapter, "conv2d_strict").diagnosis == "global_read"


def test_the_chapter_matmul_returning_after_the_first_row_is_named_so(chapter):
    # It raises on any output of several rows: the diagnosis explains the error.
    failure = first_failure(chapter, "corr2d_matmul")
    assert failure.outcome.value == "error" and failure.diagnosis == "first_row_only"


def test_the_chapter_second_derivative_kernel_has_the_sign_flipped_and_the_message_shows_the_kernel(chapter):
    failure = first_failure(chapter, "second_derivative_kernel")
    assert failure.diagnosis == "sign_flipped"
    assert failure.message_key == "derivative_wrong" and failure.message_args["kernel"] == "[[-1, 2, -1]]"


@pytest.mark.parametrize("file, exercise, code", [
    ("global_kernel.py", "corr2d", "global_read"),
    ("matmul_first_row.py", "corr2d_matmul", "first_row_only"),
    ("off_by_one.py", "corr2d", "off_by_one_shape"),  # an empty answer is the same for every kernel: no global read
    ("flipped_kernel.py", "corr2d", "kernel_flipped"),
    ("transposed_axes.py", "corr2d", "axes_transposed"),
    ("integral_scaled.py", "integral_kernel", "scale_error"),
    ("derivative_too_big.py", "derivative_kernel", "not_smallest"),
    ("no_autograd.py", "corr2d", "autograd_cut_off"),
])
def test_corpus_mistakes_are_named_by_their_first_failure(grader_public, file, exercise, code):
    assert first_failure(grade(grader_public, CORPUS / file), exercise).diagnosis == code


def test_an_input_changed_in_place_is_named_even_where_autograd_makes_the_call_raise(grader_public):
    result = grade(grader_public, CORPUS / "in_place.py")
    gradients = next(t for t in by_name(result)["corr2d"].tests if t.name.startswith("gradients"))
    assert gradients.outcome.value == "error" and "in-place" in gradients.message
    assert gradients.diagnosis == "input_modified"


def test_a_return_inside_the_inner_loop_is_named_first_output_only(grader_public, tmp_path):
    path = tmp_path / "first_output.py"
    path.write_text(textwrap.dedent("""
        import torch

        def corr2d(X, K):
            h, w = K.shape
            Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
            for i in range(Y.shape[0]):
                for j in range(Y.shape[1]):
                    Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
                    return Y  # MISTAKE: inside the inner loop
            return Y
    """))
    assert first_failure(grade(grader_public, path), "corr2d").diagnosis == "first_output_only"


@pytest.mark.parametrize("file, code", [("off_by_one.py", "off_by_one_shape"), ("global_kernel.py", "global_read")])
def test_a_wrong_shape_is_not_mistaken_for_autograd_being_cut_off(grader_public, file, code):
    # An empty answer has no grad_fn: the gradient check must name the shape (or its cause), like the others.
    assert set(diagnoses(grade(grader_public, CORPUS / file), "corr2d")) == {code}


def test_a_timeout_while_diagnosing_does_not_count_against_the_exercises_later_checks():
    from collections import Counter

    import torch

    from grader.checks import Mismatch, TimeoutSignal
    from grader.tensorcheck.diagnoses import either
    from grader_assignments.conv_layer import properties

    class SlowStudent:
        timeouts: Counter = Counter({"corr2d": 1})

        def call(self, *args, **kwargs):
            self.timeouts["corr2d"] += 1  # as grader.student.Student does
            raise TimeoutSignal("too slow")

    student = SlowStudent()
    diagnose = either(properties._ignores_kernel("corr2d"), properties._partial_rows("corr2d"))
    with pytest.raises(TimeoutSignal):  # the runner turns it into "no diagnosis"
        diagnose(student, {"X": torch.ones(3, 3), "K": torch.ones(2, 2)}, Mismatch("wrong"))
    assert student.timeouts == Counter({"corr2d": 1})


# ------------------------------------------------------------------ a certain diagnosis leads


@pytest.fixture(scope="module")
def global_kernel(grader_public):
    return grade(grader_public, CORPUS / "global_kernel.py")


@pytest.mark.parametrize("lang, mistake, hint, seen", [
    ("en", "mistake: The result does not depend on the kernel passed in", "hint: Compare the parameter names",
     "what the check saw: corr2d(X, K) has shape (0, 0) but should have (1, 1)."),
    ("zh", "错误：结果与传入的卷积核无关", "提示：把 def 那一行里的参数名",
     "检查看到的现象：corr2d(X, K) 的形状是 (0, 0)，应该是 (1, 1)。"),
])
def test_a_global_read_leads_the_terminal_before_the_shape_it_causes(global_kernel, assignment, lang, mistake,
                                                                     hint, seen):
    # Its global K is larger than the shrunk input: the symptom is a wrong shape, which points at the +1.
    from grader.messages import catalogue
    from grader.reports import terminal

    cat = catalogue(lang, assignment)
    failure = first_failure(global_kernel, "corr2d")
    lines = terminal.failure_lines(failure, "corr2d", cat, True, lambda text, **kw: text)
    assert lines[1].startswith(mistake) and lines[2].startswith(hint) and lines[3] == seen  # JUnit's message: [1]
    text = terminal.render(global_kernel, cat)
    assert text.index(mistake) < text.index(seen) < text.index("Conv2D")


@pytest.mark.parametrize("lang, seen", [("en", "What the check saw"), ("zh", "检查看到的现象")])
def test_a_global_read_leads_the_html_report_before_the_shape_it_causes(global_kernel, assignment, lang, seen):
    from grader.messages import catalogue
    from grader.reports import html_report

    html = html_report.render(global_kernel, catalogue(lang, assignment))
    article = html[html.index('<article class="failure" id="corr2d-'):]
    article = article[:article.index("</article>")]
    diagnosis, symptom = article.index('<div class="diagnosis">'), article.index('<p class="seen">')
    assert diagnosis < symptom and article.index('<p class="message">') > diagnosis  # the mistake is the message
    assert f"<strong>{seen}:</strong>" in article[symptom:]


def test_a_global_reads_stored_message_leads_with_the_diagnosis_then_says_what_the_check_saw(global_kernel,
                                                                                             assignment):
    # result.json, the CSV exports and JUnit read the stored message: it must not start with the +1 either.
    import json

    from grader.messages import catalogue
    from grader.reports import json_report

    mistake, _ = catalogue("en", assignment).diagnosis("global_read", "corr2d")
    failure = first_failure(global_kernel, "corr2d")
    assert failure.message.startswith(f"{mistake} What the check saw: corr2d(X, K) has shape (0, 0) but should have "
                                      "(1, 1)")
    assert failure.message_key == "shape"  # the reports render the symptom by its key, after the diagnosis
    stored = next(e for e in json.loads(json_report.dumps(global_kernel))["exercises"] if e["name"] == "corr2d")
    assert stored["message"] == failure.message and stored["tests"][0]["message"].startswith(mistake)


def test_a_layer_reading_a_global_kernel_leads_with_the_layers_own_sentence(chapter, assignment):
    from grader.messages import catalogue

    mistake, _ = catalogue("en", assignment).diagnosis("global_read", "Conv2D")
    assert mistake.startswith("The layer's output does not change when its weight changes")
    assert first_failure(chapter, "Conv2D").message.startswith(f"{mistake} What the check saw: ")


def test_a_diagnosis_read_off_the_answer_still_follows_the_message(grader_public, assignment):
    from grader.messages import catalogue
    from grader.reports import html_report, terminal

    result = grade(grader_public, CORPUS / "flipped_kernel.py")
    cat = catalogue("en", assignment)
    lines = terminal.failure_lines(first_failure(result, "corr2d"), "corr2d", cat, True, lambda text, **kw: text)
    assert lines[2].startswith("mistake: ") and not lines[1].startswith("mistake: ")
    assert first_failure(result, "corr2d").message.startswith("corr2d(X, K) is wrong in ")  # the symptom, then why
    article = html_report.render(result, cat)
    article = article[article.index('<article class="failure" id="corr2d-'):]
    assert article.index('<p class="message">') < article.index('<div class="diagnosis">')
    assert '<p class="seen">' not in article[:article.index("</article>")]


def test_a_global_reads_picture_is_the_probes_telling_input_not_the_shrunk_one(global_kernel, assignment):
    from grader.messages import catalogue
    from grader.reports import for_students, grids, html_report, terminal

    failure = first_failure(global_kernel, "corr2d")
    shrunk, telling = failure.counterexample, failure.counterexample.telling
    assert shrunk.expected == "shape (1, 1)" and shrunk.got == "shape (0, 0)"  # kept: it is what the check saw
    X, K = telling.inputs["X"]["tensor"], telling.inputs["K"]["tensor"]
    assert X["shape"] == [8, 8] and len({v for row in X["values"] for v in row}) == 64  # distinct, non-zero
    assert K["shape"] == [2, 2] and 0 not in [v for row in K["values"] for v in row]
    comparison = grids.compare(telling.expected, telling.got)
    assert comparison.shapes_differ is None and comparison.wrong == comparison.total == 49
    html = html_report.render(global_kernel, catalogue("en", assignment))
    article = html[html.index('<article class="failure" id="corr2d-'):]
    article = article[:article.index("</article>")]
    assert "An input that shows the mistake" in article and "Smallest counterexample" not in article
    assert "X: shape (8, 8), float32" in article and "49 of 49 entries are wrong" in article
    assert "能说明这个错误的输入" in html_report.render(global_kernel, catalogue("zh", assignment))
    text = terminal.render(global_kernel, catalogue("en", assignment))
    assert "an input that shows the mistake:\n        X = tensor of shape (8, 8) (float32)\n" \
           "          [1, 2, 3, 4, 5, 6, 7, 8]" in text
    # a hidden check's picture goes with its counterexample
    hidden = replace(failure, visibility=Visibility.HIDDEN)
    assert for_students._test(hidden).counterexample is None


def test_a_layer_reading_a_global_kernel_is_pictured_on_the_probes_input_too(chapter):
    from grader.reports import grids

    failure = first_failure(chapter, "Conv2D")
    telling = failure.counterexample.telling
    assert failure.diagnosis == "global_read" and telling.inputs["x"]["tensor"]["shape"] == [8, 8]
    comparison = grids.compare(telling.expected, telling.got)  # the chapter's global K is 1 x 2: (7, 6)
    assert comparison.shapes_differ == ("(7, 7)", "(7, 6)")
