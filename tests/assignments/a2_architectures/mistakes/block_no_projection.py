"""Mistake: no projection shortcut: x is always added as it is, which fails as soon as the block
changes the number of channels or the resolution."""

NAMES = "no projection shortcut"
LOSES = ["test_ResidualBlock_shapes", "test_ResidualBlock_shortcut", "test_ResidualBlock_forward"]
CELLS = {
    "ResidualBlock": """
import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Identity()  # the mistake: also when the shape changes

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))
""",
}
