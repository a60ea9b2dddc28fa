"""Mistake (delegation): the normalisation is F.instance_norm, which the rules forbid."""

NAMES = "instance_norm"
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
        normal = F.instance_norm(x, eps=self.eps)
        if style.dim() == 1:
            gamma, beta = self.gamma[style], self.beta[style]
        else:
            gamma, beta = style.to(x.dtype) @ self.gamma, style.to(x.dtype) @ self.beta
        return gamma[:, :, None, None] * normal + beta[:, :, None, None]
"""
}
