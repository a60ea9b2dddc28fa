"""One small, reusable training loop: seeds, CPU threads, a time budget, progress bars, a history.

    history = fit(model, loader, step, epochs=20, max_seconds=90, lr=3e-3, seed=0)
    history.plot()

``step(model, batch)`` computes the loss of one batch; it returns either the scalar loss or a dict
with a ``"loss"`` entry plus any other numbers worth logging (they are recorded too). Everything
chapter-specific lives in that function, so the loop serves classification, segmentation and
detection alike.

Progress bars come from ``tqdm.auto``: a widget in Jupyter, text in a terminal. They write to
stdout, never stderr, because the book build treats anything on stderr as a problem.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["History", "fit", "seed_everything"]

StepOutput = Tensor | Mapping[str, Tensor | float]


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch's global generator (model init, dropout, shuffling) and return a fresh
    ``torch.Generator`` seeded the same way, e.g. for a ``DataLoader(generator=...)``."""
    torch.manual_seed(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


@dataclass
class History:
    """What ``fit`` recorded.

    Attributes:
        steps: one dict per optimisation step: ``epoch``, ``step``, ``time`` (seconds since the
            start) and every number ``step`` returned (``loss`` at least).
        epochs: one dict per finished epoch: ``epoch``, ``time``, the mean of each step number over
            the epoch, and whatever ``val_fn`` returned (prefixed ``val_``).
        seconds: total wall time of the loop.
        stopped_by_time: True when ``max_seconds`` ended training before ``epochs`` were done.
    """

    steps: list[dict[str, float]] = field(default_factory=list)
    epochs: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped_by_time: bool = False

    def series(self, key: str, per: str = "step") -> list[float]:
        """The values of ``key`` per ``"step"`` or per ``"epoch"``."""
        if per not in ("step", "epoch"):
            raise ValueError(f"per must be 'step' or 'epoch', got {per!r}")
        records = self.steps if per == "step" else self.epochs
        if not any(key in r for r in records):
            known = sorted({k for r in records for k in r})
            raise KeyError(f"no {key!r} in the {per} history; it has {known}")
        return [r[key] for r in records if key in r]

    def plot(self, keys: Iterable[str] = ("loss",), ax: Any = None, smooth: int = 10) -> Any:
        """Plot step values (running mean over ``smooth`` steps) against time; return the figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(5, 3))
        else:
            fig = ax.figure
        times = self.series("time")
        for key in keys:
            values = torch.tensor(self.series(key), dtype=torch.float64)
            window = max(1, min(smooth, len(values)))
            kernel = torch.ones(1, 1, window, dtype=torch.float64) / window
            # Running mean over the past `window` steps (left-padded by repeating the first value).
            padded = torch.cat([values[:1].repeat(window - 1), values])
            smoothed = torch.nn.functional.conv1d(padded.view(1, 1, -1), kernel).flatten()
            ax.plot(times, smoothed.tolist(), label=key)
        ax.set_xlabel("seconds")
        ax.set_ylabel(", ".join(keys))
        ax.legend()
        fig.tight_layout()
        return fig


class _NoBar:
    """Stands in for a progress bar when progress is off."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def set_description_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def _progress_bar(enabled: bool, total: int | None) -> Any:
    """One bar for the whole run (one widget in a notebook, one line in a terminal)."""
    if not enabled:
        return _NoBar()
    from tqdm.auto import tqdm

    # file=sys.stdout: tqdm's default is stderr, which the book build must not see.
    return tqdm(total=total, file=sys.stdout, mininterval=0.5, unit="step", desc="training")


def _steps_per_epoch(loader: Iterable[Any]) -> int | None:
    try:
        return len(loader)  # type: ignore[arg-type]
    except TypeError:
        return None


def _numbers(output: StepOutput) -> tuple[Tensor, dict[str, float]]:
    if isinstance(output, Tensor):
        return output, {"loss": float(output.detach())}
    if "loss" not in output:
        raise KeyError(
            f"step must return a loss tensor or a dict with 'loss'; got keys {sorted(output)}"
        )
    loss = output["loss"]
    if not isinstance(loss, Tensor):
        raise ValueError("step's 'loss' must be a Tensor that requires grad")
    logs = {k: float(v.detach()) if isinstance(v, Tensor) else float(v) for k, v in output.items()}
    return loss, logs


def fit(
    model: nn.Module,
    train_loader: Iterable[Any],
    step: Callable[[nn.Module, Any], StepOutput],
    *,
    epochs: int = 1,
    max_seconds: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    scheduler: Any = None,
    seed: int | None = 0,
    num_threads: int | None = 2,
    val_fn: Callable[[nn.Module], Mapping[str, float]] | None = None,
    progress: bool = True,
    grad_clip: float | None = None,
) -> History:
    """Train ``model`` on ``train_loader`` with ``step`` for ``epochs`` or until ``max_seconds``.

    Args:
        model: the module; it is put in train mode (and left in eval mode at the end).
        train_loader: an iterable of batches (a ``DataLoader``), re-iterated every epoch.
        step: ``step(model, batch)`` -> scalar loss Tensor, or a dict with ``"loss"`` and other
            numbers to log.
        epochs: maximum number of passes over ``train_loader``.
        max_seconds: time budget; the loop stops after the first step that exceeds it.
        optimizer: defaults to ``AdamW(model.parameters(), lr)``.
        scheduler: optional LR scheduler, stepped after every optimisation step.
        seed: seeds torch's global generator before anything random happens (None: leave it).
        num_threads: ``torch.set_num_threads`` during training (restored afterwards; None: leave).
        val_fn: ``val_fn(model)`` -> dict of numbers, called (in eval mode, without grad) after
            each epoch; recorded with a ``val_`` prefix.
        progress: show tqdm progress bars (stdout only).
        grad_clip: clip the gradient norm to this value when given.

    Returns:
        History: per-step and per-epoch records, total seconds, and whether time ran out.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds must be > 0 or None, got {max_seconds}")
    previous_threads = torch.get_num_threads()
    if num_threads is not None:
        if num_threads < 1:
            raise ValueError(f"num_threads must be >= 1 or None, got {num_threads}")
        torch.set_num_threads(num_threads)
    if seed is not None:
        torch.manual_seed(seed)
    if optimizer is None:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr)

    history = History()
    start = time.perf_counter()
    global_step = 0
    per_epoch = _steps_per_epoch(train_loader)
    bar = _progress_bar(progress, per_epoch * epochs if per_epoch is not None else None)
    try:
        for epoch in range(epochs):
            model.train()
            sums: dict[str, float] = {}
            count = 0
            for batch in train_loader:
                loss, logs = _numbers(step(model, batch))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                elapsed = time.perf_counter() - start
                history.steps.append({"epoch": epoch, "step": global_step, "time": elapsed, **logs})
                for key, value in logs.items():
                    sums[key] = sums.get(key, 0.0) + value
                count += 1
                global_step += 1
                bar.update()
                bar.set_postfix_str(f"epoch {epoch}, loss {logs['loss']:.4f}", refresh=False)
                if max_seconds is not None and elapsed > max_seconds:
                    history.stopped_by_time = True
                    break
            record: dict[str, float] = {"epoch": epoch, "time": time.perf_counter() - start}
            record.update({k: v / max(count, 1) for k, v in sums.items()})
            if val_fn is not None:
                model.eval()
                with torch.no_grad():
                    record.update({f"val_{k}": float(v) for k, v in val_fn(model).items()})
            history.epochs.append(record)
            if history.stopped_by_time:
                bar.set_description_str(f"stopped by the {max_seconds:g} s budget")
                break
    finally:
        bar.close()
        if num_threads is not None:
            torch.set_num_threads(previous_threads)
    model.eval()
    history.seconds = time.perf_counter() - start
    return history
