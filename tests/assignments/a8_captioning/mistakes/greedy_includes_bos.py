"""Mistake: greedy_decode returns <bos> as the first token of every row."""

NAMES = "<bos> included in the output"
LOSES = ["test_greedy_decode_rules", "test_greedy_decode_random"]
CELLS = {
    "greedy_decode": """
def greedy_decode(step_fn, h0, bos, eos, max_len):
    n = h0.shape[0]
    tokens = torch.full((n,), bos, dtype=torch.int64)
    done = torch.zeros(n, dtype=torch.bool)
    h, out = h0, [tokens]  # the mistake: <bos> is kept in the output
    for _ in range(max_len):
        logprobs, h = step_fn(tokens, h)
        tokens = logprobs.argmax(dim=1)
        out.append(tokens)
        done |= tokens == eos
        if bool(done.all()):
            break
    return torch.stack(out, dim=1)
"""
}
