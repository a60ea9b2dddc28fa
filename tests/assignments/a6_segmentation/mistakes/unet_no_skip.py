"""Mistake: no skip connections: the decoders see only the upsampled map."""

NAMES = "no skip concatenation"
LOSES = ["test_UNet_shapes", "test_UNet_weights", "test_UNet_odd_sizes", "test_UNet_overfit"]
CELLS = {
    "UNet": """
class UNet(nn.Module):
    def __init__(self, in_ch=3, num_classes=4, base=8, depth=2):
        super().__init__()
        widths = [base * 2**i for i in range(depth + 1)]
        self.encoders = nn.ModuleList(
            double_conv(a, b) for a, b in zip([in_ch] + widths[:-2], widths[:-1])
        )
        self.bottleneck = double_conv(widths[-2], widths[-1])
        levels = list(reversed(range(depth)))
        self.ups = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2) for i in levels
        )
        self.decoders = nn.ModuleList(double_conv(widths[i], widths[i]) for i in levels)
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, decoder in zip(self.ups, self.decoders):
            x = decoder(up(x))
        return self.head(x)
"""
}
