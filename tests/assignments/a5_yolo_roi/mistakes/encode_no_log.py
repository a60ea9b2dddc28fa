"""yolo_encode: t_w = w / p_w instead of ln(w / p_w) (decoding applies exp)."""

NAMES = "no log on the size"
LOSES = [
    "test_yolo_encode_example",
    "test_yolo_encode_round_trip",
]
CELLS = {
    "yolo_encode": """
def yolo_encode(boxes, labels, anchors, S, img_size, C):
    '''The YOLO training target of one image.

    Args:
        boxes (Tensor[M, 4]): ground-truth boxes (x1, y1, x2, y2) in pixels.
        labels (LongTensor[M]): their classes, 0 .. C-1.
        anchors (Tensor[A, 2]): anchor (width, height) in pixels.
        S (int): the grid has S x S cells.
        img_size (int): the image is img_size x img_size pixels.
        C (int): number of classes.

    Returns:
        Tensor[S, S, A, 5 + C]: indexed [row, column, anchor, channel], dtype of ``boxes``.
    '''
    stride = img_size / S
    anchors = anchors.to(boxes.dtype)
    target = torch.zeros(S, S, len(anchors), 5 + C, dtype=boxes.dtype, device=boxes.device)
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    col = (cx / stride).floor().long()  # x -> column
    row = (cy / stride).floor().long()  # y -> row
    # IoU of each (w, h) with each anchor, both at the same corner: [M, A]
    inter = torch.minimum(w[:, None], anchors[:, 0]) * torch.minimum(h[:, None], anchors[:, 1])
    best = (inter / ((w * h)[:, None] + anchors[:, 0] * anchors[:, 1] - inter)).argmax(dim=1)
    values = torch.zeros(len(boxes), 5 + C, dtype=boxes.dtype, device=boxes.device)  # [M, 5+C]
    values[:, 0] = cx / stride - col
    values[:, 1] = cy / stride - row
    values[:, 2] = w / anchors[best, 0]
    values[:, 3] = h / anchors[best, 1]
    values[:, 4] = 1
    values[torch.arange(len(boxes)), 5 + labels] = 1
    target[row, col, best] = values
    return target
""",
}
