"""Export a Shapes split as COCO JSON, so that standard tools (pycocotools, FiftyOne) read it.

Instance masks are written as uncompressed run-length encodings (exact, and fine for occluded shapes
whose visible part has holes or several pieces, which polygons describe badly). Captions are written
twice: on each image (``"caption"``) and as a COCO-captions style top-level ``"captions"`` list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .shapes import Shapes


def mask_to_rle(mask: Tensor) -> dict[str, Any]:
    """COCO's uncompressed RLE of one mask.

    Args:
        mask (Tensor[H, W] bool).

    Returns:
        ``{"counts": [...], "size": [H, W]}``: run lengths over the column-major pixels, starting
        with a (possibly empty) run of zeros.
    """
    height, width = mask.shape
    flat = mask.t().reshape(-1).to(torch.uint8)  # column-major, as COCO
    changes = torch.nonzero(flat[1:] != flat[:-1]).flatten() + 1
    edges = torch.cat([torch.tensor([0]), changes, torch.tensor([flat.numel()])])
    counts = torch.diff(edges).tolist()
    if flat.numel() and flat[0]:
        counts = [0, *counts]
    return {"counts": counts, "size": [int(height), int(width)]}


def _save_png(image: Tensor, path: Path) -> None:
    from PIL import Image  # Pillow comes with matplotlib and torchvision

    pixels = (image.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(np.ascontiguousarray(pixels)).save(path)


def to_coco(
    dataset: Shapes, path: str | Path, image_dir: str | Path | None = None
) -> dict[str, Any]:
    """Write ``dataset`` as a COCO instances file (with captions) and return the JSON as a dict.

    Args:
        dataset (Shapes): the split to export; image ids are ``index + 1`` (COCO ids start at 1).
        path (str | Path): where to write the JSON.
        image_dir (str | Path | None): if given, each image is also saved there as a PNG named like
            the entry's ``file_name``.

    Boxes are ``[x, y, width, height]`` in pixels, tight around the visible mask; ``area`` is the
    number of visible pixels; category ids are the dataset's labels (``categories`` names them).
    """
    path = Path(path)
    if image_dir is not None:
        image_dir = Path(image_dir)
        image_dir.mkdir(parents=True, exist_ok=True)
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    captions: list[dict[str, Any]] = []
    for index in range(len(dataset)):
        sample = dataset[index]
        image_id = index + 1
        file_name = f"{dataset.split}_{index:06d}.png"
        height, width = sample["image"].shape[-2:]
        images.append(
            {
                "id": image_id,
                "file_name": file_name,
                "width": int(width),
                "height": int(height),
                "caption": sample["caption"],
            }
        )
        captions.append({"id": image_id, "image_id": image_id, "caption": sample["caption"]})
        if image_dir is not None:
            _save_png(sample["image"], image_dir / file_name)
        for box, label, mask in zip(
            sample["boxes"], sample["labels"], sample["masks"], strict=True
        ):
            x1, y1, x2, y2 = box.tolist()
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(label),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "area": int(mask.sum()),
                    "segmentation": mask_to_rle(mask),
                    "iscrowd": 0,
                }
            )
    categories = [
        {"id": i, "name": name, "supercategory": "shape"}
        for i, name in enumerate(dataset.classes)
        if i > 0
    ]
    coco = {
        "info": {"description": f"cvcourse Shapes, {dataset!r}", "version": "1.0"},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
        "captions": captions,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(coco))
    return coco
