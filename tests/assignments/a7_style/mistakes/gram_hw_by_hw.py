"""Mistake: an HW x HW Gram (inner products of positions, F^T F) instead of C x C."""

NAMES = "an HW x HW Gram"
LOSES = [
    "test_gram_matrix_values",
    "test_gram_matrix_properties",
    "test_style_loss",
    "test_style_loss_gradient",
]
CROSS = (
    "style_loss compares the student's Gram of the features with C x C target Grams given by the "
    "test; an HW x HW Gram cannot be subtracted from them, so style_loss raises (no result exists "
    "that is right given this gram_matrix). stylize makes its own targets and is not charged."
)
CELLS = {
    "gram_matrix": """
def gram_matrix(f, normalize=True):
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    gram = flat.transpose(1, 2) @ flat
    return gram / (c * h * w) if normalize else gram
"""
}
