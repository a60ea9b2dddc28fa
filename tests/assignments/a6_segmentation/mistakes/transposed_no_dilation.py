"""Mistake: dilation ignored, the kernel spans k pixels instead of d(k - 1) + 1."""

NAMES = "dilation ignored"
LOSES = ["test_transposed_output_size"]
CELLS = {
    "transposed_output_size": """
def transposed_output_size(size, k, s=1, p=0, output_padding=0, d=1):
    return (size - 1) * s - 2 * p + k + output_padding
"""
}
