"""The diagnosis a report shows names the mistake behind a failure, including the chapter's own three bugs."""

from __future__ import annotations

import textwrap

import pytest

from conftest import CORPUS, by_name, grade


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
    from grader_assignments.conv_layer import properties

    class SlowStudent:
        timeouts: Counter = Counter({"corr2d": 1})

        def call(self, *args, **kwargs):
            self.timeouts["corr2d"] += 1  # as grader.student.Student does
            raise TimeoutSignal("too slow")

    student = SlowStudent()
    diagnose = properties._either(properties._ignores_kernel("corr2d"), properties._partial_rows("corr2d"))
    with pytest.raises(TimeoutSignal):  # the runner turns it into "no diagnosis"
        diagnose(student, {"X": torch.ones(3, 3), "K": torch.ones(2, 2)}, Mismatch("wrong"))
    assert student.timeouts == Counter({"corr2d": 1})
