"""Turning a step function into captions: greedy decoding, beam search, sampling.

A *step function* ``step_fn(tokens, h) -> (logprobs, h)`` takes the previous token of each of N
sequences (LongTensor[N]) and their states (Tensor[N, ...]) and returns the log-probabilities of
the next token (Tensor[N, V]) and the new states. Every decoder here only needs that, so they work
for the captioner of :mod:`cvcourse.models.captioner` as well as for a toy table of probabilities.

Conventions (those of assignment A8):

* greedy decoding returns the tokens after ``<bos>``, ``<eos>`` included, and stops once every row
  has produced ``<eos>`` (or after ``max_len`` tokens); a row that finished early is padded with
  ``<eos>``;
* beam search keeps the ``beam_width`` extensions with the highest summed log-probability at each
  step; an extension that ends in ``<eos>`` is finished and leaves the beam (finished hypotheses
  are never extended); hypotheses still alive after ``max_len`` tokens count as finished. All
  finished hypotheses are returned best first by ``sum of log-probabilities / length **
  length_penalty`` (length = tokens after ``<bos>``, ``<eos>`` included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from cvcourse.models.captioner import StepFn

__all__ = ["BeamNode", "beam_search", "greedy_decode", "sample_decode", "table_step"]


def greedy_decode(step_fn: StepFn, h0: Tensor, bos: int, eos: int, max_len: int) -> Tensor:
    """The most probable next token at every step.

    Args:
        h0 (Tensor[N, ...]): initial states of N sequences.

    Returns:
        LongTensor[N, T] with ``T <= max_len``: tokens after ``<bos>``, ``<eos>`` included.
    """
    n = h0.shape[0]
    tokens = torch.full((n,), bos, dtype=torch.int64, device=h0.device)
    done = torch.zeros(n, dtype=torch.bool, device=h0.device)
    h, out = h0, []
    for _ in range(max_len):
        logprobs, h = step_fn(tokens, h)
        tokens = logprobs.argmax(dim=1)
        tokens = torch.where(done, torch.full_like(tokens, eos), tokens)  # pad finished rows
        out.append(tokens)
        done |= tokens == eos
        if bool(done.all()):
            break
    return torch.stack(out, dim=1) if out else torch.zeros(n, 0, dtype=torch.int64)


@dataclass(frozen=True)
class BeamNode:
    """One kept extension of a beam search, for drawing the search tree.

    ``step`` (1 for the first token), ``parent`` (index of the parent node in the tree list, -1 for
    children of ``<bos>``), ``token``, ``logprob`` (summed log-probability so far), ``finished``.
    """

    step: int
    parent: int
    token: int
    logprob: float
    finished: bool


def beam_search(
    step_fn: StepFn,
    h0: Tensor,
    bos: int,
    eos: int,
    beam_width: int,
    max_len: int,
    length_penalty: float = 0.0,
    tree: list[BeamNode] | None = None,
) -> list[tuple[list[int], float]]:
    """Beam search for one sequence (see the module docstring for the exact rules).

    Args:
        h0 (Tensor[1, ...]): the initial state.
        length_penalty: the final score is ``sum log p / length ** length_penalty``; 0 ranks by
            the plain sum, which favours short hypotheses.
        tree: if given, every kept extension is appended to it as a :class:`BeamNode`.

    Returns:
        list of ``(tokens, score)``, best first; tokens exclude ``<bos>`` and end with ``<eos>``
        unless the hypothesis was cut at ``max_len``.
    """
    if beam_width < 1:
        raise ValueError(f"beam_width must be >= 1, got {beam_width}")
    alive: list[tuple[list[int], float, int]] = [([], 0.0, -1)]  # tokens, sum log p, tree node
    states = h0
    finished: list[tuple[list[int], float]] = []
    for step in range(1, max_len + 1):
        last = torch.tensor([t[-1] if t else bos for t, _, _ in alive], device=h0.device)
        logprobs, new_states = step_fn(last, states)  # [B,V]
        totals = torch.tensor([s for _, s, _ in alive], dtype=torch.float64)[:, None]
        # [B,V]: summed log-probability of each extension (scores only: no autograd graph)
        totals = totals + logprobs.detach().double().cpu()
        k = min(beam_width, totals.numel())
        flat_totals = totals.flatten()
        # An impossible extension (log-probability -inf, as in a toy table) is never kept.
        best = [i for i in flat_totals.topk(k).indices.tolist() if flat_totals[i] > -math.inf]
        vocab = totals.shape[1]
        kept_rows, next_alive = [], []
        for flat in best:
            row, token = divmod(flat, vocab)
            tokens, total = alive[row][0] + [token], float(totals[row, token])
            node = -1
            if tree is not None:
                tree.append(BeamNode(step, alive[row][2], token, total, token == eos))
                node = len(tree) - 1
            if token == eos:
                finished.append((tokens, total))
            else:
                next_alive.append((tokens, total, node))
                kept_rows.append(row)
        if not next_alive:
            alive = []
            break
        alive, states = next_alive, new_states[torch.tensor(kept_rows, device=h0.device)]
    finished += [(tokens, total) for tokens, total, _ in alive]
    scored = [(t, s / len(t) ** length_penalty) for t, s in finished]
    return sorted(scored, key=lambda pair: -pair[1])


def sample_decode(
    step_fn: StepFn,
    h0: Tensor,
    bos: int,
    eos: int,
    max_len: int,
    temperature: float = 1.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Draw each next token from ``softmax(logprobs / temperature)``; same output as greedy.

    Temperature below 1 sharpens the distribution (towards greedy), above 1 flattens it.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    n = h0.shape[0]
    tokens = torch.full((n,), bos, dtype=torch.int64)
    done = torch.zeros(n, dtype=torch.bool)
    h, out = h0, []
    for _ in range(max_len):
        logprobs, h = step_fn(tokens, h)
        probs = (logprobs / temperature).softmax(dim=1)
        tokens = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        tokens = torch.where(done, torch.full_like(tokens, eos), tokens)
        out.append(tokens)
        done |= tokens == eos
        if bool(done.all()):
            break
    return torch.stack(out, dim=1)


def table_step(logprob_table: Tensor) -> StepFn:
    """A toy step function: the next token depends only on the previous one.

    Args:
        logprob_table (Tensor[V, V]): ``logprob_table[a, b] = log p(next = b | previous = a)``.

    Returns:
        ``step_fn(tokens[N], h[N, ...]) -> (logprob_table[tokens], h)``: the state is passed on
        unchanged.
    """

    def step(tokens: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        return logprob_table[tokens], h

    return step
