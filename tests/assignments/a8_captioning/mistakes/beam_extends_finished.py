"""Mistake: beam search keeps hypotheses that ended with <eos> in the beam and extends them like
the others; the best of the beam at max_len is returned."""

NAMES = "finished hypotheses were extended"
LOSES = ["test_beam_search_toy", "test_beam_search_rules", "test_beam_search_random"]
CELLS = {
    "beam_search": """
def beam_search(step_fn, h0, bos, eos, beam_width, max_len, length_penalty=0.0):
    beam, states = [([], 0.0)], h0
    for _ in range(max_len):
        last = torch.tensor([t[-1] if t else bos for t, _ in beam])
        logprobs, new_states = step_fn(last, states)
        sums = torch.tensor([s for _, s in beam], dtype=torch.float64)[:, None] + logprobs.double()
        v = sums.shape[1]
        best = sums.flatten().topk(min(beam_width, sums.numel())).indices.tolist()
        # the mistake: a hypothesis that ended with <eos> stays in the beam and is extended
        beam = [(beam[f // v][0] + [f % v], float(sums.flatten()[f])) for f in best]
        states = new_states[torch.tensor([f // v for f in best])]
    scored = [(t, s / len(t) ** length_penalty) for t, s in beam]
    return sorted(scored, key=lambda pair: -pair[1])
"""
}
