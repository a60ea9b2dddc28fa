"""yolo_decode: boxes returned as centre and size instead of corners."""

NAMES = "(cx, cy, w, h) instead of (x1, y1, x2, y2)"
LOSES = [
    "test_yolo_decode_chapter",
    "test_yolo_decode_round_trip",
]
CELLS = {
    "yolo_decode": """
def yolo_decode(pred, anchors, img_size):
    '''Boxes, objectness and class probabilities from raw YOLO predictions.

    Args:
        pred (Tensor[N, S, S, A, 5 + C]): raw outputs (t_x, t_y, t_w, t_h, objectness, classes).
        anchors (Tensor[A, 2]): anchor (width, height) in pixels.
        img_size (int): the image is img_size x img_size pixels.

    Returns:
        (Tensor[N, S*S*A, 4], Tensor[N, S*S*A], Tensor[N, S*S*A, C]): boxes (x1, y1, x2, y2) in
        pixels, objectness scores, class probabilities, in (row, column, anchor) order.
    '''
    N, S, _, A, D = pred.shape
    stride = img_size / S
    anchors = anchors.to(pred.dtype)
    grid = torch.arange(S, dtype=pred.dtype, device=pred.device)
    rows, cols = grid.view(1, S, 1, 1), grid.view(1, 1, S, 1)  # broadcast over [N, S, S, A]
    cx = (torch.sigmoid(pred[..., 0]) + cols) * stride
    cy = (torch.sigmoid(pred[..., 1]) + rows) * stride
    w = anchors[:, 0] * torch.exp(pred[..., 2])
    h = anchors[:, 1] * torch.exp(pred[..., 3])
    boxes = torch.stack([cx, cy, w, h], dim=-1)
    scores = torch.sigmoid(pred[..., 4])
    probs = torch.softmax(pred[..., 5:], dim=-1)
    n = S * S * A  # (row, column, anchor) order: what reshape gives
    return boxes.reshape(N, n, 4), scores.reshape(N, n), probs.reshape(N, n, D - 5)
""",
}
