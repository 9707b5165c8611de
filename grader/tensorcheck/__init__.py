"""A check library for tensor functions of any rank: what an assignment's properties are built from.

- ``inputs``: Hypothesis strategies for tensors of any shape and dtype (quarters, distinct values, signs);
- ``compare``: a student's answer against the oracle's, with ``grader.tolerance``: named wrong variants
  first ("it equals what mistake X gives"), then the shape, then the values; exact Python ints;
- ``gradients``: the student's gradients (taken in the student process) against the oracle's (autograd here);
- ``operators``: what the aten operators a call ran say (matrix products counted);
- ``catalogue``: the sentences of all of the above, in English and Chinese, for an assignment's messages.

Assignments import these modules; nothing here knows an exercise.  Counterexamples are simplified by
Hypothesis itself: tensors are drawn from a seed and a shape, both of which it shrinks (to seed 0 and the
smallest shape that still fails).
"""
