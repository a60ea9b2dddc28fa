"""Correct, written differently: a recursive U-Net forward, one-hot by F.one_hot + movedim,
focal with torch.where and the stable BCE, the output size from the convolution it inverts."""

LOSES: list[str] = []
CELLS = {
    "transposed_output_size": """
def transposed_output_size(size, k, s=1, p=0, output_padding=0, d=1):
    # The smallest o that a convolution (k, s, p, d) maps back to size, plus output_padding.
    return s * (size - 1) + d * (k - 1) + 1 - 2 * p + output_padding
""",
    "one_hot_mask": """
def one_hot_mask(labels, K):
    return F.one_hot(labels, num_classes=K).movedim(-1, 1).to(torch.float32)
""",
    "focal_loss": """
def focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    bce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p = logits.sigmoid()
    one_minus_p_t = torch.where(targets == 1, 1 - p, p)
    loss = bce * one_minus_p_t.pow(gamma)
    if alpha >= 0:
        loss = torch.where(targets == 1, alpha * loss, (1 - alpha) * loss)
    return {"none": lambda: loss, "mean": loss.mean, "sum": loss.sum}[reduction]()
""",
    "UNet": """
class UNet(nn.Module):
    def __init__(self, in_ch=3, num_classes=4, base=8, depth=2):
        super().__init__()
        w = [base << i for i in range(depth + 1)]
        first = [double_conv(in_ch, w[0])]
        rest = [double_conv(w[i - 1], w[i]) for i in range(1, depth)]
        self.encoders = nn.ModuleList(first + rest)
        self.bottleneck = double_conv(w[depth - 1], w[depth])
        back = range(depth - 1, -1, -1)
        self.ups = nn.ModuleList([nn.ConvTranspose2d(w[i + 1], w[i], 2, 2) for i in back])
        self.decoders = nn.ModuleList([double_conv(2 * w[i], w[i]) for i in back])
        self.head = nn.Conv2d(w[0], num_classes, 1)

    def _level(self, x, i):
        if i == len(self.encoders):
            return self.bottleneck(x)
        skip = self.encoders[i](x)
        deeper = self._level(F.max_pool2d(skip, 2), i + 1)
        j = len(self.encoders) - 1 - i  # ups and decoders run deep to shallow
        up = self.ups[j](deeper)
        dh, dw = skip.shape[2] - up.shape[2], skip.shape[3] - up.shape[3]
        return self.decoders[j](torch.cat([skip, F.pad(up, [0, dw, 0, dh])], 1))

    def forward(self, x):
        return self.head(self._level(x, 0))
""",
}
