"""Mistake: the Gram matrix is divided by the number of positions H * W only, not C * H * W."""

NAMES = "normalised by H * W only"
LOSES = ["test_gram_matrix_values"]
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    gram = flat @ flat.transpose(1, 2)
    return gram / (h * w) if normalize else gram
"""
}
