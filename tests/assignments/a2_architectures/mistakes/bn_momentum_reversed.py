"""Mistake: momentum reversed: new = momentum * old + (1 - momentum) * batch (Keras' convention
for its momentum, not PyTorch's)."""

NAMES = "momentum reversed"
LOSES = ["test_batchnorm2d_forward_running"]
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    shape = (1, -1, 1, 1)
    if training:
        m = x.numel() // x.shape[1]
        mean = x.mean(dim=(0, 2, 3))
        var = ((x - mean.view(shape)) ** 2).mean(dim=(0, 2, 3))
        new_mean = momentum * running_mean + (1 - momentum) * mean  # the mistake
        new_var = momentum * running_var + (1 - momentum) * var * m / (m - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return gamma.view(shape) * x_hat + beta.view(shape), new_mean, new_var
""",
}
