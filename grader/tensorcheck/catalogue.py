"""The sentences of ``grader.tensorcheck``, in English and Chinese, by the keys its Mismatches name.

An assignment built on the library merges these into its own ``messages.py`` (``MESSAGES`` and
``DIAGNOSES``), so that its reports translate them; its own entries win where it words one differently.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # compare
    "shape": {"en": "{what} has shape {got} but should have {expected}.",
              "zh": "{what} 的形状是 {got}，应该是 {expected}。"},
    "values_wrong": {"en": "{what} is wrong in {wrong} of {total} entries.",
                     "zh": "{what} 的 {total} 个元素中有 {wrong} 个不对。"},
    "returned_non_real": {"en": "{what} returned a {dtype} tensor; it should hold real numbers.",
                          "zh": "{what} 返回了 {dtype} 类型的张量；它应该包含实数。"},
    "returned_non_tensor": {"en": "{what} returned {type}, not a tensor.", "zh": "{what} 返回的是 {type}，不是张量。"},
    "kernel_not_grid": {"en": "{what} returned a list that is not a rectangular grid of numbers.",
                        "zh": "{what} 返回的列表不是规整的数字网格。"},
    "not_finite": {"en": "{what} contains NaN or infinity.", "zh": "{what} 中含有 NaN 或无穷大。"},
    "int_wrong": {"en": "{what} is {got} but should be {expected}.", "zh": "{what} 的结果是 {got}，应该是 {expected}。"},
    "not_ints": {"en": "{what} returned {got}; it should be {kind}.", "zh": "{what} 返回了 {got}；它应该是 {kind}。"},
    "not_python_int": {"en": "{what} has the right numbers but returned {got}; it should be {kind} (Python ints).",
                       "zh": "{what} 的数值对，但返回的是 {got}；它应该是 {kind}（Python 的 int）。"},
    "input_modified": {"en": "{what} changed its input {names} in place.", "zh": "{what} 原地修改了它的输入 {names}。"},
    # gradients
    "what.gradient_wrt": {"en": "the gradient of {name}'s output with respect to {label}",
                          "zh": "{name} 的输出对 {label} 的梯度"},
    "cut_off": {"en": "{name}'s result is cut off from autograd: it has no grad_fn, so no gradient reaches its inputs.",
                "zh": "{name} 的结果与自动求导断开了：它没有 grad_fn，梯度传不到输入。"},
    "no_gradient_possible": {"en": "{name} returned something whose gradient cannot be taken.",
                             "zh": "{name} 返回的值无法求梯度。"},
    "no_gradient_reaches": {"en": "No gradient reaches {label} through {name}.",
                            "zh": "梯度没有经过 {name} 传到 {label}。"},
    "gradient_mass": {"en": "{what} passes on {got} of the upstream gradient's {expected}.",
                      "zh": "{what} 传下去的梯度总和是 {got}，而上游梯度的总和是 {expected}。"},
    # operators
    "not_one_matmul": {"en": "{name} ran {count} matrix products; it must compute the result with exactly one.",
                       "zh": "{name} 执行了 {count} 次矩阵乘法；它必须只用一次矩阵乘法算出结果。"},
}

# code -> {lang: (the mistake in one plain sentence, a hint that does not give the answer away)}
DIAGNOSES: dict[str, dict[str, tuple[str, str]]] = {
    "off_by_one_shape": {
        "en": ("The result has one row or column too many or too few.",
               "Count by hand how many windows fit along each axis of the small counterexample below."),
        "zh": ("结果多了或少了一行（列）。", "对下面的小反例，手数一数每个方向上能放下多少个窗口。"),
    },
    "first_row_only": {
        "en": ("Only the first row of the output is computed: the result is right for a one-row output and wrong, "
               "or an error, with more rows.",
               "Look at the indentation of each statement after the loops, return included: which loop is it in?"),
        "zh": ("只算出了输出的第一行：输出只有一行时结果正确，多于一行时结果不对或出错。",
               "看看循环后面每条语句（包括 return）的缩进：它在哪个循环里面？"),
    },
    "axes_transposed": {
        "en": ("Height and width are swapped.", "Check which axis is the height (rows) and which the width "
                                                "(columns), in the inputs and in what you build."),
        "zh": ("高和宽弄反了。", "检查输入和你构造的结果中，哪个维度是高（行），哪个是宽（列）。"),
    },
    "autograd_cut_off": {
        "en": ("No gradient reaches the inputs: the result is not built from them by tensor operations.",
               "Look for .item(), .detach(), .data, torch.tensor(...) or numpy between the inputs and the result."),
        "zh": ("梯度传不到输入：结果不是由输入经张量运算得到的。",
               "检查输入到结果之间是否用了 .item()、.detach()、.data、torch.tensor(...) 或 numpy。"),
    },
    "not_python_int": {
        "en": ("The numbers are right but are not Python ints.",
               "Sizes are plain numbers: convert with int(...) or compute them with Python integers (//)."),
        "zh": ("数值对，但不是 Python 的 int。", "尺寸是普通的数：用 int(...) 转换，或直接用 Python 整数运算（//）计算。"),
    },
    "not_one_matmul": {
        "en": ("The values are right, but not computed with exactly one matrix multiplication.",
               "Arrange all the data so that a single @ (or torch.matmul) produces every output at once."),
        "zh": ("数值对，但不是用恰好一次矩阵乘法算出的。", "把数据排好，让一次 @（或 torch.matmul）就得到全部输出。"),
    },
}
