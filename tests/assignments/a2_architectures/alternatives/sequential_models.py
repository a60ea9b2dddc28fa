"""Alternative: LeNet5 as an nn.Sequential subclass, its layers listed in one go;
ResidualBlock with nn.ReLU modules and an empty nn.Sequential() as the identity shortcut."""

LOSES: list[str] = []
CELLS = {
    "LeNet5": """
from torch import nn


class LeNet5(nn.Sequential):
    def __init__(self):
        super().__init__(
            nn.Conv2d(1, 20, kernel_size=5, stride=1, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Conv2d(20, 50, kernel_size=5, stride=1, padding=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(50 * 7 * 7, 500),
            nn.ReLU(inplace=True),
            nn.Linear(500, 10),
        )
""",
    "ResidualBlock": """
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()  # empty: the identity
        if (cin, stride) != (cout, 1):
            self.shortcut.append(nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False))
            self.shortcut.append(nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = self.shortcut(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)
""",
}
