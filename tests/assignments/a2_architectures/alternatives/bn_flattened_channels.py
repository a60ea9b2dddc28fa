"""Alternative: batchnorm2d_forward on the [C, N*H*W] matrix of each channel's values with
torch.var_mean (both corrections), and the counting functions with math.prod."""

LOSES: list[str] = []
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    c = x.shape[1]
    values = x.transpose(0, 1).reshape(c, -1)  # [C, N*H*W]: a row per channel
    if training:
        var, mean = torch.var_mean(values, dim=1, correction=0)
        unbiased = torch.var(values, dim=1, correction=1)
        new_mean = torch.lerp(running_mean, mean, momentum)
        new_var = torch.lerp(running_var, unbiased, momentum)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean.clone(), running_var.clone()
    scale = gamma / torch.sqrt(var + eps)  # fold the normalisation into one scale and shift
    shift = beta - mean * scale
    return x * scale[None, :, None, None] + shift[None, :, None, None], new_mean, new_var
""",
    "count_conv_params": """
import math


def count_conv_params(cin, cout, k, groups=1, bias=True):
    shape = (cout, cin // groups, k, k)  # the weight tensor of nn.Conv2d
    return math.prod(shape) + int(bias) * cout
""",
    "count_dws_params": """
def count_dws_params(cin, cout, k):
    return cin * (k * k + cout)
""",
    "conv_macs": """
import math


def conv_macs(ho, wo, cin, cout, k, groups=1):
    per_output = (cin // groups) * k * k  # one MAC per weight of a filter
    return math.prod((ho, wo, cout)) * per_output
""",
}
