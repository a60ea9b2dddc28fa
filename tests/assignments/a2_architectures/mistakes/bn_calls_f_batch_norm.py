"""Mistake (delegation): F.batch_norm on copies of the running statistics gives exactly the right
values, but the assignment asks for the computation itself; the grader's scan refuses it, and every
batchnorm2d_forward test cell is lost."""

NAMES = "uses torch.nn.functional.batch_norm"
LOSES = [
    "test_batchnorm2d_forward_train",
    "test_batchnorm2d_forward_running",
    "test_batchnorm2d_forward_eval",
    "test_batchnorm2d_forward_rules",
]
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    import torch.nn.functional as F

    new_mean, new_var = running_mean.clone(), running_var.clone()
    y = F.batch_norm(x, new_mean, new_var, gamma, beta, training, momentum, eps)
    return y, new_mean, new_var
""",
}
