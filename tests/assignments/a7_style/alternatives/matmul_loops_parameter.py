"""Correct, written differently: Gram by matmul on flattened maps, losses written out with pow and
numel, the image as an nn.Parameter, CIN with index_select and einsum."""

LOSES: list[str] = []
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    flat = f.flatten(start_dim=2)
    gram = torch.matmul(flat, flat.permute(0, 2, 1))
    if not normalize:
        return gram
    return gram / (f.shape[1] * f.shape[2] * f.shape[3])
""",
    "content_loss": """
def content_loss(fx, fc):
    difference = fx - fc.detach()
    return difference.pow(2).sum() / difference.numel()
""",
    "style_loss": """
def style_loss(fxs, grams, weights):
    loss = torch.zeros((), dtype=fxs[0].dtype)
    for i in range(len(fxs)):
        mine = gram_matrix(fxs[i])
        target = grams[i].detach()
        loss = loss + weights[i] * torch.mean(torch.square(mine - target))
    return loss
""",
    "stylize": """
def stylize(content, style, extractor, steps, alpha, beta, lr=0.05):
    layers = extractor.content_layers
    style_layers = list(extractor.style_weights.keys())
    with torch.no_grad():
        c_feats = extractor(content)
        s_feats = extractor(style)
    c_targets = [c_feats[name].detach() for name in layers]
    s_targets = [gram_matrix(s_feats[name]).detach() for name in style_layers]
    w = [extractor.style_weights[name] for name in style_layers]
    x = nn.Parameter(content.clone())
    opt = torch.optim.Adam([x], lr=lr)
    step = 0
    while step < steps:
        opt.zero_grad()
        f = extractor(x)
        total = alpha * sum(content_loss(f[n], t) for n, t in zip(layers, c_targets))
        total = total + beta * style_loss([f[n] for n in style_layers], s_targets, w)
        total.backward()
        opt.step()
        with torch.no_grad():
            x.copy_(torch.clamp(x, 0.0, 1.0))
        step += 1
    return x.detach().clone()
""",
    "ConditionalInstanceNorm2d": """
class ConditionalInstanceNorm2d(nn.Module):
    def __init__(self, num_features, num_styles, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(num_styles, num_features))
        self.beta = nn.Parameter(torch.zeros(num_styles, num_features))

    def forward(self, x, style):
        n, c = x.shape[:2]
        flat = x.reshape(n, c, -1)
        mean = flat.mean(-1, keepdim=True)
        var = flat.var(-1, unbiased=False, keepdim=True)
        normal = ((flat - mean) / (var + self.eps).sqrt()).reshape_as(x)
        if style.dim() == 1:
            gamma = torch.index_select(self.gamma, 0, style)
            beta = torch.index_select(self.beta, 0, style)
        else:
            gamma = torch.einsum("ns,sc->nc", style.to(x.dtype), self.gamma)
            beta = torch.einsum("ns,sc->nc", style.to(x.dtype), self.beta)
        return normal * gamma.view(n, c, 1, 1) + beta.view(n, c, 1, 1)
""",
}
