"""Attack (issue 8, class 7): the probe that describes Conv2D runs in this process, so replace it with one
that lies.  Appended to an honest solution, it overrides:

- Conv2D: a module with no parameters whose forward returns zeros;
- the "conv2d_layer" probe: reports a perfect structure (a module, weight and bias registered nn.Parameters of
  the right shapes) and returns the layer's output (zeros) and zero gradients.

Expected: Conv2D loses all 15 points (its structure points need an output that follows the parameters): 85.
"""
import torch as _torch
from torch import nn as _nn

from grader.sandbox import harness as _harness


class Conv2D(_nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.kernel_size = tuple(kernel_size)

    def forward(self, x):
        return _torch.zeros(x.shape[0] - self.kernel_size[0] + 1, x.shape[1] - self.kernel_size[1] + 1)


def _lie(namespace, kernel_size, weight=None, bias=None, x=None, grad_output=None):
    good = {"present": True, "is_parameter": True, "requires_grad": True, "registered": True}
    report = {"is_module": True, "weight": dict(good, shape=list(kernel_size)), "bias": dict(good, shape=[1])}
    if x is not None:
        report["value"] = namespace["Conv2D"](kernel_size)(x)
        if grad_output is not None:
            report["grads"] = [_torch.zeros(kernel_size), _torch.zeros(1)]
    return report


_harness.PROBES["conv2d_layer"] = _lie
