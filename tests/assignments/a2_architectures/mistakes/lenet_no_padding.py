"""Mistake: LeNet-5 without the padding P = 2: the maps shrink to 24 and 8 (then 4 after pooling),
so the first linear layer reads 50 x 4 x 4 = 800 values; the output shape is still [N, 10]."""

NAMES = "no padding"
LOSES = ["test_LeNet5_params"]
CELLS = {
    "LeNet5": """
import torch
from torch import nn


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),  # the mistake: no padding=2
            nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10)
        )

    def forward(self, x):
        return self.classifier(self.features(x))
""",
}
