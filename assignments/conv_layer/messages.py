"""Every sentence the conv-layer checks produce, in English and Chinese (see ``grader.messages``).

``MESSAGES`` holds the library's sentences (``grader.tensorcheck.catalogue``; ``DIAGNOSES`` too) and the
checks' own messages by key (the ``key=`` of each ``Mismatch``), the phrases passed as
arguments (``what.*``), each exercise's description, which follows the chapter's own
wording (《动手学深度学习》“图像卷积”一节), and what ``grader template`` writes into the student
template: each exercise's statement (``exercise.<name>.statement``, its docstring there) and the rules
listed in its introduction (``template.rule.*``, in order).  ``DIAGNOSES`` turns a mistake code into one plain sentence and
a hint that points at the mistake without giving the answer away.  ``TITLES`` translates check titles.

This file ships to students: nothing in it may reveal an answer the chapter does not already give.
"""

from __future__ import annotations

from grader.tensorcheck import catalogue

MESSAGES: dict[str, dict[str, str]] = {
    **catalogue.MESSAGES,
    # ---- conv-layer's own comparisons (the rest are the library's: grader.tensorcheck.catalogue)
    "tensor_wrong": {"en": "{what} is wrong.", "zh": "{what} 不对。"},
    # ---- phrases used as arguments
    "what.gradient_of": {"en": "the gradient of {name}", "zh": "{name} 的梯度"},
    "what.learned_kernel": {"en": "the learned kernel", "zh": "学到的卷积核"},
    "what.corr_with": {"en": "the cross-correlation of the samples with {kernel}",
                       "zh": "采样与 {kernel} 的互相关结果"},
    # ---- corr2d gradients
    "cut_off": {"en": "{name}'s result is cut off from autograd: it has no grad_fn, so no gradient reaches X or K.",
                "zh": "{name} 的结果与自动求导断开了：它没有 grad_fn，梯度传不到 X 和 K。"},
    # ---- Conv2D
    "not_module": {"en": "Conv2D(kernel_size) is not an nn.Module.", "zh": "Conv2D(kernel_size) 不是 nn.Module。"},
    "missing_attribute": {"en": "Conv2D has no attribute {name}.", "zh": "Conv2D 没有属性 {name}。"},
    "not_parameter": {"en": "Conv2D.{name} is not an nn.Parameter.", "zh": "Conv2D.{name} 不是 nn.Parameter。"},
    "parameter_shape": {"en": "Conv2D.{name} has shape {got} but should have {expected} for kernel_size={kernel_size}.",
                        "zh": "kernel_size={kernel_size} 时，Conv2D.{name} 的形状是 {got}，应该是 {expected}。"},
    "not_registered": {"en": "Conv2D.{name} is not among the layer's parameters().",
                       "zh": "Conv2D.{name} 不在该层的 parameters() 中。"},
    "layer_report_invalid": {"en": "Building Conv2D and running it did not give a description of the layer.",
                             "zh": "构建并运行 Conv2D 后，没有得到对该层的描述。"},
    "layer_cut_off": {"en": "The layer's output is cut off from autograd: weight and bias get no gradient.",
                      "zh": "该层的输出与自动求导断开了：weight 和 bias 得不到梯度。"},
    "layer_no_gradient": {"en": "weight or bias gets no gradient from the layer's output.",
                          "zh": "weight 或 bias 没有从该层的输出得到梯度。"},
    # ---- learn_kernel
    "not_pair": {"en": "learn_kernel must return a pair (kernel, losses).",
                 "zh": "learn_kernel 必须返回一个二元组 (kernel, losses)。"},
    "losses_not_floats": {"en": "losses must be a list of Python floats.",
                          "zh": "losses 必须是由 Python 浮点数组成的列表。"},
    "loss_count": {"en": "There should be {expected} loss values, one per epoch; there are {got}.",
                   "zh": "应当有 {expected} 个损失值（每轮一个），实际有 {got} 个。"},
    "losses_wrong": {"en": "The losses do not follow the gradient-descent trajectory.",
                     "zh": "损失值没有沿着梯度下降的轨迹变化。"},
    "kernel_trajectory": {"en": "The learned kernel does not match plain gradient descent (W -= lr * grad).",
                          "zh": "学到的卷积核与普通梯度下降（W -= lr * grad）的结果不一致。"},
    # ---- corr2d_matmul, kernel_matrix
    "no_matmul": {"en": "corr2d_matmul ran no matrix product.", "zh": "corr2d_matmul 没有执行任何矩阵乘法。"},
    "matrix_transposed": {"en": "{what} is the transpose of the right matrix: it should have {rows} rows (one per "
                                "output) and {cols} columns (one per input entry).",
                          "zh": "{what} 是正确矩阵的转置：它应该有 {rows} 行（每个输出一行）和 {cols} 列（每个输入元素一列）。"},
    # ---- kernels
    "derivative_size": {"en": "{what} has shape {got}; the smallest kernel for derivative number {d} has shape "
                              "{expected}.",
                        "zh": "{what} 的形状是 {got}；得到 {d} 次导数的最小核的形状是 {expected}。"},
    "derivative_wrong": {"en": "Cross-correlating the samples of f(x) = {f} at x = {x0}, {x1}, … with {what} = "
                               "{kernel} should give {derivative} = {value} everywhere.",
                         "zh": "用 {what} = {kernel} 与 f(x) = {f} 在 x = {x0}, {x1}, … 处的采样做互相关，"
                               "应当处处得到 {derivative} = {value}。"},
    "kernel_not_a_line": {"en": "{what} has shape {got}; a kernel for samples on a line has shape (1, width).",
                          "zh": "{what} 的形状是 {got}；作用在一行采样上的核的形状应为 (1, 宽度)。"},
    "laplacian_wrong": {"en": "Cross-correlating the samples of a quadratic f(x, y) with laplacian_kernel() = "
                              "{kernel} should give f_xx + f_yy = {value} everywhere.",
                        "zh": "用 laplacian_kernel() = {kernel} 与二次函数 f(x, y) 的采样做互相关，"
                              "应当处处得到 f_xx + f_yy = {value}。"},
    # ---- what each exercise asks, in the chapter's words
    "exercise.corr2d.description": {
        "en": "In the two-dimensional cross-correlation operation, the convolution window starts at the upper-left "
              "corner of the input tensor and slides across it from left to right and top to bottom; at each "
              "position, the part of the input inside the window and the kernel are multiplied elementwise and "
              "summed to a single scalar. The output size is (n_h − k_h + 1) × (n_w − k_w + 1). corr2d accepts "
              "an input tensor X and a kernel tensor K and returns the output tensor Y.",
        "zh": "在二维互相关运算中，卷积窗口从输入张量的左上角开始，从左到右、从上到下滑动。当卷积窗口滑动到新一个位置时，"
              "包含在该窗口中的部分张量与卷积核张量进行按元素相乘，得到的张量再求和得到一个单一的标量值。"
              "输出大小等于 (n_h − k_h + 1) × (n_w − k_w + 1)。corr2d 函数接受输入张量 X 和卷积核张量 K，"
              "并返回输出张量 Y。"},
    "exercise.Conv2D.description": {
        "en": "A convolutional layer cross-correlates the input and the kernel and adds a scalar bias to produce an "
              "output. In the __init__ constructor, declare weight and bias as the two model parameters; the "
              "forward propagation function calls corr2d and adds the bias.",
        "zh": "卷积层对输入和卷积核权重进行互相关运算，并在添加标量偏置之后产生输出。在 __init__ 构造函数中，"
              "将 weight 和 bias 声明为两个模型参数。前向传播函数调用 corr2d 函数并添加偏置。"},
    "exercise.learn_kernel.description": {
        "en": "Learn the kernel that generated Y from X by looking at the input–output pair only: starting from the "
              "kernel init, in each epoch compare the squared error between Y and the output of the convolution, "
              "then compute the gradient to update the kernel. Return the kernel and the loss of every epoch.",
        "zh": "仅查看“输入-输出”对来学习由 X 生成 Y 的卷积核：从卷积核 init 出发，在每次迭代中，"
              "我们比较 Y 与卷积层输出的平方误差，然后计算梯度来更新卷积核。返回学到的卷积核和每次迭代的损失。"},
    "exercise.conv2d_strict.description": {
        "en": "To obtain the output of the strict convolution operation, we only need to flip the two-dimensional "
              "kernel tensor both horizontally and vertically, and then perform the cross-correlation operation "
              "with the input tensor.",
        "zh": "为了得到正式的卷积运算输出，我们需要执行严格卷积运算，而不是互相关运算。"
              "我们只需水平和垂直翻转二维卷积核张量，然后对输入张量执行互相关运算。"},
    "exercise.corr2d_matmul.description": {
        "en": "How can you represent a cross-correlation operation as a matrix multiplication by changing the input "
              "and kernel tensors? Compute it with one matrix product: the matrix of flattened windows times the "
              "flattened kernel.",
        "zh": "如何通过改变输入张量和卷积核张量，将互相关运算表示为矩阵乘法？用一次矩阵乘法计算："
              "打平的窗口组成的矩阵乘以打平的卷积核。"},
    "exercise.kernel_matrix.description": {
        "en": "The other way to write a cross-correlation as a matrix multiplication: change the kernel tensor into "
              "a matrix W such that W @ X.reshape(-1) equals corr2d(X, K).reshape(-1) for every X of the given "
              "shape.",
        "zh": "将互相关运算表示为矩阵乘法的另一种方式：把卷积核张量改写为矩阵 W，使得对给定形状的任意 X，"
              "W @ X.reshape(-1) 都等于 corr2d(X, K).reshape(-1)。"},
    "exercise.second_derivative_kernel.description": {
        "en": "Design some kernels manually. What is the form of a kernel for the second derivative?",
        "zh": "手工设计一些卷积核。二阶导数的核的形式是什么？"},
    "exercise.laplacian_kernel.description": {
        "en": "In two dimensions: a 3 × 3 kernel that computes the second derivatives of an image (the Laplacian) "
              "on a unit grid.",
        "zh": "在二维情况下，用一个 3 × 3 的卷积核来计算图像的二阶导数（拉普拉斯算子，单位网格）。"},
    "exercise.derivative_kernel.description": {
        "en": "What is the smallest size of a kernel to obtain a derivative of degree d?",
        "zh": "得到 d 次导数的最小核的大小是多少？"},
    "exercise.integral_kernel.description": {
        "en": "What is the form of a kernel for an integral? (n consecutive samples, unit spacing.)",
        "zh": "积分的核的形式是什么？（连续 n 个采样，间距为 1。）"},
    # ---- the student template (grader.student_template): each exercise's statement, its docstring there
    "exercise.corr2d.statement": {
        "en": '2-D cross-correlation ("valid" mode) of X (n_h, n_w) with K (k_h, k_w); must support autograd and '
              "not modify X or K.",
        "zh": "计算二维互相关运算，输出形状为 (n_h-k_h+1, n_w-k_w+1)。"},
    "exercise.Conv2D.statement": {
        "en": "2-D conv layer: `weight` nn.Parameter of shape kernel_size, `bias` nn.Parameter of shape (1,);\n"
              "forward(x) = corr2d(x, weight) + bias.",
        "zh": "二维卷积层：将 weight 和 bias 声明为模型参数，前向传播调用 corr2d 并添加偏置。"},
    "exercise.learn_kernel.statement": {
        "en": "Learn the kernel from (X, Y): start from `init` (no bias); each epoch Y_hat = corr2d(X, W),\n"
              "loss = ((Y_hat - Y)**2).sum(), then W -= lr * grad. Return (kernel, losses): the final kernel\n"
              "(shape of init) and the num_epochs losses (Python floats, each computed before its step). "
              "Do not modify init.",
        "zh": "学习由 X 生成 Y 的卷积核：从 init 开始（无偏置），每次迭代计算平方误差并按梯度更新卷积核。"},
    "exercise.conv2d_strict.statement": {
        "en": 'Strict (flipped-kernel) convolution in "valid" mode: corr2d(X, K flipped on both axes).',
        "zh": "严格卷积运算：水平和垂直翻转卷积核，然后对输入张量执行互相关运算。"},
    "exercise.corr2d_matmul.statement": {
        "en": "Cross-correlation as ONE matrix multiplication: (out_h*out_w, k_h*k_w) matrix of flattened\n"
              "patches @ flattened kernel, reshaped to (out_h, out_w).",
        "zh": "将互相关运算表示为一次矩阵乘法：把输入切成卷积核大小的块并打平，再乘以打平的卷积核。"},
    "exercise.kernel_matrix.statement": {
        "en": "Return W of shape (out_h*out_w, n_h*n_w) such that W @ X.reshape(-1) == corr2d(X, K).reshape(-1)\n"
              "for every X of shape input_shape (a tuple (n_h, n_w)).",
        "zh": "通过改变卷积核张量，将互相关运算表示为矩阵乘法：返回矩阵 W。"},
    "exercise.second_derivative_kernel.statement": {
        "en": "Second-derivative kernel of shape (1, 3): cross-correlating it with unit-spaced samples of f "
              "gives f''.",
        "zh": "二阶导数的核：形状 (1, 3)，与单位间隔的采样值做互相关得到 f''。"},
    "exercise.laplacian_kernel.statement": {
        "en": "(3, 3) kernel giving the Laplacian d2f/dx2 + d2f/dy2 on a unit grid (exact on polynomials of "
              "degree <= 2).",
        "zh": "二维情况下计算图像二阶导数（拉普拉斯算子）的 3x3 卷积核。"},
    "exercise.derivative_kernel.statement": {
        "en": "Smallest kernel, shape (1, d+1), whose cross-correlation with unit-spaced samples gives the d-th\n"
              "derivative (exact on polynomials of degree <= d); d is an integer >= 1.",
        "zh": "得到 d 次导数的最小核，形状 (1, d+1)。"},
    "exercise.integral_kernel.statement": {
        "en": "Integral kernel of shape (1, n): its cross-correlation sums n consecutive samples.",
        "zh": "积分的核：形状 (1, n)，与采样值做互相关得到 n 个相邻采样值之和。"},
    # the template's rules, one per `template.rule.*` key, in this order
    "template.rule.builtins": {
        "en": "`corr2d`, `Conv2D`, `conv2d_strict`, `corr2d_matmul` and `kernel_matrix` must not use a built-in "
              "convolution (`F.conv2d`, `torch.conv2d`, `nn.Conv2d`, ...); slicing, `Tensor.unfold`, `F.unfold`, "
              "`F.pad`, `einsum` and matrix products are fine. `learn_kernel` may use `nn.Conv2d` as the chapter "
              "does.",
        "zh": "`corr2d`、`Conv2D`、`conv2d_strict`、`corr2d_matmul`、`kernel_matrix` 不得使用内置卷积"
              "（`F.conv2d`、`torch.conv2d`、`nn.Conv2d` 等）；切片、`Tensor.unfold`、`F.unfold`、`F.pad`、"
              "`einsum`、矩阵乘法都可以。`learn_kernel` 可以像本节一样使用 `nn.Conv2d`。"},
    "template.rule.libraries": {"en": "You may use `torch`, `numpy` and the standard library.",
                                "zh": "可以使用 `torch`、`numpy` 和 Python 标准库。"},
    "template.rule.kernels": {"en": "Kernels are preferably returned as tensors.", "zh": "卷积核最好以张量返回。"},
}

