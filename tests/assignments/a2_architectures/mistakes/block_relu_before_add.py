"""Mistake: ReLU before the add: y = ReLU(F(x)) + shortcut(x), so the block's output can be negative
and the residual branch can only add. With bn2's gamma = 0 the block is shortcut(x), not
ReLU(shortcut(x)), so the shortcut cell fails too (both cells are ResidualBlock's)."""

NAMES = "ReLU before the add"
LOSES = ["test_ResidualBlock_shortcut", "test_ResidualBlock_forward"]
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
        self.shortcut = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = torch.relu(self.bn2(self.conv2(out)))  # the mistake: ReLU before the add
        return out + self.shortcut(x)
""",
}
