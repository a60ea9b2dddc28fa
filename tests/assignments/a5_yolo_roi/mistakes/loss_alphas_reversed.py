"""yolo_loss: the weights read in reverse order (the default (1, 5, 1) hides it)."""

NAMES = "the weights alphas in the wrong order"
LOSES = [
    "test_yolo_loss_example",
    "test_yolo_loss_random",
]
CELLS = {
    "yolo_loss": """
def yolo_loss(pred, target, alphas=(1, 5, 1)):
    '''The YOLO loss of a batch, divided by the number of images.

    Args:
        pred (Tensor[N, S, S, A, 5 + C]): raw predictions.
        target (Tensor[N, S, S, A, 5 + C]): targets made by yolo_encode.
        alphas (tuple of 3 floats): weights of the confidence, localisation and class terms.

    Returns:
        Tensor[]: the loss.
    '''
    a_cls, a_loc, a_conf = alphas
    obj = target[..., 4]
    conf = torch.nn.functional.binary_cross_entropy_with_logits(pred[..., 4], obj, reduction="sum")
    responsible = obj > 0
    p, t = pred[responsible], target[responsible]  # [P, 5 + C]
    loc = ((torch.sigmoid(p[:, :2]) - t[:, :2]) ** 2).sum() + ((p[:, 2:4] - t[:, 2:4]) ** 2).sum()
    cls = torch.nn.functional.cross_entropy(p[:, 5:], t[:, 5:].argmax(dim=-1), reduction="sum")
    return (a_conf * conf + a_loc * loc + a_cls * cls) / pred.shape[0]
""",
}
