"""Correct, written differently: Gram by einsum, losses with F.mse_loss, stylize with a dict of
targets, CIN with ids turned into one-hot weights and the variance from torch.var_mean."""

LOSES: list[str] = []
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    gram = torch.einsum("nchw,ndhw->ncd", f, f)
    return gram / f[0].numel() if normalize else gram
""",
    "content_loss": """
def content_loss(fx, fc):
    return F.mse_loss(fx, fc.detach())
""",
    "style_loss": """
def style_loss(fxs, grams, weights):
    terms = [w * F.mse_loss(gram_matrix(f), g.detach().expand(f.shape[0], -1, -1))
             for f, g, w in zip(fxs, grams, weights)]
    return torch.stack(terms).sum()
""",
    "stylize": """
def stylize(content, style, extractor, steps, alpha, beta, lr=0.05):
    with torch.no_grad():
        targets = {k: v for k, v in extractor(content).items() if k in extractor.content_layers}
        style_grams = {
            k: gram_matrix(v) for k, v in extractor(style).items() if k in extractor.style_weights
        }
    image = content.detach().clone()
    image.requires_grad = True
    optimizer = torch.optim.Adam([image], lr=lr)
    for step in range(steps):
        feats = extractor(image)
        loss_c = sum(content_loss(feats[k], targets[k]) for k in targets)
        loss_s = style_loss([feats[k] for k in style_grams], list(style_grams.values()),
                            [extractor.style_weights[k] for k in style_grams])
        loss = alpha * loss_c + beta * loss_s
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            image.data = image.data.clamp(0.0, 1.0)
    return image.detach()
""",
    "ConditionalInstanceNorm2d": """
class ConditionalInstanceNorm2d(nn.Module):
    def __init__(self, num_features, num_styles, eps=1e-5):
        super().__init__()
        self.num_styles, self.eps = num_styles, eps
        self.gamma = nn.Parameter(torch.ones(num_styles, num_features))
        self.beta = nn.Parameter(torch.zeros(num_styles, num_features))

    def forward(self, x, style):
        var, mean = torch.var_mean(x, dim=(2, 3), unbiased=False, keepdim=True)
        if style.dim() == 1:
            style = F.one_hot(style, self.num_styles)
        w = style.to(x.dtype)
        scale = (w @ self.gamma).unsqueeze(-1).unsqueeze(-1)
        shift = (w @ self.beta).unsqueeze(-1).unsqueeze(-1)
        return (x - mean) * torch.rsqrt(var + self.eps) * scale + shift
""",
}
