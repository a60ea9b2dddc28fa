"""A small image captioner: CNN encoder, attention over its feature grid, GRU decoder.

This is *Show, Attend and Tell* (Xu et al. 2015) in miniature, for Shapes scenes:

* the encoder turns an image ``[3, S, S]`` into a grid of ``G x G`` feature vectors (``L = G*G``
  "annotation vectors" of size ``D``), plus a learned embedding of each cell's position, so that
  the decoder can tell left from right after averaging;
* at each step the decoder scores every cell against its hidden state (additive attention,
  Bahdanau et al. 2015), averages the features with those weights into a context vector, and feeds
  ``[embedding of the previous word, context]`` to a GRU cell; the next word's log-probabilities
  come from ``[hidden state, context]``.

Training uses *teacher forcing*: the decoder reads the true previous word, not its own guess.
Decoding (greedy, beam search, sampling) lives in :mod:`cvcourse.models.decoding` and only needs
:meth:`Captioner.step_fn`, a function ``(tokens[N], h[N, H]) -> (logprobs[N, V], h[N, H])``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["Attention", "Captioner", "Encoder", "StepFn"]

StepFn = Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]


class Encoder(nn.Module):
    """Three convolutions, two of stride 2: ``[N, 3, S, S] -> [N, L, D]`` with ``L = (S/4)**2``."""

    def __init__(self, dim: int = 64, image_size: int = 32) -> None:
        super().__init__()
        if image_size % 4:
            raise ValueError(f"image_size must be a multiple of 4, got {image_size}")
        self.convs = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, dim, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(dim, dim, 3, stride=2, padding=1),
            nn.ReLU(),
        )
        self.grid = image_size // 4
        # Where a cell is: without it a weighted average of features forgets positions.
        self.position = nn.Parameter(torch.zeros(self.grid * self.grid, dim))
        nn.init.normal_(self.position, std=0.1)

    def forward(self, images: Tensor) -> Tensor:
        """images (Tensor[N, 3, S, S]) -> features (Tensor[N, L, D])."""
        f = self.convs(images)  # [N,D,G,G]
        return f.flatten(2).transpose(1, 2) + self.position  # [N,L,D]


class Attention(nn.Module):
    """Additive attention: ``alpha = softmax_l(v . tanh(W_f f_l + W_h h))``, ``z = sum alpha f``."""

    def __init__(self, feature_dim: int, hidden_dim: int, attention_dim: int = 64) -> None:
        super().__init__()
        self.from_features = nn.Linear(feature_dim, attention_dim)
        self.from_hidden = nn.Linear(hidden_dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1)

    def forward(self, features: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """features (Tensor[N, L, D]), h (Tensor[N, H]) -> context (Tensor[N, D]), alpha [N, L]."""
        e = self.score(torch.tanh(self.from_features(features) + self.from_hidden(h)[:, None]))
        alpha = e.squeeze(-1).softmax(dim=1)  # [N,L], sums to 1 over the grid
        context = (alpha[:, :, None] * features).sum(dim=1)  # [N,D]
        return context, alpha


class Captioner(nn.Module):
    """Encoder + attention + GRU decoder over a vocabulary of ``vocab_size`` words.

    Args:
        vocab_size: number of token ids (with ``<pad> <bos> <eos> <unk>``).
        image_size: images are ``image_size`` pixels square, a multiple of 4.
        dim: feature size ``D``; hidden: GRU state size ``H``; embed: word embedding size.
    """

    def __init__(
        self,
        vocab_size: int,
        image_size: int = 32,
        dim: int = 64,
        hidden: int = 128,
        embed: int = 32,
    ) -> None:
        super().__init__()
        self.config = {
            "vocab_size": vocab_size,
            "image_size": image_size,
            "dim": dim,
            "hidden": hidden,
            "embed": embed,
        }
        self.encoder = Encoder(dim, image_size)
        self.init_h = nn.Linear(dim, hidden)
        self.embed = nn.Embedding(vocab_size, embed)
        self.attention = Attention(dim, hidden)
        self.gru = nn.GRUCell(embed + dim, hidden)
        self.out = nn.Linear(hidden + dim, vocab_size)

    def encode(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """images (Tensor[N, 3, S, S]) -> features (Tensor[N, L, D]) and h0 (Tensor[N, H])."""
        features = self.encoder(images)
        return features, torch.tanh(self.init_h(features.mean(dim=1)))

    def step(self, features: Tensor, tokens: Tensor, h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """One word: previous tokens (LongTensor[N]) and state h (Tensor[N, H]) ->
        log-probabilities (Tensor[N, V]), the new state (Tensor[N, H]), attention (Tensor[N, L])."""
        context, alpha = self.attention(features, h)
        h = self.gru(torch.cat([self.embed(tokens), context], dim=1), h)
        logits = self.out(torch.cat([h, context], dim=1))
        return logits.log_softmax(dim=1), h, alpha

    def forward(self, images: Tensor, tokens: Tensor) -> Tensor:
        """Teacher forcing: log-probabilities of ``tokens[:, 1:]`` given ``tokens[:, :-1]``.

        Args:
            images (Tensor[N, 3, S, S]); tokens (LongTensor[N, T]): ``<bos> words <eos> <pad>...``.

        Returns:
            Tensor[N, T-1, V]: log-probabilities of each next token.
        """
        features, h = self.encode(images)
        out = []
        for t in range(tokens.shape[1] - 1):
            logprobs, h, _ = self.step(features, tokens[:, t], h)
            out.append(logprobs)
        return torch.stack(out, dim=1)

    def loss(self, images: Tensor, tokens: Tensor, pad_id: int) -> Tensor:
        """Mean cross-entropy of the next word over all non-padding positions."""
        logprobs = self(images, tokens)
        return F.nll_loss(logprobs.flatten(0, 1), tokens[:, 1:].flatten(), ignore_index=pad_id)

    def step_fn(self, features: Tensor, attention: list[Tensor] | None = None) -> StepFn:
        """A decoding step for these images, as decoders want it: ``(tokens, h) -> (logprobs, h)``.

        Args:
            features (Tensor[N, L, D]): from :meth:`encode`; with N = 1 the step accepts any
                batch (the beams of a beam search all look at the same image).
            attention: if given, each call appends its attention weights (Tensor[B, L]).
        """

        def step(tokens: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
            f = features.expand(len(tokens), -1, -1) if len(features) == 1 else features
            logprobs, h, alpha = self.step(f, tokens, h)
            if attention is not None:
                attention.append(alpha.detach())
            return logprobs, h

        return step
