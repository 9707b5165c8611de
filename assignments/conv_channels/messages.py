"""Every sentence the conv-channels checks produce, in English and Chinese (see ``grader.messages``).

The library's sentences (``grader.tensorcheck.catalogue``) merged with this assignment's: each exercise's
description, in the chapter's words (《动手学深度学习》6.3 填充和步幅、6.4 多输入多输出通道、6.5 汇聚层),
its statement for ``grader template`` (``exercise.<name>.statement``) and the template's rules
(``template.rule.*``, in order); ``DIAGNOSES`` names each mistake with a hint that does not give the answer
away; ``TITLES`` translates check titles.

This file ships to students: nothing in it may reveal an answer the chapter does not already give.
"""

from __future__ import annotations

from grader.tensorcheck import catalogue

MESSAGES: dict[str, dict[str, str]] = {
    **catalogue.MESSAGES,
    # ---- what each exercise asks, in the chapter's words
    "exercise.conv_output_shape.description": {
        "en": "If we add p_h rows of padding in total and p_w columns, and use strides s_h and s_w, the output shape "
              "is ⌊(n_h − k_h + p_h + s_h)/s_h⌋ × ⌊(n_w − k_w + p_w + s_w)/s_w⌋. Here padding is given per side, "
              "as PyTorch's layers take it.",
        "zh": "如果添加 p_h 行填充（大约一半在顶部，一半在底部）和 p_w 列填充，并使用步幅 s_h 和 s_w，输出形状为 "
              "⌊(n_h−k_h+p_h+s_h)/s_h⌋ × ⌊(n_w−k_w+p_w+s_w)/s_w⌋。这里的填充按每一侧给出，与 PyTorch 的层一致。"},
    "exercise.corr2d_pad_stride.description": {
        "en": "Padding adds rows and columns of zeros around the input; the stride is the number of rows and columns "
              "the window moves at each step.",
        "zh": "填充是在输入图像的边界填充元素（通常是 0）；每次滑动的行数和列数称为步幅。"},
    "exercise.corr2d_multi_in.description": {
        "en": "When the input has several channels, the kernel needs as many: cross-correlate each channel with its "
              "kernel and add the results up.",
        "zh": "当输入包含多个通道时，需要构造一个与输入数据具有相同输入通道数的卷积核，"
              "对每个通道执行互相关操作，然后将结果相加。"},
    "exercise.corr2d_multi_in_out.description": {
        "en": "For several output channels, the kernel has shape c_o × c_i × k_h × k_w: each output channel is the "
              "multi-input cross-correlation with its own kernel.",
        "zh": "为了获得多个通道的输出，可以为每个输出通道创建一个形状为 c_i×k_h×k_w 的卷积核张量，"
              "这样卷积核的形状是 c_o×c_i×k_h×k_w。"},
    "exercise.corr2d_multi_in_out_1x1.description": {
        "en": "A 1 × 1 convolution works like a fully connected layer applied at every pixel: compute it with one "
              "matrix multiplication.",
        "zh": "1×1 卷积层相当于在每个像素位置应用的全连接层：用一次矩阵乘法实现它。"},
    "exercise.corr2d_multi_matmul.description": {
        "en": "Exercise 6.4.6: compute any multi-channel cross-correlation as one matrix multiplication of the "
              "kernels with a matrix of the input's patches.",
        "zh": "练习 6.4.6：把任意多通道互相关运算写成卷积核与输入块组成的矩阵的一次矩阵乘法。"},
    "exercise.compose_kernels.description": {
        "en": "Exercise 6.4.1: two convolution layers with kernels K1 and K2, no nonlinearity in between, are one "
              "convolution: find its kernel.",
        "zh": "练习 6.4.1：两个卷积核分别为 K1 和 K2 的卷积层（中间没有非线性激活函数）等价于一个卷积层：求它的卷积核。"},
    "exercise.pool2d.description": {
        "en": "Like a convolution, a pooling window slides over the input, but it has no parameters: it computes "
              "the maximum or the average of the elements in the window.",
        "zh": "与卷积层类似，汇聚层运算符由一个固定形状的窗口组成，但不包含参数：计算汇聚窗口中所有元素的最大值或平均值。"},
    "exercise.pool2d_multi.description": {
        "en": "Pooling layers can pad and stride as convolutions do; on several channels they pool each channel "
              "separately, so the output has as many channels as the input.",
        "zh": "汇聚层也可以改变输出形状（填充和步幅）；处理多通道输入时，汇聚层在每个输入通道上单独运算，"
              "输出通道数与输入通道数相同。"},
    "exercise.avg_pool_kernel.description": {
        "en": "Exercise 6.5.1: implement average pooling as a convolution.",
        "zh": "练习 6.5.1：尝试将平均汇聚层作为卷积层的特殊情况实现。"},
    "exercise.conv2d_cost.description": {
        "en": "Exercise 6.4.2: the computational cost (multiplications) of the forward propagation of a "
              "convolutional layer.",
        "zh": "练习 6.4.2：卷积层前向传播的计算成本（乘法次数）。"},
    # ---- the student template (grader.student_template): each exercise's statement, its docstring there
    "exercise.conv_output_shape.statement": {
        "en": "Output (h, w) of a cross-correlation of an input of size input_shape with a kernel of size\n"
              "kernel_size, padding rows/columns of zeros added on EACH side and the given stride, as a tuple of\n"
              "Python ints.",
        "zh": "计算输出形状 (h, w)：padding 为每一侧填充的行数和列数，返回由 Python 整数组成的元组。"},
    "exercise.corr2d_pad_stride.statement": {
        "en": "2-D cross-correlation of X (n_h, n_w) with K (k_h, k_w), padding zeros on each side and the given\n"
              "stride; equal to a one-channel F.conv2d. Must support autograd and not modify X or K.",
        "zh": "带填充（每一侧）和步幅的二维互相关运算。"},
    "exercise.corr2d_multi_in.statement": {
        "en": "X (c_i, n_h, n_w), K (c_i, k_h, k_w): the sum over the channels of their cross-correlations.",
        "zh": "多输入通道的互相关运算：对每个通道做互相关，再把结果加起来。"},
    "exercise.corr2d_multi_in_out.statement": {
        "en": "X (c_i, n_h, n_w), K (c_o, c_i, k_h, k_w): output (c_o, out_h, out_w).",
        "zh": "多输入多输出通道的互相关运算，输出形状为 (c_o, out_h, out_w)。"},
    "exercise.corr2d_multi_in_out_1x1.statement": {
        "en": "K (c_o, c_i, 1, 1): the 1 x 1 convolution, computed as ONE matrix multiplication.",
        "zh": "1×1 卷积：用一次矩阵乘法计算。"},
    "exercise.corr2d_multi_matmul.statement": {
        "en": "As corr2d_multi_in_out for a kernel of any window, computed as ONE matrix multiplication of the\n"
              "kernels with the (c_i*k_h*k_w)-row matrix of the input's patches.",
        "zh": "与 corr2d_multi_in_out 相同（任意窗口大小），用卷积核与 (c_i*k_h*k_w) 行的输入块矩阵的一次矩阵乘法计算。"},
    "exercise.compose_kernels.statement": {
        "en": "The one kernel K, shape (k1_h + k2_h - 1, k1_w + k2_w - 1), with\n"
              "corr2d(corr2d(X, K1), K2) == corr2d(X, K) for every X large enough.",
        "zh": "求一个卷积核 K，使得对足够大的任意 X，都有 corr2d(corr2d(X, K1), K2) == corr2d(X, K)。"},
    "exercise.pool2d.statement": {
        "en": "Pooling of X (n_h, n_w) with window pool_size, stride 1, no padding; mode 'max' or 'avg'.\n"
              "Gradients must flow (for max, to the maximum).",
        "zh": "二维汇聚：窗口 pool_size，步幅 1，无填充；mode 为 'max' 或 'avg'。梯度需要能传回 X。"},
    "exercise.pool2d_multi.statement": {
        "en": "Pool every channel of X (c, n_h, n_w) on its own; stride defaults to the window; padding on each\n"
              "side as PyTorch's pooling layers do (-inf for max, zeros that count in the average for avg).",
        "zh": "对 X 的每个通道分别汇聚；步幅默认等于窗口大小；每一侧的填充与 PyTorch 的汇聚层一致。"},
    "exercise.avg_pool_kernel.statement": {
        "en": "The kernel K with which corr2d(X, K) equals average pooling with window pool_size and stride 1.",
        "zh": "求卷积核 K，使 corr2d(X, K) 等于窗口为 pool_size、步幅为 1 的平均汇聚。"},
    "exercise.conv2d_cost.statement": {
        "en": "The number of multiplications in the forward pass of a convolutional layer (no bias) with c_i\n"
              "input channels of size (h, w), c_o output channels, a (k_h, k_w) kernel, padding and stride: an int.",
        "zh": "卷积层（无偏置）前向传播中的乘法次数，返回 int。"},
    # the template's rules, one per `template.rule.*` key, in this order
    "template.rule.builtins": {
        "en": "The tensor functions must not use a built-in convolution or pooling (`F.conv2d`, `F.max_pool2d`, "
              "`F.avg_pool2d`, `nn.Conv2d`, `nn.MaxPool2d`, ...); `F.pad`, `Tensor.unfold`, `F.unfold`, slicing, "
              "`einsum` and matrix products are fine.",
        "zh": "张量函数不得使用内置的卷积或汇聚（`F.conv2d`、`F.max_pool2d`、`F.avg_pool2d`、`nn.Conv2d`、"
              "`nn.MaxPool2d` 等）；`F.pad`、`Tensor.unfold`、`F.unfold`、切片、`einsum`、矩阵乘法都可以。"},
    "template.rule.pairs": {
        "en": "Sizes, paddings and strides are pairs (h, w); padding is added on each side.",
        "zh": "尺寸、填充和步幅都是 (h, w) 二元组；填充加在每一侧。"},
    "template.rule.libraries": {"en": "You may use `torch`, `numpy` and the standard library.",
                                "zh": "可以使用 `torch`、`numpy` 和 Python 标准库。"},
}


