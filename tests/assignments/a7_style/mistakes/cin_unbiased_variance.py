"""Mistake: torch's default unbiased variance (divides by H*W - 1)."""

NAMES = "unbiased variance"
LOSES = ["test_ConditionalInstanceNorm2d"]
CELLS = {
    "ConditionalInstanceNorm2d": """
class ConditionalInstanceNorm2d(nn.Module):
    def __init__(self, num_features, num_styles, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(num_styles, num_features))
        self.beta = nn.Parameter(torch.zeros(num_styles, num_features))

    def forward(self, x, style):
        mean = x.mean(dim=(2, 3), keepdim=True)
        normal = (x - mean) / torch.sqrt(x.var(dim=(2, 3), keepdim=True) + self.eps)
        if style.dim() == 1:
            gamma, beta = self.gamma[style], self.beta[style]
        else:
            gamma, beta = style.to(x.dtype) @ self.gamma, style.to(x.dtype) @ self.beta
        return gamma[:, :, None, None] * normal + beta[:, :, None, None]
"""
}
