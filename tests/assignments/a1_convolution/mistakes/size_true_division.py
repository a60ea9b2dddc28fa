"""Mistake: conv_output_size without the floor: true division returns a float (3.5, or 6.0
where the division is exact), never the Python int asked for. The instructor's conv2d and
max_pool2d call conv_output_size, and a float size cannot shape a tensor, so they fail too."""

NAMES = "no floor"
LOSES = [
    "test_conv_output_size_formula",
    "test_conv_output_size_int",
    "test_conv2d_sum",
    "test_conv2d_bias",
    "test_conv2d_stride_padding_dilation",
    "test_conv2d_groups",
    "test_conv2d_random",
    "test_conv2d_speed",
    "test_max_pool2d_basic",
    "test_max_pool2d_padding",
    "test_max_pool2d_indices",
    "test_max_pool2d_random",
]
CROSS = (
    "conv2d and max_pool2d (the instructor's, as the notebook suggests) call "
    "conv_output_size; a float size cannot shape or slice a tensor, so they raise: "
    "there is no result 'right given your conv_output_size' to accept"
)
CELLS = {
    "conv_output_size": """
def conv_output_size(size, k, s=1, p=0, d=1):
    return (size + 2 * p - d * (k - 1) - 1) / s + 1  # the mistake: / instead of //
""",
}
