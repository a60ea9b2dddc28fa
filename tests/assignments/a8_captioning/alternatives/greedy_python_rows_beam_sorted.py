"""Alternative: greedy_decode builds Python lists per row and pads finished rows with <eos>;
beam_search scores every candidate as a Python tuple, sorts them, and runs one step_fn call per
alive hypothesis. Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "greedy_decode": """
def greedy_decode(step_fn, h0, bos, eos, max_len):
    n = h0.shape[0]
    rows = [[] for _ in range(n)]
    tokens, h = torch.full((n,), bos, dtype=torch.long), h0
    while len(rows[0]) < max_len and not all(eos in row for row in rows):
        logprobs, h = step_fn(tokens, h)
        tokens = torch.argmax(logprobs, dim=-1)
        for row, token in zip(rows, tokens.tolist()):
            row.append(eos if eos in row else token)
    return torch.tensor(rows, dtype=torch.long)
""",
    "beam_search": """
def beam_search(step_fn, h0, bos, eos, beam_width, max_len, length_penalty=0.0):
    beams = [((), 0.0, h0)]  # tokens, summed log-probability, state [1, ...]
    done = []
    for _ in range(max_len):
        candidates = []
        for tokens, total, h in beams:
            last = torch.tensor([tokens[-1] if tokens else bos])
            logprobs, h_next = step_fn(last, h)
            for token, lp in enumerate(logprobs[0].double().tolist()):
                candidates.append((total + lp, tokens + (token,), h_next))
        candidates.sort(key=lambda c: -c[0])
        beams = []
        for total, tokens, h in candidates[:beam_width]:
            if tokens[-1] == eos:
                done.append((list(tokens), total))
            else:
                beams.append((tokens, total, h))
        if not beams:
            break
    done += [(list(tokens), total) for tokens, total, _ in beams]
    ranked = [(tokens, total / (len(tokens) ** length_penalty)) for tokens, total in done]
    ranked.sort(key=lambda pair: pair[1], reverse=True)
    return ranked
""",
}
