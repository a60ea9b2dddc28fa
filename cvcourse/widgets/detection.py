"""Four explorers for the detection chapter.

- :class:`IoUExplorer`: two boxes with position and size sliders; shows intersection, union, IoU.
- :class:`NMSExplorer`: score and IoU threshold sliders over a detector's raw predictions.
- :class:`PRCurveBuilder`: a ranked list of detections whose TP/FP flags and score threshold you
  change; redraws the precision-recall curve, its envelope and AP (all-point, VOC-11, COCO-101).
- :class:`KMeansAnchors`: k-means on box (w, h) with the 1 - IoU distance of YOLOv2; a k slider.

Each keeps its state in plain Python and tensors so tests can drive it without a browser;
``.widget`` is the ipywidgets view and ``.figure()`` a static matplotlib figure of the current
state. Displaying an explorer (a cell that ends with it, or ``display(explorer)``) shows the live
widget, whose own image area holds that figure; its output also carries the figure as a PNG for
viewers that cannot run widgets. So a page shows each explorer once: the built book renders the
widget (from its saved state), and a viewer without widget support falls back to the PNG.
Thresholds are keyword-only and come in the order score, then IoU, as in
:mod:`cvcourse.models.detector`.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor
from torchvision.ops import batched_nms, box_iou

from cvcourse.metrics import average_precision, precision_recall_curve
from cvcourse.viz.detection import draw_boxes, palette
from cvcourse.widgets.display import Explorer, figure_png

__all__ = ["IoUExplorer", "KMeansAnchors", "NMSExplorer", "PRCurveBuilder"]


def _as_box(box: Sequence[float] | Tensor, name: str) -> Tensor:
    b = torch.as_tensor(box, dtype=torch.float32).flatten()
    if b.numel() != 4 or not (b[2] >= b[0] and b[3] >= b[1]):
        raise ValueError(
            f"{name} must be (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1, got {b.tolist()}"
        )
    return b


# --------------------------------------------------------------------------------------- IoU


class IoUExplorer(Explorer):
    """Two boxes on a ``canvas x canvas`` plane and their intersection over union.

    Attributes:
        boxes (dict[str, Tensor[4]]): ``"a"`` and ``"b"``, xyxy pixels.
        sliders (dict[str, ipywidgets.IntSlider]): ``a_x``, ``a_y``, ``a_w``, ``a_h`` and the same
            for ``b`` (top-left corner, width, height).
        widget (ipywidgets.VBox): the sliders, a readout and the drawing.
    """

    def __init__(
        self,
        box_a: Sequence[float] = (8, 8, 40, 40),
        box_b: Sequence[float] = (24, 20, 56, 52),
        canvas: int = 64,
    ) -> None:
        if canvas < 2:
            raise ValueError(f"canvas must be >= 2, got {canvas}")
        self.canvas = canvas
        self.boxes = {"a": _as_box(box_a, "box_a"), "b": _as_box(box_b, "box_b")}
        self.sliders: dict[str, widgets.IntSlider] = {}
        for name in ("a", "b"):
            for part, high in (("x", canvas - 1), ("y", canvas - 1), ("w", canvas), ("h", canvas)):
                self.sliders[f"{name}_{part}"] = widgets.IntSlider(
                    min=0, max=high, description=f"{name}.{part}", continuous_update=False
                )
        self.readout = widgets.HTML()
        self.view = widgets.Image(format="png")
        self._syncing = False
        self._sync_sliders()
        for slider in self.sliders.values():
            slider.observe(self._on_slider, names="value")
        columns = [widgets.VBox([self.sliders[f"{n}_{p}"] for p in "xywh"]) for n in ("a", "b")]
        self.widget = widgets.VBox([widgets.HBox(columns), self.readout, self.view])
        self._render()

    @property
    def intersection(self) -> float:
        a, b = self.boxes["a"], self.boxes["b"]
        width = (torch.minimum(a[2], b[2]) - torch.maximum(a[0], b[0])).clamp(min=0)
        height = (torch.minimum(a[3], b[3]) - torch.maximum(a[1], b[1])).clamp(min=0)
        return float(width * height)

    @property
    def union(self) -> float:
        areas = [float((b[2] - b[0]) * (b[3] - b[1])) for b in self.boxes.values()]
        return sum(areas) - self.intersection

    @property
    def iou(self) -> float:
        """IoU of the two boxes (``torchvision.ops.box_iou``); 0 when both are empty."""
        if self.union == 0:
            return 0.0
        return float(box_iou(self.boxes["a"][None], self.boxes["b"][None])[0, 0])

    def set_box(self, name: str, box: Sequence[float]) -> None:
        """Move box ``"a"`` or ``"b"`` to ``box`` (x1, y1, x2, y2)."""
        if name not in self.boxes:
            raise KeyError(f"name must be 'a' or 'b', got {name!r}")
        self.boxes[name] = _as_box(box, name)
        self._sync_sliders()
        self._render()

    def figure(self) -> Figure:
        fig = Figure(figsize=(3.6, 3.6), layout="constrained")
        ax = fig.add_subplot()
        colors = palette(2)
        for color, (name, (x1, y1, x2, y2)) in zip(colors, self.boxes.items(), strict=True):
            ax.add_patch(
                Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, lw=2, ec=tuple(color.tolist()))
            )
            ax.text(float(x1), float(y1) - 0.5, name, color=tuple(color.tolist()), va="bottom")
        a, b = self.boxes["a"], self.boxes["b"]
        ix1, iy1 = torch.maximum(a[:2], b[:2]).tolist()
        ix2, iy2 = torch.minimum(a[2:], b[2:]).tolist()
        if ix2 > ix1 and iy2 > iy1:
            ax.add_patch(Rectangle((ix1, iy1), ix2 - ix1, iy2 - iy1, color="0.6", alpha=0.6, lw=0))
        ax.set_xlim(0, self.canvas)
        ax.set_ylim(self.canvas, 0)  # image coordinates: y grows downwards
        ax.set_aspect("equal")
        ax.set_title(
            f"I = {self.intersection:g}, U = {self.union:g}, IoU = {self.iou:.3f}", fontsize=9
        )
        return fig

    def _sync_sliders(self) -> None:
        self._syncing = True
        for name, (x1, y1, x2, y2) in self.boxes.items():
            values = {"x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1}
            for part, value in values.items():
                self.sliders[f"{name}_{part}"].value = int(round(float(value)))
        self._syncing = False

    def _on_slider(self, change: dict) -> None:
        if self._syncing:
            return
        for name in ("a", "b"):
            x, y, w, h = (float(self.sliders[f"{name}_{p}"].value) for p in "xywh")
            self.boxes[name] = torch.tensor([x, y, x + w, y + h])
        self._render()

    def _render(self) -> None:
        self.readout.value = (
            f"intersection {self.intersection:g}, union {self.union:g}, <b>IoU {self.iou:.4f}</b>"
        )
        self.view.value = figure_png(self.figure())


# --------------------------------------------------------------------------------------- NMS


class NMSExplorer(Explorer):
    """Non-maximum suppression over raw detections of one image, with two thresholds.

    Args:
        image (Tensor[3, H, W]): the image the detections belong to.
        raw (dict): ``boxes`` (Tensor[K, 4]), ``scores`` (Tensor[K]), ``labels`` (LongTensor[K]):
            a detector's candidates before NMS.
        class_names: names indexed by label (e.g. ``Shapes.classes``).
        score_threshold, iou_threshold (float, keyword-only): initial slider values.

    Attributes:
        candidates (LongTensor): indices into ``raw`` with score > score threshold.
        kept (LongTensor): indices into ``raw`` that survive class-aware NMS
            (``torchvision.ops.batched_nms``), by decreasing score.
    """

    def __init__(
        self,
        image: Tensor,
        raw: dict[str, Tensor],
        class_names: Sequence[str] | None = None,
        *,
        score_threshold: float = 0.3,
        iou_threshold: float = 0.5,
    ) -> None:
        for key in ("boxes", "scores", "labels"):
            if key not in raw:
                raise KeyError(f"raw must have 'boxes', 'scores' and 'labels'; missing {key!r}")
        self.image = image
        self.raw = raw
        self.class_names = class_names
        self.score_slider = widgets.FloatSlider(
            value=score_threshold, min=0.0, max=0.95, step=0.05, description="score >"
        )
        self.iou_slider = widgets.FloatSlider(
            value=iou_threshold, min=0.05, max=1.0, step=0.05, description="IoU >"
        )
        self.readout = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.score_slider.observe(self._on_change, names="value")
        self.iou_slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.score_slider, self.iou_slider]), self.readout, self.view]
        )
        self._update()

    @property
    def score_threshold(self) -> float:
        return float(self.score_slider.value)

    @property
    def iou_threshold(self) -> float:
        return float(self.iou_slider.value)

    def set(
        self, *, score_threshold: float | None = None, iou_threshold: float | None = None
    ) -> None:
        """Move the sliders (as a reader would) and recompute."""
        if score_threshold is not None:
            if not 0.0 <= score_threshold <= 1.0:
                raise ValueError(f"score_threshold must be in [0, 1], got {score_threshold}")
            self.score_slider.value = score_threshold
        if iou_threshold is not None:
            if not 0.0 <= iou_threshold <= 1.0:
                raise ValueError(f"iou_threshold must be in [0, 1], got {iou_threshold}")
            self.iou_slider.value = iou_threshold

    def figure(self) -> Figure:
        fig = Figure(figsize=(6.4, 3.4), layout="constrained")
        left, right = fig.subplots(1, 2)
        self._draw(
            left,
            self.candidates,
            f"{len(self.candidates)} candidates (score > {self.score_threshold:.2f})",
        )
        self._draw(
            right,
            self.kept,
            f"{len(self.kept)} after NMS (IoU > {self.iou_threshold:.2f} suppressed)",
        )
        return fig

    def _draw(self, ax: Axes, index: Tensor, title: str) -> None:
        ax.imshow(self.image.permute(1, 2, 0).clamp(0, 1).numpy(), interpolation="nearest")
        labels = self.raw["labels"][index]
        draw_boxes(ax, self.raw["boxes"][index], labels, None, self.class_names, linewidth=1.0)
        ax.set_title(title, fontsize=8)
        ax.set_axis_off()

    def _update(self) -> None:
        scores = self.raw["scores"]
        self.candidates = torch.nonzero(scores > self.score_threshold).flatten()
        order = torch.sort(scores[self.candidates], descending=True, stable=True).indices
        self.candidates = self.candidates[order]
        kept = batched_nms(
            self.raw["boxes"][self.candidates].float(),
            scores[self.candidates].float(),
            self.raw["labels"][self.candidates],
            self.iou_threshold,
        )
        self.kept = self.candidates[kept]
        self.readout.value = f"{len(self.candidates)} candidates, {len(self.kept)} kept"
        self.view.value = figure_png(self.figure())

    def _on_change(self, change: dict) -> None:
        self._update()


# ----------------------------------------------------------------------------------- PR curve


class PRCurveBuilder(Explorer):
    """Build a precision-recall curve from a ranked list of detections and read off AP.

    Args:
        scores (Tensor[P]): detection scores.
        is_tp (BoolTensor[P]): initial TP/FP flags.
        num_gt (int): number of ground-truth objects.

    Attributes:
        toggles (list[ipywidgets.ToggleButton]): one per detection in ranked order (pressed = TP).
        threshold_slider (ipywidgets.FloatSlider): detections with score < threshold are dropped.
        ap (dict[str, float]): AP of the kept detections by ``"all"``, ``"voc11"``, ``"coco101"``.
    """

    def __init__(self, scores: Tensor, is_tp: Tensor, num_gt: int) -> None:
        if scores.ndim != 1 or scores.shape != is_tp.shape:
            raise ValueError("scores and is_tp must be 1-D of the same length")
        if num_gt < 1:
            raise ValueError(f"num_gt must be >= 1, got {num_gt}")
        order = torch.sort(scores, descending=True, stable=True).indices
        self.scores = scores[order].float()
        self.is_tp = is_tp[order].clone().bool()
        self.num_gt = num_gt
        self.toggles = [
            widgets.ToggleButton(
                value=bool(tp), description=f"{float(s):.2f}", layout=widgets.Layout(width="60px")
            )
            for s, tp in zip(self.scores, self.is_tp, strict=True)
        ]
        self.threshold_slider = widgets.FloatSlider(
            value=0.0, min=0.0, max=1.0, step=0.01, description="score ≥"
        )
        self.readout = widgets.HTML()
        self.view = widgets.Image(format="png")
        self._syncing = False
        for toggle in self.toggles:
            toggle.observe(self._on_toggle, names="value")
        self.threshold_slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HTML("Detections by score (pressed = true positive):"),
                widgets.HBox(self.toggles),
                self.threshold_slider,
                self.readout,
                self.view,
            ]
        )
        self._update()

    @property
    def threshold(self) -> float:
        return float(self.threshold_slider.value)

    @property
    def kept(self) -> Tensor:
        """Mask of the detections at or above the score threshold."""
        return self.scores >= self.threshold

    def set_tp(self, rank: int, value: bool) -> None:
        """Mark the ``rank``-th detection (0 = highest score) as TP (True) or FP (False)."""
        if not 0 <= rank < len(self.toggles):
            raise ValueError(f"rank must be in [0, {len(self.toggles)}), got {rank}")
        if value and not self.is_tp[rank] and int(self.is_tp.sum()) >= self.num_gt:
            raise ValueError(f"at most num_gt = {self.num_gt} detections can be true positives")
        self.toggles[rank].value = bool(value)

    def set_threshold(self, threshold: float) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold_slider.value = threshold

    def curve(self) -> tuple[Tensor, Tensor]:
        """(precision, recall) after each kept detection."""
        return precision_recall_curve(self.scores[self.kept], self.is_tp[self.kept], self.num_gt)

    def figure(self) -> Figure:
        fig = Figure(figsize=(4.2, 3.2), layout="constrained")
        ax = fig.add_subplot()
        precision, recall = self.curve()
        if len(precision):
            envelope = precision.flip(0).cummax(0).values.flip(0)
            # Start at recall 0 with the first envelope value, as the interpolated curve does.
            r = torch.cat([recall.new_zeros(1), recall])
            ax.step(
                r.tolist(),
                torch.cat([envelope[:1], envelope]).tolist(),
                where="pre",
                color="C1",
                label="envelope (interpolated)",
            )
            ax.fill_between(
                r.tolist(),
                torch.cat([envelope[:1], envelope]).tolist(),
                step="pre",
                alpha=0.15,
                color="C1",
            )
            ax.plot(recall.tolist(), precision.tolist(), "o-", color="C0", label="precision")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title(
            f"AP all {self.ap['all']:.4f}, VOC-11 {self.ap['voc11']:.4f}, "
            f"COCO-101 {self.ap['coco101']:.4f}",
            fontsize=8,
        )
        ax.legend(fontsize=7, loc="lower left")
        return fig

    def _update(self) -> None:
        kept = self.kept
        self.ap = {
            method: average_precision(self.scores[kept], self.is_tp[kept], self.num_gt, method)
            for method in ("all", "voc11", "coco101")
        }
        self.readout.value = ", ".join(f"AP<sub>{m}</sub> = {v:.4f}" for m, v in self.ap.items())
        self.view.value = figure_png(self.figure())

    def _on_toggle(self, change: dict) -> None:
        self.is_tp = torch.tensor([t.value for t in self.toggles], dtype=torch.bool)
        if int(self.is_tp.sum()) > self.num_gt:  # more TPs than objects: undo the click
            change["owner"].value = change["old"]
            return
        self._update()

    def _on_change(self, change: dict) -> None:
        self._update()


# ----------------------------------------------------------------------------- k-means anchors


def _wh_iou(wh: Tensor, anchors: Tensor) -> Tensor:
    """IoU of (w, h) pairs as boxes sharing one corner: Tensor[M, 2] x Tensor[K, 2] -> [M, K]."""
    inter = torch.minimum(wh[:, None, :], anchors[None, :, :]).prod(-1)  # [M,K]
    return inter / (wh.prod(-1)[:, None] + anchors.prod(-1)[None, :] - inter)


def _kmeans_1_minus_iou(wh: Tensor, k: int, iters: int, seed: int) -> tuple[Tensor, Tensor]:
    generator = torch.Generator().manual_seed(seed)
    anchors = wh[torch.randperm(len(wh), generator=generator)[:k]].clone()
    assignment = torch.full((len(wh),), -1, dtype=torch.int64)
    for _ in range(iters):
        new_assignment = _wh_iou(wh, anchors).argmax(1)  # nearest = highest IoU = lowest 1 - IoU
        if torch.equal(new_assignment, assignment):
            break
        assignment = new_assignment
        for c in range(k):
            members = wh[assignment == c]
            if len(members):  # an empty cluster keeps its anchor
                anchors[c] = members.mean(0)
    return anchors, assignment


class KMeansAnchors(Explorer):
    """Anchor (prior) shapes by k-means on box widths and heights with d = 1 - IoU (YOLOv2).

    Args:
        wh (Tensor[M, 2]): widths and heights of training boxes, in pixels.
        k (int): initial number of anchors (slider from 1 to ``max_k``).
        seed (int): initial centres are ``k`` boxes drawn with this seed.

    Attributes:
        anchors (Tensor[k, 2]) sorted by area; assignment (LongTensor[M]): cluster of each box;
        mean_iou (float): average IoU of each box with its anchor (YOLOv2's "Avg IOU").
    """

    def __init__(
        self, wh: Tensor, k: int = 5, seed: int = 0, max_k: int = 9, iters: int = 100
    ) -> None:
        if wh.ndim != 2 or wh.shape[1] != 2 or len(wh) == 0:
            raise ValueError(f"wh must be a non-empty [M, 2] tensor, got {tuple(wh.shape)}")
        if (wh <= 0).any():
            raise ValueError("wh must be positive widths and heights")
        if not 1 <= k <= min(max_k, len(wh)):
            raise ValueError(f"k must be in [1, {min(max_k, len(wh))}], got {k}")
        self.wh = wh.float()
        self.seed = seed
        self.iters = iters
        self.k_slider = widgets.IntSlider(value=k, min=1, max=min(max_k, len(wh)), description="k")
        self.readout = widgets.HTML()
        self.view = widgets.Image(format="png")
        self.k_slider.observe(self._on_change, names="value")
        self.widget = widgets.VBox([self.k_slider, self.readout, self.view])
        self._update()

    @property
    def k(self) -> int:
        return int(self.k_slider.value)

    def set_k(self, k: int) -> None:
        if not self.k_slider.min <= k <= self.k_slider.max:
            raise ValueError(f"k must be in [{self.k_slider.min}, {self.k_slider.max}], got {k}")
        self.k_slider.value = k

    def figure(self) -> Figure:
        fig = Figure(figsize=(7.2, 3.4), layout="constrained")
        scatter, shapes = fig.subplots(1, 2)
        colors = palette(self.k)
        scatter.scatter(
            self.wh[:, 0], self.wh[:, 1], s=6, c=colors[self.assignment].numpy(), alpha=0.6
        )
        scatter.scatter(
            self.anchors[:, 0],
            self.anchors[:, 1],
            s=90,
            marker="X",
            c=colors.numpy(),
            edgecolors="black",
        )
        scatter.set_xlabel("box width (px)")
        scatter.set_ylabel("box height (px)")
        scatter.set_title(f"k = {self.k}: mean IoU with its anchor {self.mean_iou:.3f}", fontsize=8)
        limit = float(self.wh.max()) * 1.05
        for color, (w, h) in zip(colors, self.anchors.tolist(), strict=True):
            shapes.add_patch(
                Rectangle((-w / 2, -h / 2), w, h, fill=False, lw=2, ec=tuple(color.tolist()))
            )
        shapes.set_xlim(-limit / 2, limit / 2)
        shapes.set_ylim(limit / 2, -limit / 2)
        shapes.set_aspect("equal")
        shapes.set_title("the anchors, centred", fontsize=8)
        return fig

    def _update(self) -> None:
        anchors, assignment = _kmeans_1_minus_iou(self.wh, self.k, self.iters, self.seed)
        order = torch.argsort(anchors.prod(-1))  # small to large, for a stable display
        rank = torch.empty_like(order)
        rank[order] = torch.arange(len(order))
        self.anchors, self.assignment = anchors[order], rank[assignment]
        self.mean_iou = float(
            _wh_iou(self.wh, self.anchors).gather(1, self.assignment[:, None]).mean()
        )
        self.readout.value = f"k = {self.k}, mean IoU {self.mean_iou:.4f}"
        self.view.value = figure_png(self.figure())

    def _on_change(self, change: dict) -> None:
        self._update()
