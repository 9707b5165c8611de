"""A check library for tensor functions of any rank: what an assignment's properties are built from.

- ``inputs``: Hypothesis strategies for tensors of any shape and dtype (quarters, distinct values, signs);
- ``compare``: a student's answer against the oracle's, with ``grader.tolerance``: named wrong variants
  first ("it equals what mistake X gives"), then the shape, then the values; exact Python ints;
- ``gradients``: the student's gradients (taken in the student process) against the oracle's (autograd here,
  inside one recorded oracle call, so that a replay record holds them);
- ``simplify``: simpler counterexamples for N-D tensors, consistent across arguments (a ``Layout`` names the
  axes, tied by name, and what must still fit);
- ``diagnoses``: what calling the student again says (inputs changed in place), once a check has failed;
- ``operators``: what the aten operators a call ran say (matrix products counted);
- ``catalogue``: the sentences of all of the above, in English and Chinese, for an assignment's messages.

Assignments import these modules; nothing here knows an exercise.
"""
