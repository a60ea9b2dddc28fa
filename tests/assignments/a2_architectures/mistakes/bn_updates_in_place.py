"""Mistake: the running statistics are updated in place (running_mean.mul_(...).add_(...)), as
nn.BatchNorm2d does with its buffers; the values are right but the caller's tensors change."""

NAMES = "must not modify"
LOSES = ["test_batchnorm2d_forward_rules"]
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
        running_mean.mul_(1 - momentum).add_(momentum * mean)  # the mistake: in place
        running_var.mul_(1 - momentum).add_(momentum * var * m / (m - 1))
        x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    else:
        x_hat = (x - running_mean.view(shape)) / torch.sqrt(running_var.view(shape) + eps)
    return gamma.view(shape) * x_hat + beta.view(shape), running_mean.clone(), running_var.clone()
""",
}