# code or code@exercise -> {lang: (the mistake in one plain sentence, a hint that does not give the answer away)}
DIAGNOSES: dict[str, dict[str, tuple[str, str]]] = {
    **catalogue.DIAGNOSES,
    "kernel_flipped": {
        "en": ("It computes a convolution, not a cross-correlation: the kernel is applied flipped on both axes.",
               "Redo the chapter's example by hand (0×0 + 1×1 + 3×2 + 4×3 = 19): which element of K multiplies "
               "the top-left element of each window?"),
        "zh": ("它计算的是卷积而不是互相关：卷积核在两个方向上都被翻转了。",
               "手算一遍本节的例子（0×0+1×1+3×2+4×3=19）：每个窗口左上角的元素应该乘以 K 的哪个元素？"),
    },
    "kernel_flipped_one_axis": {
        "en": ("The kernel is applied flipped along one axis.",
               "Check the order in which you index the rows and the columns of K inside each window."),
        "zh": ("卷积核在一个方向上被翻转了。", "检查在每个窗口内按什么顺序索引 K 的行和列。"),
    },
    "kernel_not_flipped": {
        "en": ("It computes the cross-correlation, but a strict convolution is a different operation.",
               "Reread how the chapter turns a cross-correlation into a strict convolution."),
        "zh": ("它计算的是互相关，而严格卷积是另一种运算。", "重读本节中如何由互相关得到严格卷积的那段话。"),
    },
    "axes_transposed": {
        "en": ("Height and width are swapped: the result is transposed, or rows and columns are exchanged.",
               "Dimension 0 is the height (rows), dimension 1 the width (columns): check each index and each "
               "shape in your code against that, on a non-square input."),
        "zh": ("高度和宽度弄反了：结果被转置了，或者行和列被交换了。",
               "第 0 维是高度（行），第 1 维是宽度（列）：用一个非正方形的输入逐一核对代码中的每个下标和形状。"),
    },
    "axes_transposed@kernel_matrix": {
        "en": ("The matrix is the transpose of the right one.",
               "W @ X.reshape(-1) must give one value per output position: how many rows does W need?"),
        "zh": ("这个矩阵是正确矩阵的转置。", "W @ X.reshape(-1) 要为每个输出位置给出一个值：W 需要多少行？"),
    },
    "off_by_one_shape": {
        "en": ("The output is one row or one column too small or too large.",
               "Count by hand the positions where a 2 × 2 kernel fits entirely inside a 3 × 3 input, and compare "
               "with the sizes and ranges in your code."),
        "zh": ("输出多了或少了一行（或一列）。",
               "手工数一数 2 × 2 的卷积核能完整放进 3 × 3 输入的位置有几个，再和代码中的大小与 range 比较。"),
    },
    "autograd_cut_off": {
        "en": ("No gradient flows back to the inputs: the result is cut off from autograd, even if its values are "
               "right.",
               "Look for .item(), .detach(), .data, .numpy() or a torch.tensor(...) built from numbers: each of "
               "these leaves autograd."),
        "zh": ("梯度无法传回输入：结果与自动求导断开了，即使数值是对的。",
               "找找 .item()、.detach()、.data、.numpy() 或用数字新建的 torch.tensor(...)：它们都会脱离自动求导。"),
    },
    "autograd_cut_off@Conv2D": {
        "en": ("The layer's parameters get no gradient, so training would never change them.",
               "Follow how forward computes its output: are self.weight and self.bias both used, with tensor "
               "operations?"),
        "zh": ("该层的参数得不到梯度，所以训练永远不会改变它们。",
               "看看 forward 是怎样算出输出的：self.weight 和 self.bias 是否都用到了，并且用的是张量运算？"),
    },
    "global_read": {
        "en": ("The result does not depend on the kernel passed in: the function reads a global variable instead "
               "of its argument.",
               "Compare the parameter names in the def line with the names the body actually uses."),
        "zh": ("结果与传入的卷积核无关：函数读取的是全局变量，而不是它的参数。",
               "把 def 那一行里的参数名和函数体里实际用到的名字对比一下。"),
    },
    "global_read@Conv2D": {
        "en": ("The layer's output does not change when its weight changes: forward, or the corr2d it calls, reads "
               "a global variable instead of its argument.",
               "Follow self.weight from forward into corr2d: is it the tensor that is actually multiplied?"),
        "zh": ("该层的输出不随权重变化：forward（或它调用的 corr2d）读取的是全局变量，而不是参数。",
               "从 forward 一路跟踪 self.weight 到 corr2d 里：真正参与相乘的是它吗？"),
    },
    "bias_missing": {
        "en": ("The layer's output is corr2d(x, weight) without the bias: forward leaves the bias out.",
               "Read forward line by line: which of the layer's two parameters does it use?"),
        "zh": ("层的输出等于 corr2d(x, weight)，没有加上偏置：前向传播漏掉了偏置。",
               "逐行读一遍 forward：层的两个参数，它各用到了哪一个？"),
    },
    "first_output_only": {
        "en": ("Only the first output entry is computed: the result is right when the output has a single entry and "
               "wrong, or an error, with more.",
               "Look at the indentation of each statement after the loops, return included: which loop is it in?"),
        "zh": ("只算出了第一个输出元素：输出只有一个元素时结果正确，多于一个时结果不对或出错。",
               "看看循环后面每条语句（包括 return）的缩进：它在哪个循环里面？"),
    },
    "not_smallest": {
        "en": ("The kernel gives the derivative, but it is not the smallest one possible.",
               "How many samples does it take to determine a polynomial of degree d?"),
        "zh": ("这个核能得到导数，但不是最小的。", "确定一个 d 次多项式需要多少个采样点？"),
    },
    "no_matmul": {
        "en": ("The values are right, but they are not computed with a matrix product.",
               "The exercise asks for the sliding window rewritten as one matrix multiplication: which matrix holds "
               "the windows?"),
        "zh": ("数值是对的，但不是用矩阵乘法算出来的。", "练习要求把滑动窗口改写成一次矩阵乘法：哪个矩阵装着所有窗口？"),
    },
    "not_module": {
        "en": ("Conv2D is not a PyTorch module.", "Compare how the chapter declares the class and what its __init__ "
                                                  "calls first."),
        "zh": ("Conv2D 不是 PyTorch 模块。", "对照本节是怎样声明这个类的，以及它的 __init__ 首先调用了什么。"),
    },
    "missing_parameter": {
        "en": ("The layer lacks its weight or its bias.",
               "In __init__, declare weight and bias as the layer's two model parameters, as the chapter does."),
        "zh": ("该层缺少 weight 或 bias。", "像本节那样，在 __init__ 中把 weight 和 bias 声明为两个模型参数。"),
    },
    "not_parameter": {
        "en": ("weight or bias is not a model parameter of the layer, so an optimizer would never see it.",
               "How does the chapter declare the two model parameters in __init__?"),
        "zh": ("weight 或 bias 不是该层的模型参数，优化器永远看不到它。", "本节在 __init__ 中是怎样声明两个模型参数的？"),
    },
    "wrong_shape@Conv2D": {
        "en": ("A parameter of the layer has the wrong shape.",
               "The chapter adds a scalar bias; compare the shape of yours with the one the exercise asks for."),
        "zh": ("该层的某个参数形状不对。", "本节添加的是标量偏置；把你的参数形状与练习要求的形状比较一下。"),
    },
    "wrong_trajectory": {
        "en": ("The training does not follow plain gradient descent on the squared error.",
               "Write down one epoch by hand (prediction, loss, gradient, update): does every epoch start from a "
               "fresh gradient, and use exactly lr?"),
        "zh": ("训练过程没有按平方误差做普通的梯度下降。",
               "手写出一轮迭代（预测、损失、梯度、更新）：每一轮是否从新的梯度开始，学习率是否正好是 lr？"),
    },
    "loss_after_step": {
        "en": ("Each loss is recorded one step late: after the kernel was updated, not before.",
               "Which kernel produced the loss you record: the one before or the one after the update?"),
        "zh": ("每个损失值都晚记录了一步：是在更新卷积核之后，而不是之前。",
               "你记录的损失是用哪个卷积核算出来的：更新之前的，还是更新之后的？"),
    },
    "sign_flipped@second_derivative_kernel": {
        "en": ("The kernel gives −f'' instead of f'': every output has the wrong sign.",
               "Apply your kernel by hand to the samples 0, 1, 4 of f(x) = x²: f'' is 2; what do you get?"),
        "zh": ("这个核算出的是 −f'' 而不是 f''：每个输出的符号都反了。",
               "用你的核手算 f(x) = x² 的采样 0, 1, 4：f'' 等于 2，你得到的是多少？"),
    },
    "sign_flipped@laplacian_kernel": {
        "en": ("The kernel gives minus the Laplacian: every output has the wrong sign.",
               "Apply your kernel by hand to the samples of f(x, y) = x² around a point: the Laplacian is 2; what "
               "do you get?"),
        "zh": ("这个核算出的是拉普拉斯算子的相反数：每个输出的符号都反了。",
               "用你的核手算 f(x, y) = x² 在某点周围的采样：拉普拉斯算子等于 2，你得到的是多少？"),
    },
    "scale_error@integral_kernel": {
        "en": ("Every output is the sum of the samples times the same factor, not the sum itself.",
               "Cross-correlate your kernel with samples that are all 1: what should n of them add up to?"),
        "zh": ("每个输出都是采样之和乘以同一个系数，而不是和本身。", "用全是 1 的采样和你的核做互相关：n 个 1 加起来应该是多少？"),
    },
}

