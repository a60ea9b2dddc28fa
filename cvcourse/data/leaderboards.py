"""Published detection results the detection chapter shows, as data with their sources.

Every number carries the benchmark it was measured on (dataset, split and year), the training data
where it matters, and where it was published, so that a table or a plot can label each point.
Speeds are frames per second as each paper reported them, on the GPU of its day (mostly an NVIDIA
Titan X); they compare designs, not hardware. ``None`` means "not reported".
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COCO_SPEED",
    "VOC2012_CLASSES",
    "VOC2012_LEADERBOARD",
    "VOC_SPEED",
    "LeaderboardEntry",
    "SpeedEntry",
]


@dataclass(frozen=True)
class SpeedEntry:
    """One detector's accuracy and speed on one benchmark.

    Attributes:
        method (str): the detector as its paper names it.
        benchmark (str): where ``ap`` was measured, e.g. ``"VOC 2007 test"``.
        metric (str): ``"mAP@0.5"`` (PASCAL VOC) or ``"AP50"`` (COCO, IoU threshold 0.5).
        ap (float): in percent.
        fps (float | None): frames per second as reported; ``None`` if not reported.
        train_data (str): training images, e.g. ``"07+12"`` (VOC 2007 trainval + 2012 trainval).
        source (str): the paper (and table) the numbers come from.
    """

    method: str
    benchmark: str
    metric: str
    ap: float
    fps: float | None
    train_data: str
    source: str

    @property
    def ms_per_image(self) -> float | None:
        """Time per image in milliseconds, ``1000 / fps`` (``None`` if no speed was reported)."""
        return None if self.fps is None else 1000.0 / self.fps


YOLO1 = "Redmon et al. 2016 (YOLO), Table 1"
YOLO2 = "Redmon and Farhadi 2017 (YOLOv2), Table 3"
YOLO3 = "Redmon and Farhadi 2018 (YOLOv3), abstract and Figure 3"
RESNET = "He et al. 2016 (ResNet)"
RFCN = "Dai et al. 2016 (R-FCN), abstract"
FAST_RCNN = "Girshick 2015 (Fast R-CNN), Tables 1 and 4"
RCNN = "Girshick et al. 2014 (R-CNN), VOC 2007 test results"

# PASCAL VOC 2007 test, mAP at IoU 0.5. "07+12": trained on VOC 2007 trainval + VOC 2012 trainval.
VOC_SPEED: tuple[SpeedEntry, ...] = (
    # The lecture's 0.07 FPS for DPM v5 has no source in the papers: not reported here.
    SpeedEntry("DPM v5", "VOC 2007 test", "mAP@0.5", 33.7, None, "07", RCNN),
    # 47 s per image with VGG-16 (Fast R-CNN paper; the lecture's table says 20 s, unsourced).
    SpeedEntry("R-CNN (VGG-16)", "VOC 2007 test", "mAP@0.5", 66.0, 1 / 47, "07", FAST_RCNN),
    SpeedEntry("Fast R-CNN", "VOC 2007 test", "mAP@0.5", 70.0, 0.5, "07+12", YOLO1),
    SpeedEntry("Faster R-CNN (VGG-16)", "VOC 2007 test", "mAP@0.5", 73.2, 7, "07+12", YOLO1),
    SpeedEntry("YOLO", "VOC 2007 test", "mAP@0.5", 63.4, 45, "07+12", YOLO1),
    SpeedEntry("YOLOv2 544", "VOC 2007 test", "mAP@0.5", 78.6, 40, "07+12", YOLO2),
    SpeedEntry(
        "Faster R-CNN (ResNet-101)", "VOC 2007 test", "mAP@0.5", 76.4, None, "07+12", RESNET
    ),
    # R-FCN reports 170 ms per image (abstract), about 5.9 FPS; the lecture rounds it to 6.
    SpeedEntry(
        "R-FCN (ResNet-101)", "VOC 2007 test", "mAP@0.5", 83.6, 1000 / 170, "07+12+COCO", RFCN
    ),
    SpeedEntry(
        "Faster R-CNN (ResNet-101, + COCO data)",
        "VOC 2012 test",
        "mAP@0.5",
        83.8,
        None,
        "07++12+COCO",
        RESNET,
    ),
)

# COCO test-dev, AP at IoU 0.5 ("AP50"), times in ms as in the YOLOv3 paper's comparison ("from
# either an M40 or Titan X").
COCO_SPEED: tuple[SpeedEntry, ...] = (
    SpeedEntry("YOLOv3-320", "COCO test-dev", "AP50", 51.5, 1000 / 22, "COCO trainval", YOLO3),
    SpeedEntry("YOLOv3-416", "COCO test-dev", "AP50", 55.3, 1000 / 29, "COCO trainval", YOLO3),
    SpeedEntry("YOLOv3-608", "COCO test-dev", "AP50", 57.9, 1000 / 51, "COCO trainval", YOLO3),
    SpeedEntry(
        "RetinaNet-101-800", "COCO test-dev", "AP50", 57.5, 1000 / 198, "COCO trainval", YOLO3
    ),
)

VOC2012_CLASSES: tuple[str, ...] = tuple(
    "aero bike bird boat bottle bus car cat chair cow table dog horse mbike person plant "
    "sheep sofa train tv".split()
)


@dataclass(frozen=True)
class LeaderboardEntry:
    """One row of the PASCAL VOC 2012 test leaderboard (comp4: any training data allowed).

    Attributes:
        method (str): the entry's name, with its extra training data where it states any.
        mean (float): mAP@0.5 in percent, as published.
        per_class (tuple[float, ...]): AP of each of :data:`VOC2012_CLASSES`, in percent.
    """

    method: str
    mean: float
    per_class: tuple[float, ...]


def _row(method: str, mean: float, per_class: str) -> LeaderboardEntry:
    return LeaderboardEntry(method, mean, tuple(float(v) for v in per_class.split()))


# The leaderboard as it stood in mid-2018 (the lecture's snapshot), top 16 rows.
VOC2012_LEADERBOARD: tuple[LeaderboardEntry, ...] = (
    _row(
        "FOCAL_DRFCN (VOC+COCO, single model)",
        88.8,
        "95.0 93.3 91.8 82.9 81.9 91.6 93.0 97.1 76.7 92.5 71.7 96.2 94.9 94.2 93.7 75.3 93.3 "
        "80.0 94.7 85.4",
    ),
    _row(
        "R4D_faster_rcnn",
        88.6,
        "94.6 92.3 91.3 82.3 79.4 91.8 91.8 97.4 76.6 93.6 75.3 97.0 94.6 93.5 92.6 75.1 92.0 "
        "80.9 94.4 86.5",
    ),
    _row(
        "R-FCN, ResNet Ensemble (VOC+COCO)",
        88.4,
        "94.8 92.9 90.6 82.4 81.8 89.9 91.7 97.1 76.0 93.4 71.9 96.6 94.3 93.9 92.8 75.7 91.9 "
        "80.8 93.6 86.4",
    ),
    _row(
        "HIK_FRCN",
        87.9,
        "95.0 93.2 91.3 80.3 77.7 90.6 89.9 97.8 72.8 93.7 70.7 97.2 95.4 94.0 91.8 72.7 92.8 "
        "81.1 94.1 86.2",
    ),
    _row(
        "VIM_SSD",
        87.6,
        "95.3 92.0 88.7 81.6 78.5 91.4 93.2 95.7 74.9 91.6 73.5 94.2 93.0 93.2 93.0 70.5 93.0 "
        "79.1 94.3 85.0",
    ),
    _row(
        "Deformable R-FCN, ResNet-101 (VOC+COCO)",
        87.1,
        "94.0 91.7 88.5 79.4 78.0 89.7 90.8 96.9 74.2 93.1 71.3 95.9 94.8 93.2 92.5 71.7 91.8 "
        "78.3 93.2 83.3",
    ),
    _row(
        "RefineDet (VOC+COCO, VGG16, one-stage)",
        86.8,
        "94.7 91.5 88.8 80.4 77.6 90.4 92.3 95.6 72.5 91.6 69.9 93.9 93.5 92.4 92.6 68.8 92.4 "
        "78.5 93.6 85.2",
    ),
    _row(
        "FasterRcnn-ResNeXt101 (COCO+07++12)",
        86.8,
        "93.9 93.4 88.3 80.2 72.6 89.4 89.3 96.8 73.0 91.5 72.3 95.4 94.5 93.8 91.7 70.7 90.6 "
        "81.2 92.6 83.9",
    ),
    _row(
        "PSSNet (VOC+COCO)",
        85.5,
        "92.4 91.4 85.9 78.6 75.8 88.0 89.8 95.2 72.4 87.8 72.2 94.0 92.7 93.2 92.3 70.7 88.8 "
        "76.1 92.1 81.2",
    ),
    _row(
        "R-FCN, ResNet (VOC+COCO)",
        85.0,
        "92.3 89.9 86.7 74.7 75.2 86.7 89.0 95.8 70.2 90.4 66.5 95.0 93.2 92.1 91.1 71.0 89.7 "
        "76.0 92.0 83.4",
    ),
    _row(
        "MONet (VOC+COCO)",
        84.3,
        "92.4 90.5 84.7 75.4 71.6 87.2 88.9 94.6 70.5 86.9 71.0 92.3 91.8 90.8 91.7 69.8 89.1 "
        "75.1 91.3 79.6",
    ),
    _row(
        "PVANet+",
        84.2,
        "93.5 89.8 84.1 75.6 69.7 88.2 87.9 93.4 70.0 87.7 75.3 92.9 90.5 90.9 90.2 67.3 86.4 "
        "80.3 92.0 78.8",
    ),
    _row(
        "FSSD512",
        84.2,
        "92.8 90.0 86.2 75.9 67.7 88.9 89.0 95.0 68.8 90.9 68.7 92.8 92.1 91.4 90.2 63.1 90.1 "
        "76.9 91.5 82.7",
    ),
    _row(
        "BlitzNet512",
        83.8,
        "93.1 89.4 84.7 75.5 65.0 86.6 87.4 94.5 69.9 88.8 71.7 92.5 91.6 91.1 88.9 61.2 90.4 "
        "79.2 91.8 83.0",
    ),
    _row(
        "PFPNet512 VGG16 (07++12+COCO)",
        83.8,
        "93.0 89.9 85.1 75.8 66.4 88.4 88.3 94.0 67.9 89.5 69.7 92.0 91.8 91.6 88.7 61.1 89.1 "
        "78.4 90.5 84.3",
    ),
    _row(
        "Faster RCNN, ResNet (VOC+COCO)",
        83.8,
        "92.1 88.4 84.8 75.9 71.4 86.3 87.8 94.2 66.8 89.4 69.2 93.9 91.9 90.9 89.6 67.9 88.2 "
        "76.8 90.3 80.0",
    ),
)
