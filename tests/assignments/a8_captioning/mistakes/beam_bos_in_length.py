"""Mistake: the length penalty counts <bos> in the length (len(tokens) + 1)."""

NAMES = "<bos> counted in the length"
LOSES = ["test_beam_search_rules", "test_beam_search_random"]
CELLS = {
    "beam_search": """
def beam_search(step_fn, h0, bos, eos, beam_width, max_len, length_penalty=0.0):
    alive, states, finished = [([bos], 0.0)], h0, []  # the mistake: <bos> is part of the hypothesis
    for _ in range(max_len):
        last = torch.tensor([t[-1] for t, _ in alive])
        logprobs, new_states = step_fn(last, states)
        sums = torch.tensor([s for _, s in alive], dtype=torch.float64)[:, None] + logprobs.double()
        v = sums.shape[1]
        best = sums.flatten().topk(min(beam_width, sums.numel())).indices.tolist()
        next_alive, rows = [], []
        for f in best:
            row, token = divmod(f, v)
            hyp = (alive[row][0] + [token], float(sums[row, token]))
            if token == eos:
                finished.append(hyp)
            else:
                next_alive.append(hyp)
                rows.append(row)
        if not next_alive:
            alive = []
            break
        alive, states = next_alive, new_states[torch.tensor(rows)]
    finished += alive
    scored = [(t[1:], s / len(t) ** length_penalty) for t, s in finished]  # bos dropped only here
    return sorted(scored, key=lambda pair: -pair[1])
"""
}
