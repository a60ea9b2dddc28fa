"""One Shapes scene: sample the objects, place them with bounded occlusion, render every target.

Objects are painted back to front (object 0 first). Occlusion is *limited*, not forbidden: an
object is only placed where it leaves every object below it at least ``min_visible`` of its own
pixels and does not touch an object of its own colour, and an optional object that finds no such
place within a few tries is left out. So every emitted object has a
visible, non-empty mask, its box bounds exactly that visible mask, and nothing is fully hidden.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from .backgrounds import BACKGROUNDS, draw_background
from .captions import COLOR_NAMES, SIZE_NAMES, Mention, format_caption
from .raster import SHAPE_NAMES, masks_to_boxes, shape_masks

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.90, 0.15, 0.12),
    "green": (0.15, 0.80, 0.25),
    "blue": (0.20, 0.40, 1.00),
    "yellow": (0.95, 0.88, 0.15),
    "purple": (0.70, 0.30, 0.90),
    "white": (0.95, 0.95, 0.95),
}
"""RGB of each caption colour; every shape's colour is jittered by up to ``COLOR_JITTER``."""
COLOR_JITTER = 0.05
MIN_OBJECT_SIZE = 4  # pixels: below this a triangle and a square are the same few pixels
MAX_OBJECTS = 32

# Placement tries: first a single candidate (it usually fits), then batches of candidates at once.
_FIRST_TRY, _BATCH = 1, 8
_ROUNDS_OPTIONAL, _ROUNDS_REQUIRED = 3, 6
# A required object (one of the first min_objects) that finds no place is drawn again (a new size,
# colour and shape) this many times before the scene is declared impossible.
_REDRAWS_REQUIRED = 8


@dataclass(frozen=True)
class SceneConfig:
    """What a scene may contain. Every field is checked on construction.

    ``min_size``/``max_size`` are the diameters (pixels) of the discs that circumscribe the shapes;
    ``None`` means ``size * 10 / 64`` and ``size * 28 / 64`` (10 to 28 pixels at 64 x 64).
    """

    size: int = 64
    min_objects: int = 1
    max_objects: int = 3
    shapes: tuple[str, ...] = SHAPE_NAMES
    colors: tuple[str, ...] = COLOR_NAMES
    background: str = "plain"
    min_size: float | None = None
    max_size: float | None = None
    min_visible: float = 0.5
    rotate: bool = True
    _sizes: tuple[float, float] = field(init=False, repr=False, compare=False, default=(0.0, 0.0))

    def __post_init__(self) -> None:
        _check_int("size", self.size, MIN_OBJECT_SIZE, None)
        _check_int("min_objects", self.min_objects, 0, MAX_OBJECTS)
        _check_int("max_objects", self.max_objects, self.min_objects, MAX_OBJECTS)
        object.__setattr__(self, "shapes", _check_names("shapes", self.shapes, SHAPE_NAMES))
        object.__setattr__(self, "colors", _check_names("colors", self.colors, tuple(COLORS)))
        allowed_backgrounds = (*BACKGROUNDS, "mixed")
        if self.background not in allowed_backgrounds:
            raise ValueError(
                f"background must be one of {allowed_backgrounds}, got {self.background!r}"
            )
        low = (
            self.min_size
            if self.min_size is not None
            else max(MIN_OBJECT_SIZE, round(self.size * 10 / 64))
        )
        high = self.max_size if self.max_size is not None else max(low, round(self.size * 28 / 64))
        if not MIN_OBJECT_SIZE <= low:
            raise ValueError(f"min_size must be >= {MIN_OBJECT_SIZE} pixels, got {low}")
        if low > self.size:
            raise ValueError(
                f"size must be >= min_size = {low} (the image cannot be smaller than the smallest "
                f"object), got size={self.size}"
            )
        if not low <= high <= self.size:
            raise ValueError(
                f"max_size must be in [min_size, size] = [{low}, {self.size}], got {high}"
            )
        if self.min_objects * low * low > self.size * self.size:
            raise ValueError(
                f"min_objects must be <= {self.size * self.size // (low * low)} so that that many "
                f"objects of min_size {low} fit in a {self.size}x{self.size} image, "
                f"got {self.min_objects}"
            )
        if not 0.0 < self.min_visible <= 1.0:
            raise ValueError(f"min_visible must be in (0, 1], got {self.min_visible}")
        object.__setattr__(self, "_sizes", (float(low), float(high)))

    @property
    def size_range(self) -> tuple[float, float]:
        """``(min_size, max_size)`` after defaults, in pixels."""
        return self._sizes

    @property
    def classes(self) -> list[str]:
        """``["background", *shapes]``: labels index into this list."""
        return ["background", *self.shapes]


