"""Mistake: biased and unbiased variance swapped: y is normalised with the unbiased variance and
the running variance is updated with the biased one."""

NAMES = "biased and unbiased variance swapped"
LOSES = ["test_batchnorm2d_forward_train", "test_batchnorm2d_forward_running"]
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    shape = (1, -1, 1, 1)
    if training:
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=True)  # the mistake: unbiased here...
        new_mean = (1 - momentum) * running_mean + momentum * mean
        biased = x.var(dim=(0, 2, 3), unbiased=False)  # ...and biased here
        new_var = (1 - momentum) * running_var + momentum * biased
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    x_hat = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps)
    return gamma.view(shape) * x_hat + beta.view(shape), new_mean, new_var
""",
}
