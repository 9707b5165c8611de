"""Attack (issue 8, class 6): a very wide kernel, so that the samples the check takes (as many as the kernel
is wide) grow with it, and the tolerance with them.  Appended to an honest solution, it overrides
derivative_kernel(d) with 2,000 columns: 1 followed by zeros, then 10^6 times the 7th difference at the far end
(which reads the largest samples and adds nothing to the result).  It computes the samples themselves, not
any derivative.

Expected: derivative_kernel loses its 10 points: 90.
"""
import math as _math

import torch as _torch


def derivative_kernel(d):
    kernel = _torch.zeros((1, 2000), dtype=_torch.float64)
    kernel[0, 0] = 1.0
    kernel[0, -8:] = _torch.tensor([(-1.0) ** (7 - i) * _math.comb(7, i) for i in range(8)]) * 1e6
    return kernel
