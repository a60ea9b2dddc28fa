"""Correct, written differently: a UNet built level by level with explicit indices, a pooling
module, padding by copying into a zero tensor, and torch.concat."""

LOSES: list[str] = []
CELLS = {
    "UNet": """
class UNet(nn.Module):
    def __init__(self, in_ch=3, num_classes=4, base=8, depth=2):
        super().__init__()
        self.depth = depth
        self.pool = nn.MaxPool2d(2)  # no parameters: the state_dict is unchanged
        self.encoders = nn.ModuleList()
        channels = in_ch
        for level in range(depth):
            self.encoders.append(double_conv(channels, base * 2**level))
            channels = base * 2**level
        self.bottleneck = double_conv(channels, base * 2**depth)
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for level in range(depth - 1, -1, -1):
            width = base * 2**level
            self.ups.append(nn.ConvTranspose2d(2 * width, width, kernel_size=2, stride=2))
            self.decoders.append(double_conv(2 * width, width))
        self.head = nn.Conv2d(base, num_classes, kernel_size=1)

    def forward(self, x):
        features = []
        for level in range(self.depth):
            x = self.encoders[level](x)
            features.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for j in range(self.depth):
            skip = features[self.depth - 1 - j]
            up = self.ups[j](x)
            if up.shape[-2:] != skip.shape[-2:]:
                padded = up.new_zeros(up.shape[0], up.shape[1], *skip.shape[-2:])
                padded[:, :, : up.shape[-2], : up.shape[-1]] = up
                up = padded
            x = self.decoders[j](torch.concat((skip, up), dim=1))
        return self.head(x)
""",
}
