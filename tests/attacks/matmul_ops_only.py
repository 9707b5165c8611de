"""Attack (issue 8, class 7): the point for "computes with a matrix product" was given on the operators the
student process reported running.  Appended to an honest solution, corr2d_matmul runs a matrix product and
returns nothing useful.

Expected: corr2d_matmul loses all 10 points: 90.
"""
import torch as _torch


def corr2d_matmul(X, K):
    _torch.eye(2) @ _torch.ones(2)
    return _torch.zeros(1, 1)
