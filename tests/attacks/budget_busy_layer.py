"""Attack (issue 8, class 4): burn CPU rather than sleep, in a layer's forward and in the loading itself:
loading spins for __SPIN__ s, and Conv2D.forward and learn_kernel spin __SPIN__ s per call before answering.

Expected: the budget for the whole submission ends it; the remaining checks end as timeouts.
"""
import time as _time

from torch import nn as _nn


def _spin(seconds):
    end = _time.monotonic() + seconds
    while _time.monotonic() < end:
        pass


_spin(__SPIN__)
_HonestConv2D, _honest_learn = Conv2D, learn_kernel


class Conv2D(_HonestConv2D):
    def forward(self, x):
        _spin(__SPIN__)
        return super().forward(x)


def learn_kernel(*args, **kwargs):
    _spin(__SPIN__)
    return _honest_learn(*args, **kwargs)
