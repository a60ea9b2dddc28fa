"""Mistake: conv_macs returns a float (true division), not a Python int: the values are right."""

NAMES = "not a Python int"
LOSES = ["test_conv_macs"]
CELLS = {
    "conv_macs": """
def conv_macs(ho, wo, cin, cout, k, groups=1):
    return ho * wo * cout * (cin / groups) * k * k  # the mistake: / gives a float
""",
}
