"""Student-side probes of conv-layer: procedures that need more than one call.

Runs inside the student process (it is public and holds no answer): build
the student's ``Conv2D``, describe it, set its parameters, run it forward
and backward, and return what happened as plain data.
"""

from grader.sandbox.harness import probe


def _describe(module, name):
    import torch
    from torch import nn

    value = getattr(module, name, None)
    registered = isinstance(module, nn.Module) and any(p is value for p in module.parameters())
    return {
        "present": value is not None,
        "is_parameter": isinstance(value, nn.Parameter),
        "shape": list(value.shape) if isinstance(value, torch.Tensor) else None,
        "requires_grad": bool(getattr(value, "requires_grad", False)),
        "registered": registered,
    }


@probe("conv2d_layer")
def conv2d_layer(namespace, kernel_size, weight=None, bias=None, x=None, grad_output=None):
    import torch
    from torch import nn

    layer = namespace["Conv2D"](kernel_size)
    report = {
        "is_module": isinstance(layer, nn.Module),
        "weight": _describe(layer, "weight"),
        "bias": _describe(layer, "bias"),
    }
    if x is None:
        return report
    with torch.no_grad():
        layer.weight.copy_(weight)
        layer.bias.copy_(bias)
    if grad_output is not None:
        x = x.detach().clone().requires_grad_(True)  # layers stack: the gradient must reach their input too
    value = layer(x)
    report["value"] = value
    if grad_output is not None:
        if not isinstance(value, torch.Tensor) or value.grad_fn is None:
            report["cut_off"] = True
        elif value.shape == grad_output.shape:
            grads = torch.autograd.grad(value, [layer.weight, layer.bias, x], grad_output.to(value.dtype),
                                        allow_unused=True)
            report["grads"] = list(grads)
    return report
