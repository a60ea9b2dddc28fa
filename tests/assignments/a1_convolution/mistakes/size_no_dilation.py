"""Mistake: conv_output_size ignores the dilation (the kernel spans k pixels, not d(k-1)+1).
conv2d (which calls it) then computes too many output positions; its tests accept that as
right given this conv_output_size, so only conv_output_size's cells are lost."""

NAMES = "dilation ignored"
LOSES = [
    "test_conv_output_size_formula",
]
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    return (size + 2 * p - k) // s + 1  # the mistake: no dilation
""",
}
