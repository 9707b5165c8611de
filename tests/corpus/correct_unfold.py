"""Correct: im2col with torch.nn.functional.unfold, training with torch.optim.SGD."""
import torch
import torch.nn.functional as F
from torch import nn


def _columns(X, kernel_shape):
    # F.unfold wants (N, C, H, W); result is (k_h*k_w, number of windows)
    return F.unfold(X[None, None], kernel_shape)[0]


def corr2d(X, K):
    h, w = K.shape
    out = K.reshape(1, -1) @ _columns(X, (h, w))
    return out.reshape(X.shape[0] - h + 1, X.shape[1] - w + 1)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, init, lr=3e-2, num_epochs=10):
    W = nn.Parameter(init.clone())
    opt = torch.optim.SGD([W], lr=lr)  # no momentum: exactly W -= lr * grad
    losses = []
    for _ in range(num_epochs):
        opt.zero_grad()
        loss = ((corr2d(X, W) - Y) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return W.detach(), losses


def conv2d_strict(X, K):
    return corr2d(X, K.flip((0, 1)))


def corr2d_matmul(X, K):
    h, w = K.shape
    patches = _columns(X, (h, w)).T  # (windows, k_h*k_w)
    return (patches @ K.reshape(-1)).reshape(X.shape[0] - h + 1, X.shape[1] - w + 1)


def kernel_matrix(K, input_shape):
    # unfold every one-hot basis image: cols[q, :, p] is window p of basis image q,
    # so (K . window p of image q) is exactly W[p, q]
    n = input_shape[0] * input_shape[1]
    basis = torch.eye(n, dtype=K.dtype).reshape(n, 1, *input_shape)
    cols = F.unfold(basis, K.shape)  # (n, k_h*k_w, windows)
    return torch.einsum("k,qkp->pq", K.reshape(-1), cols)


def second_derivative_kernel():
    return torch.tensor([[1.0, -2.0, 1.0]])


def laplacian_kernel():
    return torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def derivative_kernel(d):
    # apply the forward difference g(x+1) - g(x) d times, starting from g = f
    k = torch.ones(1)
    for _ in range(d):
        k = torch.cat([torch.zeros(1), k]) - torch.cat([k, torch.zeros(1)])
    return k.reshape(1, -1)


def integral_kernel(n):
    return torch.ones(1, n)
