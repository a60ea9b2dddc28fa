"""cvcourse.train.fit: learning, seeds, threads, time budget, history, stdout-only progress bars."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import matplotlib
import pytest
import torch
from torch import nn

from cvcourse.train import History, fit, seed_everything

matplotlib.use("Agg")


def _regression_data(n: int = 64) -> list[tuple[torch.Tensor, torch.Tensor]]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    return [(x[i : i + 16], y[i : i + 16]) for i in range(0, n, 16)]


def _mse_step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    return nn.functional.mse_loss(model(x), y)


def test_fit_learns_and_records_history() -> None:
    model = nn.Linear(3, 1)
    history = fit(model, _regression_data(), _mse_step, epochs=30, lr=0.1, progress=False)
    assert isinstance(history, History)
    assert len(history.steps) == 30 * 4
    assert len(history.epochs) == 30
    assert history.epochs[-1]["loss"] < 0.01 * history.epochs[0]["loss"]
    assert [s["step"] for s in history.steps] == list(range(120))
    assert history.series("loss", per="epoch") == [e["loss"] for e in history.epochs]
    assert not history.stopped_by_time
    assert not model.training  # left in eval mode


def test_same_seed_same_result_bit_for_bit() -> None:
    def run(seed: int) -> torch.Tensor:
        torch.manual_seed(seed)  # the model's init is the caller's business
        model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1))
        fit(model, _regression_data(), _mse_step, epochs=3, seed=seed, progress=False)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(run(1), run(1))
    assert not torch.equal(run(1), run(2))


def test_step_may_return_a_dict_of_logs() -> None:
    def step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> dict:
        loss = _mse_step(model, batch)
        return {"loss": loss, "rmse": loss.detach().sqrt(), "constant": 1.0}

    history = fit(nn.Linear(3, 1), _regression_data(), step, epochs=2, progress=False)
    assert history.steps[0]["rmse"] == pytest.approx(history.steps[0]["loss"] ** 0.5)
    assert history.epochs[0]["constant"] == 1.0


def test_val_fn_runs_each_epoch_in_eval_mode_without_grad() -> None:
    seen = []

    def val_fn(model: nn.Module) -> dict[str, float]:
        seen.append((model.training, torch.is_grad_enabled()))
        return {"score": len(seen)}

    history = fit(
        nn.Linear(3, 1), _regression_data(), _mse_step, epochs=3, val_fn=val_fn, progress=False
    )
    assert seen == [(False, False)] * 3
    assert history.series("val_score", per="epoch") == [1.0, 2.0, 3.0]


def test_time_budget_stops_training() -> None:
    def slow_step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        import time

        time.sleep(0.02)
        return _mse_step(model, batch)

    history = fit(
        nn.Linear(3, 1), _regression_data(), slow_step, epochs=1000, max_seconds=0.1, progress=False
    )
    assert history.stopped_by_time
    assert 1 <= len(history.steps) < 40
    assert len(history.epochs) >= 1  # the interrupted epoch is recorded


def test_threads_are_set_during_training_and_restored() -> None:
    before = torch.get_num_threads()
    during = []

    def step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        during.append(torch.get_num_threads())
        return _mse_step(model, batch)

    fit(nn.Linear(3, 1), _regression_data(), step, epochs=1, num_threads=1, progress=False)
    assert set(during) == {1}
    assert torch.get_num_threads() == before


def test_history_plot_returns_a_figure_with_one_line_per_key() -> None:
    def step(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> dict:
        loss = _mse_step(model, batch)
        return {"loss": loss, "half": loss.detach() / 2}

    history = fit(nn.Linear(3, 1), _regression_data(), step, epochs=2, progress=False)
    fig = history.plot(["loss", "half"])
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(KeyError, match="nope"):
        history.plot(["nope"])


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="epochs"):
        fit(nn.Linear(3, 1), _regression_data(), _mse_step, epochs=0)
    with pytest.raises(ValueError, match="max_seconds"):
        fit(nn.Linear(3, 1), _regression_data(), _mse_step, max_seconds=-1)
    with pytest.raises(KeyError, match="loss"):
        fit(
            nn.Linear(3, 1),
            _regression_data(),
            lambda m, b: {"mse": _mse_step(m, b)},
            progress=False,
        )
    with pytest.raises(ValueError, match="per"):
        History().series("loss", per="batch")


def test_seed_everything_returns_a_seeded_generator() -> None:
    g = seed_everything(3)
    first = torch.rand(2)
    assert torch.equal(
        torch.rand(2, generator=g), torch.rand(2, generator=torch.Generator().manual_seed(3))
    )
    seed_everything(3)
    assert torch.equal(torch.rand(2), first)


def test_progress_bars_write_to_stdout_not_stderr() -> None:
    # A fresh interpreter, as a terminal user would run it: tqdm must not touch stderr.
    script = textwrap.dedent(
        """
        import torch
        from torch import nn
        from cvcourse.train import fit
        batches = [(torch.randn(4, 3), torch.randn(4, 1)) for _ in range(5)]
        step = lambda m, b: nn.functional.mse_loss(m(b[0]), b[1])
        fit(nn.Linear(3, 1), batches, step, epochs=2, progress=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "training" in done.stdout and "100%" in done.stdout and "10/10" in done.stdout
