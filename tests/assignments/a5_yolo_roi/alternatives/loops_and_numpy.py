"""Correct, written with plain loops: yolo_encode box by box with its own anchor IoU, yolo_decode
through meshgrid and cat, kmeans_anchors in numpy (the starting boxes still drawn with torch's
randperm, as the notebook says), and yolo_loss with log-sigmoid written out."""

CELLS = {
    "yolo_encode": """
def yolo_encode(boxes, labels, anchors, S, img_size, C):
    stride = img_size / S
    target = torch.zeros(S, S, anchors.shape[0], 5 + C, dtype=boxes.dtype)
    for box, label in zip(boxes.tolist(), labels.tolist()):
        x1, y1, x2, y2 = box
        w, h = x2 - x1, y2 - y1
        x, y = (x1 + x2) / 2 / stride, (y1 + y2) / 2 / stride
        best, best_iou = 0, -1.0
        for a, (pw, ph) in enumerate(anchors.tolist()):
            inter = min(w, pw) * min(h, ph)
            iou = inter / (w * h + pw * ph - inter)
            if iou > best_iou:
                best, best_iou = a, iou
        pw, ph = anchors[best].tolist()
        row, col = int(math.floor(y)), int(math.floor(x))
        entry = [x - col, y - row, math.log(w / pw), math.log(h / ph), 1.0] + [0.0] * C
        entry[5 + label] = 1.0
        target[row, col, best] = torch.tensor(entry, dtype=boxes.dtype)
    return target
""",
    "yolo_decode": """
def yolo_decode(pred, anchors, img_size):
    N, S, _, A, D = pred.shape
    stride = img_size / S
    row, col = torch.meshgrid(torch.arange(S), torch.arange(S), indexing="ij")  # [S, S] each
    col = col[None, :, :, None].to(pred.dtype)
    row = row[None, :, :, None].to(pred.dtype)
    center_x = (pred[..., 0].sigmoid() + col) * stride
    center_y = (pred[..., 1].sigmoid() + row) * stride
    half_w = anchors[:, 0].to(pred.dtype) * pred[..., 2].exp() / 2
    half_h = anchors[:, 1].to(pred.dtype) * pred[..., 3].exp() / 2
    corners = [center_x - half_w, center_y - half_h, center_x + half_w, center_y + half_h]
    boxes = torch.cat([c.unsqueeze(-1) for c in corners], dim=-1).flatten(1, 3)
    scores = pred[..., 4].sigmoid().flatten(1, 3)
    logits = pred[..., 5:]
    exp = (logits - logits.amax(-1, keepdim=True)).exp()
    probs = (exp / exp.sum(-1, keepdim=True)).flatten(1, 3)
    return boxes, scores, probs
""",
    "kmeans_anchors": """
import numpy as np


def kmeans_anchors(wh, k, iters=100, seed=0):
    start = torch.randperm(len(wh), generator=torch.Generator().manual_seed(seed))[:k].numpy()
    points = wh.detach().cpu().numpy()
    centres = points[start].copy()
    labels = None
    for _ in range(iters):
        inter = np.minimum(points[:, None, :], centres[None, :, :]).prod(axis=2)
        areas = points[:, 0] * points[:, 1]
        union = areas[:, None] + (centres[:, 0] * centres[:, 1])[None, :] - inter
        distance = 1 - inter / union
        new_labels = distance.argmin(axis=1)
        if labels is not None and (new_labels == labels).all():
            break
        labels = new_labels
        for c in range(k):
            if (labels == c).any():
                centres[c] = points[labels == c].mean(axis=0)
    order = np.argsort(centres[:, 0] * centres[:, 1], kind="stable")
    return torch.from_numpy(centres[order].copy()).to(wh.dtype)
""",
    "yolo_loss": """
def yolo_loss(pred, target, alphas=(1, 5, 1)):
    a1, a2, a3 = alphas
    logit, y = pred[..., 4], target[..., 4]
    # binary cross-entropy with logits: -(y log s(z) + (1 - y) log(1 - s(z)))
    logsig = torch.nn.functional.logsigmoid
    confidence = -(y * logsig(logit) + (1 - y) * logsig(-logit)).sum()
    mask = y == 1
    p, t = pred[mask], target[mask]
    localisation = ((p[:, 0:2].sigmoid() - t[:, 0:2]) ** 2 + (p[:, 2:4] - t[:, 2:4]) ** 2).sum()
    log_probs = torch.log_softmax(p[:, 5:], dim=1)
    classification = -(log_probs * t[:, 5:]).sum()
    return (a1 * confidence + a2 * localisation + a3 * classification) / len(pred)
""",
}
