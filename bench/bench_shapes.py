"""Benchmark: generate 1,000 Shapes samples of 64x64 with masks on one core, in under 2 s.

The reference is a per-pixel Python renderer of the very same scenes (every pixel centre tested
against every object, the way one would write it without tensors), timed on a few samples and
reported per sample, so the ratio shows what the vectorised drawing buys. The reference only
re-draws scenes whose objects are already placed, so the ratio understates the gain.

Times are CPU seconds of this single-threaded process (what one core spends), with the wall clock
printed beside them: on a shared machine the wall clock also counts waiting for a core.

Run: ``.venv/bin/python bench/bench_shapes.py``; exits 1 if 1,000 samples take more than 2 s.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import torch

from cvcourse.data import Shapes
from cvcourse.data.scene import PlacedObject

BUDGET_S = 2.0


def inside(obj: PlacedObject, x: float, y: float) -> bool:
    """Is the point (x, y) inside the object? Plain Python, one point at a time."""
    dx, dy = x - obj.cx, y - obj.cy
    c, s = math.cos(obj.angle), math.sin(obj.angle)
    u, v = c * dx - s * dy, s * dx + c * dy
    r = obj.radius
    if obj.shape == "circle":
        return u * u + v * v <= r * r
    if obj.shape == "square":
        return max(abs(u), abs(v)) <= r / math.sqrt(2)
    if obj.shape == "triangle":
        normals = [(math.cos(a), math.sin(a)) for a in (math.pi / 2, 7 * math.pi / 6, -math.pi / 6)]
        return max(nx * u + ny * v for nx, ny in normals) <= r / 2
    reach = r / math.sqrt(1 + 1 / 9)
    half = reach / 3
    return (abs(u) <= reach and abs(v) <= half) or (abs(v) <= reach and abs(u) <= half)


def render_per_pixel(
    objects: list[PlacedObject], background: torch.Tensor, size: int
) -> tuple[list, list]:
    """Image (nested lists) and per-object visible masks, painting back to front pixel by pixel."""
    image = background.permute(1, 2, 0).tolist()
    owner = [[-1] * size for _ in range(size)]
    for k, obj in enumerate(objects):
        for i in range(size):
            for j in range(size):
                if inside(obj, j + 0.5, i + 0.5):
                    owner[i][j] = k
                    image[i][j] = list(obj.rgb)
    masks = [
        [[owner[i][j] == k for j in range(size)] for i in range(size)] for k in range(len(objects))
    ]
    return image, masks


def time_fast(ds: Shapes) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to draw every sample of ``ds``."""
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(len(ds)):
        ds[i]
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-samples", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)

    # On a shared machine the wall clock also counts the time spent waiting for a core, so the
    # budget is checked on this process's CPU time (one thread: CPU time = time on one core).
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    results = {}
    for background in ("plain", "mixed"):
        # cache=False and a fresh dataset: every repeat draws every sample from scratch.
        runs = [
            time_fast(Shapes(n=args.n, size=args.size, background=background, cache=False))
            for _ in range(args.repeats)
        ]
        cpu, wall = min(r[0] for r in runs), min(r[1] for r in runs)
        results[background] = cpu
        print(
            f"Shapes(n={args.n}, size={args.size}, background={background!r}), masks included, "
            f"1 thread: best of {args.repeats}: {cpu:.3f} s CPU, {wall:.3f} s wall"
        )

    ds = Shapes(n=args.reference_samples, size=args.size, cache=False)
    mismatched = 0
    start = time.process_time()
    for i in range(len(ds)):
        scene = ds.scene(i)
        background = scene.image.clone()  # the reference paints over this; only masks are compared
        _, masks = render_per_pixel(scene.objects, background, args.size)
        drawn = torch.tensor(masks, dtype=torch.bool).reshape(scene.masks.shape)
        mismatched += int((drawn != scene.masks).sum())
    reference_per_sample = (time.process_time() - start) / len(ds)
    fast_per_sample = results["plain"] / args.n
    print(
        f"per-pixel Python reference: {reference_per_sample * 1e3:.1f} ms/sample CPU "
        f"({reference_per_sample * args.n:.1f} s per {args.n}, extrapolated from {len(ds)}) "
        f"vs {fast_per_sample * 1e3:.2f} ms/sample: "
        f"{reference_per_sample / fast_per_sample:.0f}x faster; "
        f"masks agree except {mismatched} pixels"
    )
    best = results["plain"]
    budget = BUDGET_S * args.n / 1000
    if best > budget:
        print(f"FAIL: {best:.3f} s CPU > {budget:.1f} s budget", file=sys.stderr)
        return 1
    print(f"OK: {best:.3f} s CPU <= {budget:.1f} s budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
