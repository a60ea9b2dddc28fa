"""Train the :class:`~cvcourse.models.captioner.Captioner` on Shapes captions; score it with BLEU.

Scenes hold one or two objects on a plain background, 32 pixels square, so a caption reads like
"a small red circle left of a large blue square". Each scene gets several equally correct
references, as COCO has five per image (:func:`reference_captions`): "A left of B" is also
"B right of A". The chapter trains in the page; the shipped checkpoint comes from one command:

    .venv/bin/python -m cvcourse.models.train_captioner --train 6000 --steps 5000 \
        --out cvcourse/models/weights/captioner_shapes.pt

It is a plain dict of tensors (half precision) and numbers, readable with
``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from cvcourse.bleu import corpus_bleu
from cvcourse.data import Shapes, Vocabulary, collate_captioning, parse_caption, tokenize
from cvcourse.models.captioner import Captioner
from cvcourse.models.decoding import beam_search, greedy_decode

__all__ = [
    "DEFAULT_CHECKPOINT",
    "CaptionData",
    "CaptionerTrainer",
    "caption_data",
    "evaluate_bleu",
    "generate",
    "load_captioner",
    "reference_captions",
    "save_captioner",
]

DEFAULT_CHECKPOINT = Path(__file__).parent / "weights" / "captioner_shapes.pt"
IMAGE_SIZE = 32
MAX_LEN = 12  # the longest two-object caption has 10 words, plus <eos>
INVERSE = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}


def reference_captions(caption: str) -> list[str]:
    """Every caption that says the same as ``caption``: clauses in any order, and each
    "A rel B" also as "B inverse-rel A". The first one is ``caption`` itself.

    >>> for r in reference_captions("a small red circle left of a large blue square"):
    ...     print(r)
    a small red circle left of a large blue square
    a large blue square right of a small red circle
    """
    clauses = parse_caption(caption)
    if not clauses:
        return [caption]
    variants = []
    for first, rel, second in clauses:
        if rel is None:
            variants.append([str(first)])
        else:
            variants.append([f"{first} {rel} {second}", f"{second} {INVERSE[rel]} {first}"])
    out = []
    for order in itertools.permutations(range(len(variants))):
        for choice in itertools.product(*(variants[i] for i in order)):
            out.append(" and ".join(choice))
    return list(dict.fromkeys(out))


@dataclass
class CaptionData:
    """Scenes with their captions: images (Tensor[N, 3, S, S]), tokens (LongTensor[N, T]) padded,
    captions (list[str]) and references (list[list[str]]) from :func:`reference_captions`."""

    images: Tensor
    tokens: Tensor
    captions: list[str]
    references: list[list[str]]


def caption_data(
    n: int, split: str = "train", seed: int = 0, max_objects: int = 2, size: int = IMAGE_SIZE
) -> CaptionData:
    """``n`` Shapes scenes of one to ``max_objects`` objects on a plain background."""
    data = Shapes(n, size, split, seed=seed, max_objects=max_objects, cache=False)
    samples = [data[i] for i in range(n)]
    images, tokens, _ = collate_captioning(samples, Vocabulary.for_shapes())
    captions = [s["caption"] for s in samples]
    return CaptionData(images, tokens, captions, [reference_captions(c) for c in captions])


class CaptionerTrainer:
    """Teacher-forced cross-entropy, Adam and a cosine learning rate, run in parts.

    Args:
        data (CaptionData): the training scenes.
        steps: optimisation steps in all, each on ``batch_size`` scenes drawn with replacement.
        seed: fixes the initialisation and the batches.

    Attributes:
        model (Captioner); losses (list[float]) one per step done; seconds (float).
    """

    def __init__(
        self,
        data: CaptionData,
        steps: int = 1500,
        batch_size: int = 32,
        lr: float = 3e-3,
        seed: int = 0,
    ) -> None:
        torch.manual_seed(seed)
        self.vocab = Vocabulary.for_shapes()
        self.model = Captioner(len(self.vocab), data.images.shape[-1])
        self.data, self.steps, self.batch_size = data, steps, batch_size
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.schedule = torch.optim.lr_scheduler.OneCycleLR(
            self.optimizer, max_lr=lr, total_steps=steps, pct_start=0.1
        )
        self.generator = torch.Generator().manual_seed(seed)
        self.losses: list[float] = []
        self.seconds = 0.0

    def run(self, steps: int | None = None) -> None:
        """Do ``steps`` more steps (all that are left by default)."""
        left = self.steps - len(self.losses)
        steps = left if steps is None else min(steps, left)
        start = time.perf_counter()
        self.model.train()
        n = len(self.data.images)
        for _ in range(steps):
            index = torch.randint(0, n, (self.batch_size,), generator=self.generator)
            tokens = self.data.tokens[index]
            tokens = tokens[:, : int((tokens != self.vocab.pad_id).sum(1).max())]  # trim padding
            loss = self.model.loss(self.data.images[index], tokens, self.vocab.pad_id)
            self.optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.optimizer.step()
            self.schedule.step()
            self.losses.append(loss.item())
        self.model.eval()
        self.seconds += time.perf_counter() - start


@torch.no_grad()
def generate(
    model: Captioner, images: Tensor, beam_width: int = 1, length_penalty: float = 0.0
) -> list[str]:
    """Captions of images (Tensor[N, 3, S, S]): greedy if ``beam_width == 1``, else beam search."""
    vocab = Vocabulary.for_shapes()
    model.eval()
    features, h0 = model.encode(images)
    if beam_width == 1:
        tokens = greedy_decode(model.step_fn(features), h0, vocab.bos_id, vocab.eos_id, MAX_LEN)
        return [vocab.decode(row) for row in tokens]
    out = []
    for i in range(len(images)):
        step = model.step_fn(features[i : i + 1])
        hyps = beam_search(
            step, h0[i : i + 1], vocab.bos_id, vocab.eos_id, beam_width, MAX_LEN, length_penalty
        )
        out.append(vocab.decode(hyps[0][0]))
    return out


def evaluate_bleu(hypotheses: list[str], references: list[list[str]]) -> float:
    """Corpus BLEU-4 of generated captions against each scene's references."""
    return corpus_bleu(
        [[tokenize(r) for r in refs] for refs in references], [tokenize(h) for h in hypotheses]
    )


def save_captioner(model: Captioner, path: Path | str, **info: float | int | str) -> None:
    """Save the weights in half precision (a plain dict, loadable with weights_only=True)."""
    state = {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"config": model.config, "state": state, "info": info}, path)


def load_captioner(path: Path | str = DEFAULT_CHECKPOINT) -> tuple[Captioner, dict]:
    """The model of a checkpoint (float32, eval mode) and its ``info`` dict."""
    checkpoint = torch.load(path, weights_only=True)
    model = Captioner(**checkpoint["config"])
    model.load_state_dict({k: v.float() for k, v in checkpoint["state"].items()})
    return model.eval(), checkpoint["info"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--train", type=int, default=4000, help="training scenes")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    trainer = CaptionerTrainer(caption_data(args.train, "train"), steps=args.steps, seed=args.seed)
    trainer.run()
    val = caption_data(200, "val")
    score = evaluate_bleu(generate(trainer.model, val.images), val.references)
    save_captioner(
        trainer.model,
        args.out,
        steps=args.steps,
        train=args.train,
        seed=args.seed,
        val_bleu4=score,
        seconds=round(trainer.seconds),
    )
    size_kb = args.out.stat().st_size / 1024
    print(f"{trainer.seconds:.0f} s, val BLEU-4 {score:.3f}, {size_kb:.0f} KB -> {args.out}")


if __name__ == "__main__":
    main()