def _check_int(name: str, value: object, low: int, high: int | None) -> None:
    bounds = f"[{low}, {high}]" if high is not None else f">= {low}"
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer {bounds}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be in {bounds}, got {value}")


def _check_names(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must name at least one of {tuple(allowed)}, got none")
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"{name} must be chosen from {tuple(allowed)}, got unknown {unknown}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat a name, got {values}")
    return values


@dataclass(frozen=True)
class PlacedObject:
    """An object as drawn: enough to render it again (the benchmark's reference renderer does)."""

    shape: str
    color: str
    size_class: int  # index into captions.SIZE_NAMES
    rgb: tuple[float, float, float]
    cx: float
    cy: float
    radius: float
    angle: float


@dataclass
class Scene:
    """A rendered scene. ``K`` objects in depth order (index 0 at the back)."""

    image: Tensor  # [3,H,W] float32 in [0,1]
    masks: Tensor  # [K,H,W] bool, visible pixels
    boxes: Tensor  # [K,4] float32 xyxy, tight around masks (pixel edges)
    labels: Tensor  # [K] int64 in 1..len(classes)-1
    colors: Tensor  # [K] int64 index into captions.COLOR_NAMES
    sizes: Tensor  # [K] int64 index into captions.SIZE_NAMES
    semantic: Tensor  # [H,W] int64, 0 = background
    caption: str
    background: str
    objects: list[PlacedObject]


def _sample_object(config: SceneConfig, rng: np.random.Generator) -> PlacedObject:
    shape = config.shapes[rng.integers(len(config.shapes))]
    color = config.colors[rng.integers(len(config.colors))]
    size_class = int(rng.integers(len(SIZE_NAMES)))
    low, high = config.size_range
    # Equal thirds of [min_size, max_size]: the caption's size word is exact, and balanced.
    diameter = low + (size_class + rng.uniform()) * (high - low) / len(SIZE_NAMES)
    angle = rng.uniform(0.0, 2 * math.pi) if config.rotate else 0.0
    jitter = rng.uniform(-COLOR_JITTER, COLOR_JITTER, size=3)
    rgb = tuple(float(c) for c in np.clip(np.asarray(COLORS[color]) + jitter, 0.0, 1.0))
    return PlacedObject(shape, color, size_class, rgb, 0.0, 0.0, diameter / 2, angle)  # type: ignore[arg-type]


