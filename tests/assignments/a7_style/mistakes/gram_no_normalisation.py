"""Mistake: the Gram matrix is not divided by C * H * W."""

NAMES = "no normalisation"
LOSES = ["test_gram_matrix_values"]
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2)
"""
}
