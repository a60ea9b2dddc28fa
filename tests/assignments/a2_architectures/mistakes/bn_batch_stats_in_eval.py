"""Mistake: batch statistics in eval mode: `training` only decides whether the running statistics
are updated, and y is always normalised with the batch's mean and variance."""

NAMES = "batch statistics in eval"
LOSES = ["test_batchnorm2d_forward_eval"]
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    shape = (1, -1, 1, 1)
    m = x.numel() // x.shape[1]
    mean = x.mean(dim=(0, 2, 3))
    var = ((x - mean.view(shape)) ** 2).mean(dim=(0, 2, 3))
    if training:
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * m / (m - 1)
    else:
        new_mean, new_var = running_mean.clone(), running_var.clone()
    x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)  # the mistake: also in eval
    return gamma.view(shape) * x_hat + beta.view(shape), new_mean, new_var
""",
}
