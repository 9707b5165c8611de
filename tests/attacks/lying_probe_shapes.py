"""Attack (issue 8, class 7): parameters of the right shapes that the layer never uses, and a probe replaced by
one that sends back junk instead of a report.  Appended to an honest solution, it overrides:

- Conv2D: weight and bias are registered nn.Parameters of the right shapes (the structure is honest), but
  forward returns the input's top-left corner;
- the "conv2d_layer" probe: for a layer built with kernel size (1, 1) it answers a list, not a report.

Expected: Conv2D loses its 15 points and nothing breaks in the grader: 85.
"""
import torch as _torch
from torch import nn as _nn

from grader.sandbox import harness as _harness


class Conv2D(_nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = _nn.Parameter(_torch.rand(kernel_size))
        self.bias = _nn.Parameter(_torch.zeros(1))

    def forward(self, x):
        h, w = self.weight.shape
        return x[:x.shape[0] - h + 1, :x.shape[1] - w + 1] * 1.0


_honest_probe = _harness.PROBES["conv2d_layer"]


def _junk(namespace, kernel_size, **kwargs):
    if tuple(kernel_size) == (1, 1):
        return ["a", "list", {"is_module": True}]
    return _honest_probe(namespace, kernel_size, **kwargs)


_harness.PROBES["conv2d_layer"] = _junk
