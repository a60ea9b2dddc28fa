"""Correct, written differently: one-hot with scatter_, Dice with einsum on the student's own
one_hot_mask, the Dice gradient expanded, focal with logsigmoid, the formula rearranged."""

LOSES: list[str] = []
CELLS = {
    "transposed_output_size": """
def transposed_output_size(size, k, s=1, p=0, output_padding=0, d=1):
    span = d * (k - 1) + 1  # the dilated kernel's extent
    return s * (size - 1) + span - 2 * p + output_padding
""",
    "one_hot_mask": """
def one_hot_mask(labels, K):
    n, h, w = labels.shape
    out = torch.zeros(n, K, h, w, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1.0)
""",
    "dice_loss": """
def dice_loss(logits, target, eps=1e-6):
    p = torch.softmax(logits, 1)
    g = one_hot_mask(target, logits.shape[1]).type(p.dtype)
    inter = torch.einsum("nkhw,nkhw->nk", p, g)
    squares = torch.einsum("nkhw,nkhw->nk", p, p) + torch.einsum("nkhw,nkhw->nk", g, g)
    return 1.0 - torch.mean((2.0 * inter + eps) / (squares + eps))
""",
    "dice_grad": """
def dice_grad(p, g):
    g = g.type(p.dtype)
    s = p.pow(2).sum() + g.pow(2).sum()
    i = torch.dot(p, g)
    return 2 * g / s - 4 * p * i / s**2
""",
    "focal_loss": """
def focal_loss(logits, targets, alpha=0.25, gamma=2.0, reduction="mean"):
    log_p, log_not_p = F.logsigmoid(logits), F.logsigmoid(-logits)
    log_p_t = targets * log_p + (1 - targets) * log_not_p
    loss = -log_p_t * (1 - log_p_t.exp()) ** gamma
    if alpha >= 0:
        loss = loss * torch.where(targets > 0.5, alpha, 1 - alpha).to(loss.dtype)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
""",
}
