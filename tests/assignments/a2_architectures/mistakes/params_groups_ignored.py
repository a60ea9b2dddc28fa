"""Mistake: groups ignored: every filter is counted as reading all cin input channels."""

NAMES = "groups ignored"
LOSES = ["test_count_conv_params"]
CELLS = {
    "count_conv_params": """
def count_conv_params(cin, cout, k, groups=1, bias=True):
    return cout * cin * k * k + (cout if bias else 0)  # the mistake: cin, not cin // groups
""",
}