def _place(
    obj: PlacedObject,
    visible: Tensor,
    full_area: Tensor,
    same_color: Tensor,
    config: SceneConfig,
    rng: np.random.Generator,
    rounds: int,
) -> tuple[PlacedObject, Tensor] | None:
    """Find a centre where ``obj`` leaves every object below it ``min_visible`` of its pixels.

    ``same_color`` (Tensor[K] bool) marks the objects below of ``obj``'s colour: ``obj`` must not
    touch their visible pixels at all, or two instances would merge into one blob of colour.
    """
    low, high = obj.radius, config.size - obj.radius
    visible_flat = visible.flatten(1).to(torch.float32)  # [K,H*W]
    visible_area = visible_flat.sum(1)  # [K]
    for attempt in range(rounds):
        count = _FIRST_TRY if attempt == 0 else _BATCH
        cx = torch.from_numpy(rng.uniform(low, high, size=count))
        cy = torch.from_numpy(rng.uniform(low, high, size=count))
        candidates = shape_masks(obj.shape, cx, cy, obj.radius, obj.angle, config.size)  # [T,H,W]
        ok = candidates.flatten(1).any(1)  # [T]
        if visible.shape[0]:
            # Pixel counts of (candidate AND visible) as one small matrix product; exact in float32.
            overlap = candidates.flatten(1).to(torch.float32) @ visible_flat.T  # [T,K]
            ok &= (visible_area[None] - overlap >= config.min_visible * full_area[None]).all(1)
            ok &= (overlap[:, same_color] == 0).all(1)
        if ok.any():
            best = int(ok.to(torch.uint8).argmax())
            return dataclasses.replace(obj, cx=float(cx[best]), cy=float(cy[best])), candidates[
                best
            ]
    return None


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the caller's setting.

    A scene's tensors are tiny (a few [8, 64, 64] masks): splitting them across threads costs more
    than it saves, and on a busy machine waiting for the other threads made drawing (and even
    copying a sample) 5-10x slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def render_scene(config: SceneConfig, seed: int) -> Scene:
    """Draw one random scene.

    The result depends only on ``config`` and ``seed``. The objects and the background are drawn
    from two separate ``numpy.random.Generator`` streams (whose bits are the same on every
    platform), so the same seed gives the same objects on every kind of background.
    """
    with one_thread():
        return _render_scene(config, seed)


def _render_scene(config: SceneConfig, seed: int) -> Scene:
    rng = np.random.default_rng([seed, 0])  # objects
    background_rng = np.random.default_rng([seed, 1])
    background = (
        BACKGROUNDS[background_rng.integers(len(BACKGROUNDS))]
        if config.background == "mixed"
        else config.background
    )
    image = draw_background(background, background_rng, config.size)
    count = int(rng.integers(config.min_objects, config.max_objects + 1))
    visible = torch.zeros((0, config.size, config.size), dtype=torch.bool)
    full_area = torch.zeros(0)
    placed: list[PlacedObject] = []
    for index in range(count):
        required = index < config.min_objects
        found = None
        for _ in range(_REDRAWS_REQUIRED if required else 1):
            obj = _sample_object(config, rng)
            same_color = torch.tensor([o.color == obj.color for o in placed], dtype=torch.bool)
            rounds = _ROUNDS_REQUIRED if required else _ROUNDS_OPTIONAL
            found = _place(obj, visible, full_area, same_color, config, rng, rounds)
            if found is not None:
                break
        if found is None:
            if required:
                raise RuntimeError(
                    f"could not place {config.min_objects} objects with "
                    f"min_visible={config.min_visible} in a {config.size}x{config.size} image; "
                    "lower min_objects, max_size or min_visible"
                )
            continue
        obj, mask = found
        visible = torch.cat([visible & ~mask, mask[None]])
        full_area = torch.cat([full_area, mask.sum()[None].float()])
        placed.append(obj)

    labels = torch.tensor([config.classes.index(o.shape) for o in placed], dtype=torch.int64)
    semantic = torch.zeros((config.size, config.size), dtype=torch.int64)
    # Visible masks are disjoint, so the painting order does not matter any more; depth order it is.
    for obj, mask, label in zip(placed, visible, labels.tolist(), strict=True):
        image = torch.where(mask, torch.tensor(obj.rgb)[:, None, None], image)
        semantic.masked_fill_(mask, label)
    boxes = masks_to_boxes(visible)
    centers = (boxes[:, :2] + boxes[:, 2:]) / 2
    caption = format_caption(
        [Mention(SIZE_NAMES[o.size_class], o.color, o.shape) for o in placed], centers
    )
    return Scene(
        image=image,
        masks=visible,
        boxes=boxes,
        labels=labels,
        colors=torch.tensor([COLOR_NAMES.index(o.color) for o in placed], dtype=torch.int64),
        sizes=torch.tensor([o.size_class for o in placed], dtype=torch.int64),
        semantic=semantic,
        caption=caption,
        background=background,
        objects=placed,
    )
