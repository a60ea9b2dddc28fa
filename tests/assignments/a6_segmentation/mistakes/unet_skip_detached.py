"""Mistake: the skip is detached, so no gradient reaches the encoders through it (the forward
pass is right)."""

NAMES = "the skip is detached"
LOSES = ["test_UNet_overfit"]
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
        self.decoders = nn.ModuleList(double_conv(2 * widths[i], widths[i]) for i in levels)
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x):
        skips = []
        for encoder in self.encoders:
            x = encoder(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, decoder, skip in zip(self.ups, self.decoders, reversed(skips)):
            x = up(x)
            x = F.pad(x, (0, skip.shape[-1] - x.shape[-1], 0, skip.shape[-2] - x.shape[-2]))
            x = decoder(torch.cat([skip.detach(), x], dim=1))
        return self.head(x)
"""
}
