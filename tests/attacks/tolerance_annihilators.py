"""Attack (issue 8, class 6): kernels that compute nothing but make a tolerance scaled by the student's own
answer huge.  Appended to an honest solution (victim.py), it overrides:

- derivative_kernel(d): 10^10 times the 7th difference (1, -7, 21, -35, 35, -21, 7, -1).  It gives 0 on every
  polynomial the check samples (degree <= 6), and its size made the tolerance swallow any error;
- laplacian_kernel(): 10^10 times (1, -2, 1) x (1, -2, 1), which gives 0 on every quadratic in x and y.

Expected: both lose all their points (derivative_kernel 10, laplacian_kernel 5): 85.
"""
import math as _math

import torch as _torch


def derivative_kernel(d):
    seventh = [(-1.0) ** (7 - i) * _math.comb(7, i) for i in range(8)]
    return _torch.tensor([seventh], dtype=_torch.float64) * 1e10


def laplacian_kernel():
    second = _torch.tensor([1.0, -2.0, 1.0], dtype=_torch.float64)
    return _torch.outer(second, second) * 1e10
