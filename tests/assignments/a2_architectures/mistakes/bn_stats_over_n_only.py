"""Mistake: the statistics are taken over the batch dimension only (one mean per channel and
pixel), not over (N, H, W) per channel; the running statistics come out [C, H, W]."""

NAMES = "statistics over N only"
LOSES = ["test_batchnorm2d_forward_train", "test_batchnorm2d_forward_running"]
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    shape = (1, -1, 1, 1)
    if training:
        mean = x.mean(dim=0)  # the mistake: [C, H, W], over N only
        var = x.var(dim=0, unbiased=False)
        y = gamma[:, None, None] * (x - mean) / torch.sqrt(var + eps) + beta[:, None, None]
        new_mean = (1 - momentum) * running_mean[:, None, None] + momentum * mean
        unbiased = x.var(dim=0, unbiased=True)
        new_var = (1 - momentum) * running_var[:, None, None] + momentum * unbiased
        return y, new_mean, new_var
    x_hat = (x - running_mean.view(shape)) / torch.sqrt(running_var.view(shape) + eps)
    return gamma.view(shape) * x_hat + beta.view(shape), running_mean.clone(), running_var.clone()
""",
}
