"""Mistake: count_dws_params counts the two layers' biases too (2,432 instead of 2,336 for
32 -> 64)."""

NAMES = "biases counted"
LOSES = ["test_count_dws_params"]
CELLS = {
    "count_dws_params": """
def count_dws_params(cin, cout, k):
    # the mistake: bias=True (the default) in both layers
    return count_conv_params(cin, cin, k, groups=cin) + count_conv_params(cin, cout, 1)
""",
}
