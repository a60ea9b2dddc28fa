"""Mistake: conv_macs counts one addition per output value for the bias."""

NAMES = "bias additions counted"
LOSES = ["test_conv_macs"]
CELLS = {
    "conv_macs": """
def conv_macs(ho, wo, cin, cout, k, groups=1):
    return ho * wo * cout * ((cin // groups) * k * k + 1)
""",
}
