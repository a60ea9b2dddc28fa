"""Offline datasets: procedural Shapes with boxes, masks and captions, and scikit-learn's digits.

Nothing here downloads anything: Shapes scenes are drawn on demand from a seed, and the digits ship
inside scikit-learn. The sample photos (astronaut, coffee, ...) live in :mod:`cvcourse.images`.
"""

from .captions import (
    COLOR_NAMES,
    RELATIONS,
    SIZE_NAMES,
    Mention,
    Vocabulary,
    format_caption,
    parse_caption,
    tokenize,
)
from .coco import mask_to_rle, to_coco
from .collate import collate_captioning, collate_detection, collate_segmentation
from .digits import digits
from .raster import SHAPE_NAMES, masks_to_boxes
from .scene import COLORS, SceneConfig
from .shapes import SPLITS, Shapes, sample_seed

__all__ = [
    "COLORS",
    "COLOR_NAMES",
    "RELATIONS",
    "SHAPE_NAMES",
    "SIZE_NAMES",
    "SPLITS",
    "Mention",
    "SceneConfig",
    "Shapes",
    "Vocabulary",
    "collate_captioning",
    "collate_detection",
    "collate_segmentation",
    "format_caption",
    "digits",
    "mask_to_rle",
    "masks_to_boxes",
    "parse_caption",
    "sample_seed",
    "tokenize",
    "to_coco",
]
