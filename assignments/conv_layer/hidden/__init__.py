"""The hidden checks of conv-layer, judged against the reference solution.

Only in the instructor's checkout: the wheel students install leaves this
package out.  Same properties as the public ones, other seeds, larger inputs.
"""

from __future__ import annotations

import torch

from grader.checks import Suite
from grader.results import Visibility
from grader.tensorcheck.gradients import oracle_grads

from ..properties import Oracles, register


def reference_oracles(reference) -> Oracles:
    def corr(X, K):
        return reference.corr2d(X.double(), K.double()).double()

    def corr_grads(X, K, grad_output):
        return oracle_grads(reference.corr2d, (X, K), (0, 1), grad_output)

    def learn(X, Y, init, lr=3e-2, num_epochs=10):
        kernel, losses = reference.learn_kernel(X.double(), Y.double(), init.double(), lr=lr, num_epochs=num_epochs)
        return kernel.detach().double(), [float(v) for v in losses]

    return Oracles(
        corr=corr,
        corr_grads=corr_grads,
        strict=lambda X, K: reference.conv2d_strict(X.double(), K.double()).double(),
        kernel_matrix=lambda K, shape: reference.kernel_matrix(K.double(), shape).double(),
        learn=learn,
    )


def _tall_and_wide() -> list[dict]:
    return [
        {"X": torch.arange(10.0).reshape(10, 1), "K": torch.tensor([[1.0], [-2.0], [1.0]])},
        {"X": torch.arange(10.0).reshape(1, 10), "K": torch.tensor([[1.0, 0.0, -1.0]])},
        {"X": torch.eye(8), "K": torch.tensor([[1.0, -1.0]])},
    ]


def build(reference) -> Suite:
    return register(Suite(Visibility.HIDDEN), reference_oracles(reference), max_n=10, examples=15,
                    extra=_tall_and_wide())
