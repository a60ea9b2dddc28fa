"""Mistake: conv_output_size adds the padding once (p instead of 2p). conv2d and max_pool2d
then compute too few positions, accepted as right given this conv_output_size."""

NAMES = "one side only"
LOSES = [
    "test_conv_output_size_formula",
]
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    return (size + p - d * (k - 1) - 1) // s + 1  # the mistake: p, not 2p
""",
}
