"""Alternative: every function written another way. greedy_decode preallocates the output and
fills finished rows with <eos> (torch.where); beam_search ranks candidates with heapq.nlargest over
(sum, row, token) tuples; bleu and corpus_bleu share nothing with the reference (plain dicts, the
brevity penalty from the sorted reference lengths). Correct, full marks."""

LOSES: list[str] = []
CELLS = {
    "greedy_decode": """
def greedy_decode(step_fn, h0, bos, eos, max_len):
    n = h0.shape[0]
    out = torch.full((n, max_len), eos, dtype=torch.int64)
    finished = torch.zeros(n, dtype=torch.bool)
    previous, h = torch.full((n,), bos, dtype=torch.int64), h0
    for t in range(max_len):
        logprobs, h = step_fn(previous, h)
        previous = torch.where(finished, torch.tensor(eos), logprobs.argmax(-1))
        out[:, t] = previous
        finished = finished | (previous == eos)
        if finished.all():
            return out[:, : t + 1]
    return out
""",
    "beam_search": """
import heapq


def beam_search(step_fn, h0, bos, eos, beam_width, max_len, length_penalty=0.0):
    hyps, sums, state = [[]], [0.0], h0
    results = []
    for _ in range(max_len):
        inputs = torch.tensor([h[-1] if h else bos for h in hyps], dtype=torch.int64)
        logprobs, state_next = step_fn(inputs, state)
        table = logprobs.double().tolist()
        candidates = (
            (sums[row] + lp, row, token)
            for row in range(len(hyps))
            for token, lp in enumerate(table[row])
        )
        # nlargest(k, xs, key) is sorted(xs, key=key, reverse=True)[:k]: ties keep their order.
        chosen = heapq.nlargest(beam_width, candidates, key=lambda c: c[0])
        keep_rows, new_hyps, new_sums = [], [], []
        for total, row, token in chosen:
            if token == eos:
                results.append((hyps[row] + [token], total))
            else:
                keep_rows.append(row)
                new_hyps.append(hyps[row] + [token])
                new_sums.append(total)
        if not new_hyps:
            hyps = []
            break
        hyps, sums = new_hyps, new_sums
        state = state_next[keep_rows]
    results.extend(zip(hyps, sums))
    normalised = [(h, s / pow(len(h), length_penalty)) for h, s in results]
    return sorted(normalised, key=lambda hs: hs[1], reverse=True)
""",
    "bleu": """
def _count(words, n):
    table = {}
    for i in range(len(words) - n + 1):
        key = " ".join(words[i:i + n])
        table[key] = table.get(key, 0) + 1
    return table


def bleu(references, hypothesis, max_n=4):
    if not hypothesis:
        return 0.0
    total_log = 0.0
    for n in range(1, max_n + 1):
        hyp = _count(hypothesis, n)
        best = {}
        for ref in references:
            for key, k in _count(ref, n).items():
                best[key] = max(best.get(key, 0), k)
        hits = sum(min(k, best.get(key, 0)) for key, k in hyp.items())
        if not hits:
            return 0.0
        total_log += math.log(hits) - math.log(max(1, sum(hyp.values())))
    c = len(hypothesis)
    r = min(sorted({len(ref) for ref in references}), key=lambda x: abs(x - c))
    return math.exp(total_log / max_n + (0.0 if c > r else 1.0 - r / c))
""",
    "corpus_bleu": """
def corpus_bleu(list_of_references, hypotheses, max_n=4):
    hits = {n: 0 for n in range(1, max_n + 1)}
    grams = {n: 0 for n in range(1, max_n + 1)}
    c = r = 0
    for refs, hyp in zip(list_of_references, hypotheses):
        c += len(hyp)
        r += min(sorted({len(x) for x in refs}), key=lambda x: abs(x - len(hyp)))
        for n in hits:
            hyp_counts = Counter(zip(*[hyp[i:] for i in range(n)]))
            ref_best = Counter()
            for ref in refs:
                ref_best = ref_best | Counter(zip(*[ref[i:] for i in range(n)]))
            hits[n] += sum((hyp_counts & ref_best).values())  # & keeps the smaller count: clipping
            grams[n] += max(1, sum(hyp_counts.values()))
    if 0 in hits.values():
        return 0.0
    log_p = sum(math.log(hits[n] / grams[n]) for n in hits) / max_n
    return math.exp(log_p) * (1.0 if c > r else math.exp(1 - r / c))
""",
}