def _d(en: tuple[str, str], zh: tuple[str, str]) -> dict[str, tuple[str, str]]:
    return {"en": en, "zh": zh}


# code -> {lang: (the mistake in one plain sentence, a hint that does not give the answer away)}
DIAGNOSES: dict[str, dict[str, tuple[str, str]]] = {
    **catalogue.DIAGNOSES,
    "padding_counted_once": _d(
        ("The padding is counted on one side only.", "Padding p adds p rows on top AND p at the bottom."),
        ("填充只算了一侧。", "填充 p 在顶部和底部各加 p 行。")),
    "ceil_instead_of_floor": _d(
        ("It rounds up: a window sticking out of the (padded) input still counts.",
         "Draw the last window on the counterexample: does it fit inside the padded input?"),
        ("向上取整了：伸出（填充后的）输入的窗口也被算上了。", "在反例上画出最后一个窗口：它在填充后的输入之内吗？")),
    "padding_one_side": _d(
        ("The padding is not added equally on both sides.",
         "Print the padded input for the counterexample: are there p zero rows at the top and p at the bottom?"),
        ("填充没有在两侧均匀添加。", "打印反例填充后的输入：顶部和底部是否各有 p 行零？")),
    "padding_axes_swapped": _d(
        ("The rows' padding is applied to the columns and the other way round.",
         "Read F.pad's documentation: in which order does its list name the axes?"),
        ("行的填充用在了列上，列的填充用在了行上。", "查看 F.pad 的文档：它的列表按什么顺序对应各个维度？")),
    "stride_on_input": _d(
        ("The stride subsamples the input instead of moving the window.",
         "The stride is how far the window moves between two outputs: every window still reads neighbouring "
         "elements."),
        ("步幅被用来对输入抽样，而不是移动窗口。", "步幅是相邻两个输出之间窗口移动的距离：每个窗口读取的仍然是相邻的元素。")),
    "channels_not_summed": _d(
        ("The channels' cross-correlations are not added up.", "Compare the shape of your result with the "
                                                                "expected one: which axis should disappear?"),
        ("各通道的互相关结果没有相加。", "比较你的结果与期望结果的形状：哪个维度应该消失？")),
    "channels_averaged": _d(
        ("The channels' cross-correlations are averaged instead of added up.",
         "Try a counterexample with one channel, then two: how should the result change?"),
        ("各通道的互相关结果被求了平均，而不是相加。", "分别用一个和两个通道的反例试试：结果应该怎样变化？")),
    "channels_swapped": _d(
        ("The output and input channel axes of K are mixed up.",
         "K has shape (c_o, c_i, k_h, k_w): which index picks the output channel?"),
        ("K 的输出通道和输入通道维度弄混了。", "K 的形状是 (c_o, c_i, k_h, k_w)：哪个下标选择输出通道？")),
    "patch_order_mismatch": _d(
        ("The rows of the patch matrix are not in the order the flattened kernels are.",
         "Write down which (channel, row, column) of the kernel each column of K.reshape(c_o, -1) holds, and "
         "which each row of your patch matrix holds."),
        ("块矩阵的行的顺序与展平后的卷积核不一致。",
         "写出 K.reshape(c_o, -1) 的每一列对应卷积核的哪个（通道、行、列），再写出你的块矩阵每一行对应的是哪个。")),
    "kernel_flipped": _d(
        ("It is the full cross-correlation of the kernels, not the kernel of their composition.",
         "Write out corr2d(corr2d(X, K1), K2)[0, 0] as a sum over X's entries: which products multiply X[u, v]?"),
        ("得到的是两个卷积核的互相关，而不是它们复合后的卷积核。",
         "把 corr2d(corr2d(X, K1), K2)[0, 0] 写成 X 各元素的和：乘以 X[u, v] 的是哪些乘积？")),
    "max_grad_all_ties": _d(
        ("Where several elements tie for a window's maximum, each gets the whole gradient.",
         "A window passes its gradient on once: with ties, to one of them (or split), not to every one."),
        ("当窗口中有多个元素并列最大时，每个都得到了全部梯度。", "每个窗口的梯度只传一次：并列时传给其中一个（或分摊），而不是每一个。")),
    "avg_excludes_padding": _d(
        ("The average ignores the padding zeros.",
         "PyTorch's average pooling divides by the window's size, padding included (count_include_pad=True)."),
        ("平均时没有把填充的零计算在内。", "PyTorch 的平均汇聚除以整个窗口的大小，包括填充（count_include_pad=True）。")),
    "max_padded_with_zeros": _d(
        ("The max pooling pads with zeros, which win over negative inputs.",
         "Try an input whose values are all negative: what must padding never do?"),
        ("最大汇聚用零填充，而零会胜过负的输入。", "试试全是负数的输入：填充绝不能做什么？")),
    "stride_default_one": _d(
        ("With stride=None it uses stride 1.", "What does the section say the default stride of a pooling "
                                               "layer is?"),
        ("stride=None 时用了步幅 1。", "本节说汇聚层默认的步幅是多少？")),
    "not_normalised": _d(
        ("It sums each window instead of averaging it.", "An average divides by how many elements it averages."),
        ("它对每个窗口求和而不是求平均。", "平均值要除以参与平均的元素个数。")),
    "cost_counts_padded_input": _d(
        ("It counts windows that do not fit in the padded input.",
         "The number of output positions is the output shape of conv_output_shape."),
        ("它算上了放不进填充后输入的窗口。", "输出位置的个数就是 conv_output_shape 给出的输出形状。")),
    "cost_forgets_c_i": _d(
        ("The input channels are missing from the count.",
         "How many multiplications does one output value of a multi-input-channel convolution need?"),
        ("计数中漏掉了输入通道。", "多输入通道卷积的一个输出值需要多少次乘法？")),
    "cost_ignores_stride": _d(
        ("It counts every stride-1 window position.", "With stride s, which window positions produce an output?"),
        ("它把步幅为 1 时的每个窗口位置都算上了。", "步幅为 s 时，哪些窗口位置会产生输出？")),
}

