"""The result model round-trips through plain data: what the gradebook stores renders what was graded."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conftest import CORPUS, grade
from grader.results import Identity, Person, ResultFormatError, from_plain, to_plain

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", ["flipped_kernel.py", "syntax_error.py", "global_kernel.py", "correct_loops.py"])
def test_a_graded_result_round_trips_through_json(grader_all, name):
    result = grade(grader_all, CORPUS / name)
    result = replace(result, identity=Identity(
        "canvas", (Person("4021", "doe, jane", "j@x.edu"),), late=True, submission_id="998877",
        entry="doejane_LATE_4021_998877_conv_layer.py"))
    plain = json.loads(json.dumps(to_plain(result)))
    assert from_plain(plain) == result
    assert to_plain(from_plain(plain)) == plain


def test_a_newer_or_broken_result_is_refused():
    with pytest.raises(ResultFormatError, match="newer grader"):
        from_plain({"schema": 99})
    with pytest.raises(ResultFormatError, match="not a valid result"):
        from_plain({"schema": 2, "assignment": "conv-layer"})
