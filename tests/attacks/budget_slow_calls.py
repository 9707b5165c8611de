"""Attack (issue 8, class 4): every call stays just under its time limit (5 s), so no call times out and
the submission holds its worker for as long as there are calls.  Appended to an honest solution, the
functions of the first exercises sleep __SLEEP__ s before answering honestly.

Expected: a budget for the whole submission ends it; the remaining checks end as timeouts.
"""
import time as _time

_honest = {"corr2d": corr2d, "conv2d_strict": conv2d_strict, "corr2d_matmul": corr2d_matmul}


def corr2d(X, K):
    _time.sleep(__SLEEP__)
    return _honest["corr2d"](X, K)


def conv2d_strict(X, K):
    _time.sleep(__SLEEP__)
    return _honest["conv2d_strict"](X, K)


def corr2d_matmul(X, K):
    _time.sleep(__SLEEP__)
    return _honest["corr2d_matmul"](X, K)
