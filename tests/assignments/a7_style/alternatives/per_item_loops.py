"""Correct, written differently: Gram one image at a time, the content loss by torch.mean of a
product, the style loss as a generator sum, stylize with a closure, CIN by plain indexing."""

LOSES: list[str] = []
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    c, h, w = f.shape[1:]
    out = []
    for item in f:
        m = item.reshape(c, h * w)
        out.append(m @ m.T)
    gram = torch.stack(out)
    if normalize:
        gram = gram / float(c * h * w)
    return gram
""",
    "content_loss": """
def content_loss(fx, fc):
    d = fx - fc.detach()
    return torch.mean(d * d)
""",
    "style_loss": """
def style_loss(fxs, grams, weights):
    return sum(weight * ((gram_matrix(f) - target.detach()) ** 2).mean()
               for f, target, weight in zip(fxs, grams, weights))
""",
    "stylize": """
def stylize(content, style, extractor, steps, alpha, beta, lr=0.05):
    with torch.no_grad():
        fc = extractor(content)
        fs = extractor(style)
    content_targets = {k: fc[k] for k in extractor.content_layers}
    grams = {k: gram_matrix(fs[k]) for k in extractor.style_weights}
    x = content.clone()
    x.requires_grad_()
    optimizer = torch.optim.Adam([x], lr=lr)

    def closure():
        optimizer.zero_grad()
        f = extractor(x)
        c = 0
        for k, t in content_targets.items():
            c = c + content_loss(f[k], t)
        s = style_loss([f[k] for k in grams], [grams[k] for k in grams],
                       [extractor.style_weights[k] for k in grams])
        loss = alpha * c + beta * s
        loss.backward()
        return loss

    for _ in range(steps):
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(min=0, max=1)
    return x.detach()
""",
    "ConditionalInstanceNorm2d": """
class ConditionalInstanceNorm2d(nn.Module):
    def __init__(self, num_features, num_styles, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(num_styles, num_features))
        self.beta = nn.Parameter(torch.zeros(num_styles, num_features))

    def forward(self, x, style):
        centred = x - x.mean(dim=(-2, -1), keepdim=True)
        normal = centred / torch.sqrt(centred.pow(2).mean(dim=(-2, -1), keepdim=True) + self.eps)
        if style.ndim == 2:
            w = style.to(self.gamma.dtype)
            gamma, beta = w @ self.gamma, w @ self.beta
        else:
            gamma, beta = self.gamma[style.long()], self.beta[style.long()]
        return normal * gamma[..., None, None] + beta[..., None, None]
""",
}