# English check title -> {lang: title}
TITLES: dict[str, dict[str, str]] = {
    "corr2d(X, K) equals the cross-correlation of X and K": {"zh": "corr2d(X, K) 等于 X 与 K 的互相关"},
    "gradients flow through corr2d to X and K and are right": {"zh": "梯度能经过 corr2d 传到 X 和 K，并且正确"},
    "corr2d leaves X and K unchanged": {"zh": "corr2d 不修改 X 和 K"},
    "Conv2D has weight and bias parameters of the right shapes": {"zh": "Conv2D 有形状正确的 weight 和 bias 参数"},
    "Conv2D.forward computes corr2d(x, weight) + bias": {"zh": "Conv2D.forward 计算 corr2d(x, weight) + bias"},
    "gradients of Conv2D's weight, bias and input are right": {"zh": "Conv2D 的 weight、bias 和输入的梯度正确"},
    "learn_kernel follows gradient descent on the squared error": {"zh": "learn_kernel 对平方误差做梯度下降"},
    "learn_kernel defaults to lr=3e-2 and 10 epochs": {"zh": "learn_kernel 默认 lr=3e-2、迭代 10 次"},
    "learn_kernel leaves init (and X, Y) unchanged": {"zh": "learn_kernel 不修改 init（以及 X、Y）"},
    "conv2d_strict(X, K) equals the strict convolution (flipped kernel)":
        {"zh": "conv2d_strict(X, K) 等于严格卷积（翻转卷积核）"},
    "gradients flow through conv2d_strict to X and K and are right":
        {"zh": "梯度能经过 conv2d_strict 传到 X 和 K，并且正确"},
    "conv2d_strict leaves X and K unchanged": {"zh": "conv2d_strict 不修改 X 和 K"},
    "corr2d_matmul(X, K) equals the cross-correlation": {"zh": "corr2d_matmul(X, K) 等于互相关"},
    "gradients flow through corr2d_matmul to X and K and are right":
        {"zh": "梯度能经过 corr2d_matmul 传到 X 和 K，并且正确"},
    "corr2d_matmul computes with a matrix product": {"zh": "corr2d_matmul 用矩阵乘法计算"},
    "kernel_matrix(K, shape) @ X.reshape(-1) equals corr2d(X, K).reshape(-1)":
        {"zh": "kernel_matrix(K, shape) @ X.reshape(-1) 等于 corr2d(X, K).reshape(-1)"},
    "the kernel gives f'' exactly for quadratics": {"zh": "对二次函数，该核精确地给出 f''"},
    "the kernel gives the Laplacian exactly for quadratics in x and y":
        {"zh": "对 x、y 的二次函数，该核精确地给出拉普拉斯算子"},
    "derivative_kernel(d) gives the d-th derivative exactly": {"zh": "derivative_kernel(d) 精确地给出 d 次导数"},
    "derivative_kernel(d) is the smallest kernel, shape (1, d+1)":
        {"zh": "derivative_kernel(d) 是最小的核，形状为 (1, d+1)"},
    "integral_kernel(n) sums n consecutive samples": {"zh": "integral_kernel(n) 对连续 n 个采样求和"},
}
