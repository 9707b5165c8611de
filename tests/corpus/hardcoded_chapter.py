"""Wrong: returns the chapter's printed example outputs whatever the input.

Only laplacian_kernel survives: the chapter's 5-point stencil is a right answer.
"""
import torch
from torch import nn


def corr2d(X, K):
    return torch.tensor([[19.0, 25.0], [37.0, 43.0]])


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        # the edge-detection output of the chapter
        return torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    return torch.tensor([[1.0016, -0.9765]]), [4.966, 0.960, 0.213, 0.057, 0.018]


def conv2d_strict(X, K):
    return torch.tensor([[5.0, 11.0], [23.0, 29.0]])


def corr2d_matmul(X, K):
    return torch.tensor([[4.0]])


def kernel_matrix(K, input_shape):
    return torch.tensor([[0.0, 1.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0],
                         [0.0, 0.0, 1.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0],
                         [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 3.0, 0.0],
                         [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 3.0]])


def second_derivative_kernel():
    return torch.tensor([[-1.0, 2.0, -1.0]])


def laplacian_kernel():
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def derivative_kernel(d):
    return torch.tensor([[1.0, -1.0]])


def integral_kernel(n):
    return torch.tensor([[1.0, 1.0, 1.0]])
