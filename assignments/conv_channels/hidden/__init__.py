"""The hidden checks of conv-channels, judged against the reference solution.

Only in the instructor's checkout: the wheel students install leaves this package out.  Same
properties as the public ones, other seeds, more examples.
"""

from __future__ import annotations

from grader.checks import Suite
from grader.results import Visibility

from ..properties import Oracles, register


def reference_oracles(r) -> Oracles:
    def d(t):
        return t.double()

    return Oracles(
        shape=lambda n, k, p=(0, 0), s=(1, 1): tuple(r.conv_output_shape(n, k, p, s)),
        corr=lambda X, K, p=(0, 0), s=(1, 1): d(r.corr2d_pad_stride(d(X), d(K), p, s)),
        multi_in=lambda X, K: d(r.corr2d_multi_in(d(X), d(K))),
        multi_in_out=lambda X, K: d(r.corr2d_multi_in_out(d(X), d(K))),
        compose=lambda K1, K2: d(r.compose_kernels(d(K1), d(K2))),
        pool=lambda X, size, mode="max": d(r.pool2d(d(X), size, mode)),
        pool_multi=lambda X, size, p=(0, 0), s=None, mode="max": d(r.pool2d_multi(d(X), size, p, s, mode)),
    )


def build(reference) -> Suite:
    return register(Suite(Visibility.HIDDEN), reference_oracles(reference), examples=25)
