"""Mistake: greedy_decode always runs max_len steps instead of stopping once every row has
produced <eos>."""

NAMES = "did not stop at <eos>"
LOSES = ["test_greedy_decode_rules", "test_greedy_decode_random"]
CELLS = {
    "greedy_decode": """
def greedy_decode(step_fn, h0, bos, eos, max_len):
    tokens = torch.full((h0.shape[0],), bos, dtype=torch.int64)
    h, out = h0, []
    for _ in range(max_len):  # the mistake: no check for <eos>
        logprobs, h = step_fn(tokens, h)
        tokens = logprobs.argmax(dim=1)
        out.append(tokens)
    return torch.stack(out, dim=1)
"""
}
