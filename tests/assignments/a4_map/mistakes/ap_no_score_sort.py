"""Mistake: the detections are taken in the order given, not ranked by decreasing score. The
chapter's examples come sorted already; the same five predictions shuffled do not."""

NAMES = "no sort by score"
LOSES = ["test_average_precision_rules", "test_average_precision_random"]
CELLS = {
    "average_precision": """
def average_precision(scores, is_tp, num_gt, method="all"):
    if len(scores) == 0:
        return 0.0
    tp = is_tp.to(torch.float64).cumsum(0)  # the mistake: no ranking by score
    precision = tp / torch.arange(1, len(tp) + 1, dtype=torch.float64)
    recall = tp / num_gt
    envelope = precision.flip(0).cummax(0).values.flip(0)
    if method == "all":
        steps = torch.diff(recall, prepend=recall.new_zeros(1))
        return float((steps * envelope).sum())
    levels = torch.from_numpy(np.linspace(0, 1, 11 if method == "voc11" else 101))
    first = torch.searchsorted(recall, levels, side="left")
    return float(torch.cat([envelope, envelope.new_zeros(1)])[first].mean())
"""
}
