"""COCO export: pycocotools reads back the same images, boxes, masks, areas and captions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from cvcourse.data import Shapes, mask_to_rle, to_coco

# pycocotools 2.0 calls np.array(..., copy=False) internally; not our code, and harmless.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def test_coco_round_trip(tmp_path: Path) -> None:
    ds = Shapes(
        n=25, size=48, split="val", seed=4, min_objects=0, max_objects=5, background="mixed"
    )
    written = to_coco(ds, tmp_path / "shapes_val.json", image_dir=tmp_path / "images")
    assert json.loads((tmp_path / "shapes_val.json").read_text()) == written

    coco = COCO(str(tmp_path / "shapes_val.json"))
    assert len(coco.getImgIds()) == len(ds)
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == ds.classes[1:]
    total = sum(len(ds[i]["labels"]) for i in range(len(ds)))
    assert len(coco.getAnnIds()) == total > 0

    for index in range(len(ds)):
        s = ds[index]
        info = coco.loadImgs(index + 1)[0]
        assert (info["height"], info["width"]) == (48, 48)
        assert info["caption"] == s["caption"]
        png = np.asarray(Image.open(tmp_path / "images" / info["file_name"]))
        assert (
            np.abs(png.astype(np.float32) / 255 - s["image"].permute(1, 2, 0).numpy()).max()
            <= 0.5 / 255 + 1e-6
        )
        anns = coco.loadAnns(coco.getAnnIds(imgIds=index + 1))
        assert len(anns) == len(s["labels"])
        for ann, box, label, mask in zip(anns, s["boxes"], s["labels"], s["masks"], strict=True):
            x, y, w, h = ann["bbox"]
            assert torch.equal(torch.tensor([x, y, x + w, y + h]), box)
            assert ann["category_id"] == int(label)
            decoded = torch.from_numpy(coco.annToMask(ann)).bool()
            assert torch.equal(decoded, mask)
            assert ann["area"] == int(mask.sum()) == int(mask_utils.area(coco.annToRLE(ann)))
            # pycocotools' own box of the mask agrees (it uses the same pixel-edge convention)
            assert mask_utils.toBbox(coco.annToRLE(ann)).tolist() == [x, y, w, h]
    captions = {c["image_id"]: c["caption"] for c in written["captions"]}
    assert captions == {i + 1: ds[i]["caption"] for i in range(len(ds))}


def test_rle_matches_pycocotools_encoding() -> None:
    generator = torch.Generator().manual_seed(0)
    for _ in range(5):
        mask = torch.rand(7, 9, generator=generator) > 0.5
        rle = mask_to_rle(mask)
        reference = mask_utils.frPyObjects(rle, 7, 9)
        assert np.array_equal(mask_utils.decode(reference).astype(bool), mask.numpy())
        assert sum(rle["counts"]) == 63
    assert mask_to_rle(torch.ones(2, 2, dtype=torch.bool))["counts"] == [0, 4]
    assert mask_to_rle(torch.zeros(2, 3, dtype=torch.bool))["counts"] == [6]
