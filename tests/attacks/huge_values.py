"""Attack (issue 8, class 3): make the grader store huge values in the result.  Appended to an honest
solution, it overrides:

- corr2d: a bool tensor of a million elements (stored whole as what the student returned);
- kernel_matrix: a matrix of the right shape, wrong everywhere (up to 100 x 100 in the hidden checks);
- learn_kernel: a kernel and a list of 10,000 losses;
- derivative_kernel: nested lists that are not a grid, 10,000 long;
- and it prints 6 MB.

Expected: those four lose their points (20 + 10 + 10 + 10): 50; result.json stays a few hundred KB.
"""
import torch as _torch


def corr2d(X, K):
    return _torch.ones(1000, 1000, dtype=_torch.bool)


def kernel_matrix(K, input_shape):
    h, w = K.shape
    n_h, n_w = input_shape
    return _torch.full(((n_h - h + 1) * (n_w - w + 1), n_h * n_w), 12345.678, dtype=_torch.float64)


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    return init.clone(), [float(i) for i in range(10_000)]


def derivative_kernel(d):
    return [[1.0] * 10_000, [2.0] * 9_999] + [["x" * 4000] * 30] * 30


print("flood " * 1_000_000)
