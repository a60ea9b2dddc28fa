"""Mistake: VOC's 11-point AP over np.arange(0, 1, 0.1), which stops at 0.9: ten levels, the
level r = 1 is missing."""

NAMES = "10 recall levels (0 to 0.9) instead of 11"
LOSES = [
    "test_average_precision_worked",
    "test_average_precision_rules",
    "test_average_precision_random",
]
CELLS = {
    "average_precision": """
def average_precision(scores, is_tp, num_gt, method="all"):
    if len(scores) == 0:
        return 0.0
    order = torch.sort(scores, descending=True, stable=True).indices
    tp = is_tp[order].to(torch.float64).cumsum(0)
    precision = tp / torch.arange(1, len(tp) + 1, dtype=torch.float64)
    recall = tp / num_gt
    envelope = precision.flip(0).cummax(0).values.flip(0)
    if method == "all":
        steps = torch.diff(recall, prepend=recall.new_zeros(1))
        return float((steps * envelope).sum())
    if method == "voc11":
        levels = torch.from_numpy(np.arange(0, 1, 0.1))  # the mistake: 0, 0.1, ..., 0.9
    else:
        levels = torch.from_numpy(np.linspace(0, 1, 101))
    first = torch.searchsorted(recall, levels, side="left")
    return float(torch.cat([envelope, envelope.new_zeros(1)])[first].mean())
"""
}
