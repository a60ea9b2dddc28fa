"""Mistake: conv_output_size rounds up (ceil) instead of down: a last window that does not
fit is kept. conv2d and max_pool2d call it; their tests accept results right given it."""

NAMES = "ceil"
LOSES = [
    "test_conv_output_size_formula",
]
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    return -(-(size + 2 * p - d * (k - 1) - 1) // s) + 1  # the mistake: ceil
""",
}
