"""Attack (issue 8, smaller): forge replies announcing tensors of absurd shapes, which torch cannot even
build: no element, but a dimension of 2^70 (corr2d); 2^40 x 2^40 x 0 (conv2d_strict); a dimension of 2^31
with data for none (corr2d_matmul); a dimension of 2^62 with no data (kernel_matrix).

Expected: those four lose their points as invalid answers (20 + 10 + 10 + 10): 50; no "internal grader error".
"""
from grader.sandbox import harness as _harness

_honest_call = _harness.HANDLERS["call"]
_SHAPES = {"corr2d": [0, 2**70], "conv2d_strict": [2**40, 2**40, 0], "corr2d_matmul": [2**31, 0],
           "kernel_matrix": [2**62]}


def _forged_call(namespace, request):
    shape = _SHAPES.get(request["target"])
    if shape is not None:
        data = None if request["target"] == "kernel_matrix" else ""
        return {"ok": True, "value": {"tensor": {"dtype": "float32", "shape": shape, "data": data}}}
    return _honest_call(namespace, request)


_harness.HANDLERS["call"] = _forged_call
