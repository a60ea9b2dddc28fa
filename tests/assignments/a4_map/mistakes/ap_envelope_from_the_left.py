"""Mistake: the envelope is a running maximum from the top of the ranking (cummax without the
flips), so once a precision of 1 is reached it stays 1."""

NAMES = "envelope taken over the earlier ranks"
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
    envelope = precision.cummax(0).values  # the mistake: max over the earlier ranks
    if method == "all":
        steps = torch.diff(recall, prepend=recall.new_zeros(1))
        return float((steps * envelope).sum())
    levels = torch.from_numpy(np.linspace(0, 1, 11 if method == "voc11" else 101))
    first = torch.searchsorted(recall, levels, side="left")
    return float(torch.cat([envelope, envelope.new_zeros(1)])[first].mean())
"""
}
