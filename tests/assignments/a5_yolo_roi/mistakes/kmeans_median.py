"""kmeans_anchors: each anchor moved to the median of its members, not their mean."""

NAMES = "the median of the members instead of their mean"
LOSES = [
    "test_kmeans_anchors_small",
    "test_kmeans_anchors_shapes",
]
CELLS = {
    "kmeans_anchors": """
def kmeans_anchors(wh, k, iters=100, seed=0):
    '''Anchor shapes by k-means on box sizes with the distance 1 - IoU (YOLOv2).

    Args:
        wh (Tensor[M, 2]): widths and heights of boxes, M >= k.
        k (int): number of anchors.
        iters (int): at most this many rounds of (assign, update).
        seed (int): seeds the choice of the k starting boxes.

    Returns:
        Tensor[k, 2]: the anchors (width, height), sorted by area, dtype of ``wh``.
    '''
    generator = torch.Generator().manual_seed(seed)
    anchors = wh[torch.randperm(len(wh), generator=generator)[:k]].clone()
    assignment = None
    for _ in range(iters):
        inter = torch.minimum(wh[:, None, :], anchors[None, :, :]).prod(-1)  # [M, k]
        iou = inter / (wh.prod(-1)[:, None] + anchors.prod(-1)[None, :] - inter)
        new_assignment = iou.argmax(dim=1)  # the highest IoU is the smallest 1 - IoU
        if assignment is not None and torch.equal(new_assignment, assignment):
            break
        assignment = new_assignment
        for c in range(k):
            members = wh[assignment == c]
            if len(members):  # an empty cluster keeps its anchor
                anchors[c] = members.median(dim=0).values
    return anchors[torch.argsort(anchors.prod(-1), stable=True)]
""",
}
