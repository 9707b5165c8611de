"""What the aten operators a student's call ran say (the harness counts them; they come from the student
process, so a check uses them only on top of a right answer)."""

from __future__ import annotations

from collections import Counter

# aten operators that multiply matrices (einsum and tensordot reach one of these)
MATRIX_PRODUCTS = frozenset({"mm", "mv", "bmm", "addmm", "addmv", "dot", "matmul", "baddbmm", "vdot", "_mm"})


def matrix_products(ops: Counter) -> int:
    """How many matrix products the call ran (``aten::mm`` twice counts 2)."""
    return sum(n for op, n in ops.items() if op.split("::")[-1].split(".")[0] in MATRIX_PRODUCTS)
