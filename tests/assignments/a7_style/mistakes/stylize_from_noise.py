"""Mistake: the optimisation starts from noise instead of a copy of the content image."""

NAMES = "must start from a copy of the content image"
LOSES = ["test_stylize"]
CELLS = {
    "stylize": """
def stylize(content, style, extractor, steps, alpha, beta, lr=0.05):
    names = list(extractor.style_weights)
    weights = [extractor.style_weights[k] for k in names]
    with torch.no_grad():
        fc, fs = extractor(content), extractor(style)
        content_targets = [fc[k] for k in extractor.content_layers]
        style_targets = [gram_matrix(fs[k]) for k in names]
    x = torch.rand_like(content).requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        fx = extractor(x)
        c = sum(content_loss(fx[k], t) for k, t in zip(extractor.content_layers, content_targets))
        s = style_loss([fx[k] for k in names], style_targets, weights)
        (alpha * c + beta * s).backward()
        optimizer.step()
        with torch.no_grad():
            x.clamp_(0, 1)
    return x.detach()
"""
}
