# %%
"""Reference solution for the `conv-layer` assignment (D2L, "Image Convolution").

Each `# %%` block is one notebook cell / one exercise.  Solution bodies sit between
`# BEGIN SOLUTION` and `# END SOLUTION`: `grader template conv-layer` writes student_template/
from this file, with each region replaced by `raise NotImplementedError`.
"""
import math

import torch
from torch import nn


def corr2d(X, K):
    """2-D cross-correlation in "valid" mode: output (n_h-k_h+1, n_w-k_w+1).

    Tensor.unfold gives a view of every k_h x k_w window, shape
    (out_h, out_w, k_h, k_w); multiplying by K and summing each window is
    differentiable w.r.t. both X and K and keeps the input dtype.
    """
    # BEGIN SOLUTION
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)
    return (windows * K).sum(dim=(-2, -1))
    # END SOLUTION


# %%
class Conv2D(nn.Module):
    """2-D convolutional layer: corr2d with a learnable kernel plus a scalar bias."""

    def __init__(self, kernel_size):
        super().__init__()
        # BEGIN SOLUTION
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        return corr2d(x, self.weight) + self.bias
        # END SOLUTION


# %%
def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    """Learn K with Y ~ corr2d(X, K) by plain gradient descent on the squared error.

    Returns (kernel, losses); losses[i] is the loss *before* the i-th step.
    """
    # BEGIN SOLUTION
    W = init.detach().clone().requires_grad_(True)  # never touch the caller's init
    losses = []
    for _ in range(num_epochs):
        loss = ((corr2d(X, W) - Y) ** 2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            W.grad.zero_()
    return W.detach(), losses
    # END SOLUTION


# %%
def conv2d_strict(X, K):
    """Strict convolution (valid mode): cross-correlation with K flipped on both axes."""
    # BEGIN SOLUTION
    return corr2d(X, torch.flip(K, dims=(0, 1)))
    # END SOLUTION


# %%
def corr2d_matmul(X, K):
    """Cross-correlation as ONE matrix product: (patches, k_h*k_w) @ flattened K."""
    # BEGIN SOLUTION
    h, w = K.shape
    out_h, out_w = X.shape[0] - h + 1, X.shape[1] - w + 1
    patches = X.unfold(0, h, 1).unfold(1, w, 1).reshape(out_h * out_w, h * w)
    return (patches @ K.reshape(-1)).reshape(out_h, out_w)
    # END SOLUTION


# %%
def kernel_matrix(K, input_shape):
    """Matrix W with W @ X.reshape(-1) == corr2d(X, K).reshape(-1) for X of input_shape.

    Row (i, j) of W is an all-zero image with K placed at offset (i, j), flattened.
    """
    # BEGIN SOLUTION
    h, w = K.shape
    n_h, n_w = input_shape
    rows = [
        nn.functional.pad(K, (j, n_w - w - j, i, n_h - h - i)).reshape(-1)
        for i in range(n_h - h + 1)
        for j in range(n_w - w + 1)
    ]
    return torch.stack(rows)
    # END SOLUTION


# %%
def second_derivative_kernel():
    """f(x-1) - 2 f(x) + f(x+1) = f''(x) on unit-spaced samples."""
    # BEGIN SOLUTION
    return torch.tensor([[1.0, -2.0, 1.0]])
    # END SOLUTION


# %%
def laplacian_kernel():
    """5-point Laplacian: d2/dx2 + d2/dy2 on a unit grid."""
    # BEGIN SOLUTION
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    # END SOLUTION


# %%
def derivative_kernel(d):
    """Smallest kernel (1, d+1) for the d-th derivative: the d-th forward difference.

    Coefficients (-1)**(d-i) * C(d, i); exact on polynomials of degree <= d.
    """
    # BEGIN SOLUTION
    return torch.tensor([[float((-1) ** (d - i) * math.comb(d, i)) for i in range(d + 1)]])
    # END SOLUTION


# %%
def integral_kernel(n):
    """Sum of n consecutive samples: a (1, n) kernel of ones."""
    # BEGIN SOLUTION
    return torch.ones((1, n))
    # END SOLUTION
