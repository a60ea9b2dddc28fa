"""Mistake: the convolution's output-size formula used for the transposed convolution."""

NAMES = "the convolution's formula"
LOSES = ["test_transposed_output_size"]
CELLS = {
    "transposed_output_size": """
def transposed_output_size(size, k, s=1, p=0, output_padding=0, d=1):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1
"""
}