# English check title -> {lang: title}
TITLES: dict[str, dict[str, str]] = {
    "conv_output_shape gives the output size as a tuple of Python ints":
        {"zh": "conv_output_shape 以 Python 整数元组给出输出大小"},
    "conv_output_shape defaults to no padding and stride 1": {"zh": "conv_output_shape 默认无填充、步幅为 1"},
    "corr2d_pad_stride equals the cross-correlation with that padding and stride":
        {"zh": "corr2d_pad_stride 等于带该填充和步幅的互相关"},
    "corr2d_pad_stride leaves X and K unchanged": {"zh": "corr2d_pad_stride 不修改 X 和 K"},
    "corr2d_pad_stride's defaults are no padding and stride 1": {"zh": "corr2d_pad_stride 默认无填充、步幅为 1"},
    "gradients flow through corr2d_pad_stride to X and K and are right":
        {"zh": "梯度能经过 corr2d_pad_stride 传到 X 和 K，并且正确"},
    **{f"{name}(X, K) equals the multi-channel cross-correlation": {"zh": f"{name}(X, K) 等于多通道互相关"}
       for name in ("corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "corr2d_multi_matmul")},
    **{f"{name} leaves X and K unchanged": {"zh": f"{name} 不修改 X 和 K"}
       for name in ("corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "corr2d_multi_matmul")},
    **{f"gradients flow through {name} to X and K and are right": {"zh": f"梯度能经过 {name} 传到 X 和 K，并且正确"}
       for name in ("corr2d_multi_in", "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "corr2d_multi_matmul")},
    **{f"{name} computes with exactly one matrix multiplication": {"zh": f"{name} 恰好用一次矩阵乘法计算"}
       for name in ("corr2d_multi_in_out_1x1", "corr2d_multi_matmul")},
    "corr2d(corr2d(X, K1), K2) equals corr2d(X, compose_kernels(K1, K2))":
        {"zh": "corr2d(corr2d(X, K1), K2) 等于 corr2d(X, compose_kernels(K1, K2))"},
    "compose_kernels leaves K1 and K2 unchanged": {"zh": "compose_kernels 不修改 K1 和 K2"},
    "gradients flow through compose_kernels to K1 and K2 and are right":
        {"zh": "梯度能经过 compose_kernels 传到 K1 和 K2，并且正确"},
    "pool2d equals max or average pooling, stride 1, no padding": {"zh": "pool2d 等于步幅为 1、无填充的最大或平均汇聚"},
    "pool2d leaves X unchanged": {"zh": "pool2d 不修改 X"},
    "gradients flow through pool2d to X and are right (distinct values)":
        {"zh": "梯度能经过 pool2d 传到 X，并且正确（元素互不相同）"},
    "where maxima tie, pool2d passes on each window's gradient exactly once":
        {"zh": "最大值并列时，pool2d 把每个窗口的梯度恰好传一次"},
    "pool2d_multi pools every channel as PyTorch's pooling layers do": {"zh": "pool2d_multi 像 PyTorch 的汇聚层一样汇聚每个通道"},
    "pool2d_multi leaves X unchanged": {"zh": "pool2d_multi 不修改 X"},
    "gradients flow through pool2d_multi to X and are right (distinct values)":
        {"zh": "梯度能经过 pool2d_multi 传到 X，并且正确（元素互不相同）"},
    "corr2d(X, avg_pool_kernel(pool_size)) equals average pooling, stride 1":
        {"zh": "corr2d(X, avg_pool_kernel(pool_size)) 等于步幅为 1 的平均汇聚"},
    "conv2d_cost counts the forward pass's multiplications, as a Python int":
        {"zh": "conv2d_cost 以 Python 整数给出前向传播的乘法次数"},
}
