"""Mistake: one Gram over the whole batch (channels flattened across images), repeated per image."""

NAMES = "images of the batch mixed"
LOSES = ["test_gram_matrix_values", "test_gram_matrix_properties"]
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    n, c, h, w = f.shape
    flat = f.transpose(0, 1).reshape(c, n * h * w)
    gram = flat @ flat.T
    if normalize:
        gram = gram / (n * c * h * w)
    return gram.expand(n, c, c)
"""
}
