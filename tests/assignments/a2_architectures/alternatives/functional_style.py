"""Alternative: batchnorm2d_forward with explicit sums and keepdim; LeNet5 with functional ReLU
and pooling in forward; ResidualBlock with a None shortcut handled in forward."""

LOSES: list[str] = []
CELLS = {
    "batchnorm2d_forward": """
import torch


def batchnorm2d_forward(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5
):
    if training:
        count = x.shape[0] * x.shape[2] * x.shape[3]
        mean = x.sum(dim=(0, 2, 3), keepdim=True) / count
        squares = ((x - mean) ** 2).sum(dim=(0, 2, 3), keepdim=True)
        var = squares / count
        new_mean = running_mean + momentum * (mean.flatten() - running_mean)
        new_var = running_var + momentum * ((squares / (count - 1)).flatten() - running_var)
    else:
        mean = running_mean.reshape(1, -1, 1, 1)
        var = running_var.reshape(1, -1, 1, 1)
        new_mean, new_var = running_mean.detach().clone(), running_var.detach().clone()
    y = (x - mean) * torch.rsqrt(var + eps) * gamma.reshape(1, -1, 1, 1) + beta.reshape(1, -1, 1, 1)
    return y, new_mean, new_var
""",
    "LeNet5": """
import torch.nn.functional as F
from torch import nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, padding=2)
        self.conv2 = nn.Conv2d(20, 50, 5, padding=2)
        self.fc1 = nn.Linear(2450, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(start_dim=1)))
        return self.fc2(x)
""",
    "ResidualBlock": """
import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        projection = stride > 1 or cin != cout
        self.shortcut = (
            nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
            if projection
            else None
        )

    def forward(self, x):
        residual = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(residual + skip)
""",
}
