"""Shapes: the sample format, determinism by (seed, split, index), the geometry of every target."""

from __future__ import annotations

import hashlib
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader
from torchvision.ops import masks_to_boxes as tv_masks_to_boxes

from cvcourse.data import SHAPE_NAMES, Shapes, collate_detection, collate_segmentation
from cvcourse.data.backgrounds import BACKGROUNDS
from cvcourse.data.raster import shape_masks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mixed() -> Shapes:
    return Shapes(n=60, size=64, split="train", seed=3, max_objects=5, background="mixed")


def assert_samples_equal(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], torch.Tensor):
            assert a[key].dtype == b[key].dtype and a[key].shape == b[key].shape, key
            assert torch.equal(a[key], b[key]), f"{key} differs"
        else:
            assert a[key] == b[key], key


def test_sample_format_follows_the_contract() -> None:
    ds = Shapes(n=5, size=48, seed=1)
    assert len(ds) == 5
    assert ds.classes == ["background", *SHAPE_NAMES]
    for i in range(len(ds)):
        s = ds[i]
        k = len(s["labels"])
        assert s["image"].shape == (3, 48, 48) and s["image"].dtype == torch.float32
        assert 0.0 <= float(s["image"].min()) and float(s["image"].max()) <= 1.0
        assert s["boxes"].shape == (k, 4) and s["boxes"].dtype == torch.float32
        assert s["labels"].dtype == torch.int64
        assert s["masks"].shape == (k, 48, 48) and s["masks"].dtype == torch.bool
        assert s["semantic"].shape == (48, 48) and s["semantic"].dtype == torch.int64
        assert isinstance(s["caption"], str) and s["caption"]
        assert 1 <= k <= 3
        assert bool(((s["labels"] >= 1) & (s["labels"] < len(ds.classes))).all())


def test_same_seed_and_index_give_bit_identical_samples_in_any_order() -> None:
    forward = Shapes(n=12, seed=7, background="mixed", cache=False)
    backward = Shapes(n=12, seed=7, background="mixed", cache=True)
    later = {i: backward[i] for i in reversed(range(12))}
    for i in range(12):
        assert_samples_equal(forward[i], later[i])
        assert_samples_equal(forward[i], backward[i])  # from the cache now
    assert_samples_equal(forward[-1], forward[11])


def test_a_different_seed_gives_different_samples() -> None:
    a, b = Shapes(n=4, seed=0), Shapes(n=4, seed=1)
    assert not any(torch.equal(a[i]["image"], b[i]["image"]) for i in range(4))


def test_cached_samples_cannot_be_corrupted_by_the_caller() -> None:
    ds = Shapes(n=2, seed=0)
    first = ds[0]
    first["image"].zero_()
    first["masks"].zero_()
    assert float(ds[0]["image"].sum()) > 0 and bool(ds[0]["masks"].any())


def test_dataloader_workers_give_the_same_batches() -> None:
    ds = Shapes(n=24, size=32, seed=5, background="mixed", max_objects=4, cache=False)
    single = list(DataLoader(ds, batch_size=5, num_workers=0, collate_fn=collate_detection))
    multi = list(DataLoader(ds, batch_size=5, num_workers=2, collate_fn=collate_detection))
    assert len(single) == len(multi) == 5
    for (images_a, targets_a), (images_b, targets_b) in zip(single, multi, strict=True):
        assert torch.equal(images_a, images_b)
        for ta, tb in zip(targets_a, targets_b, strict=True):
            for key in ("boxes", "labels", "masks"):
                assert torch.equal(ta[key], tb[key]), key
    segmentation = DataLoader(ds, batch_size=8, num_workers=2, collate_fn=collate_segmentation)
    for b, (images, semantic) in enumerate(segmentation):
        for j in range(len(images)):
            assert torch.equal(semantic[j], ds[8 * b + j]["semantic"])


FINGERPRINT = (
    "hashlib.sha256(s['image'].numpy().tobytes() + s['masks'].numpy().tobytes()).hexdigest()"
)


def test_another_process_draws_the_same_sample() -> None:
    code = "import hashlib; from cvcourse.data import Shapes; s = Shapes(n=9, seed=11)[8]; "
    code += f"print({FINGERPRINT})"
    env = {**os.environ, "PYTHONHASHSEED": "123"}  # a different str hash must not matter
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    s = Shapes(n=9, seed=11)[8]
    assert out.stdout.strip() == eval(FINGERPRINT, {"hashlib": hashlib, "s": s})


def test_splits_never_share_a_sample() -> None:
    images = {}
    for split in ("train", "val", "test"):
        ds = Shapes(n=100, size=32, split=split, seed=0)
        images[split] = {ds[i]["image"].numpy().tobytes() for i in range(len(ds))}
        assert len(images[split]) == 100  # no repeats inside a split either
    assert not images["train"] & images["val"]
    assert not images["train"] & images["test"]
    assert not images["val"] & images["test"]


def test_each_box_tightly_bounds_its_visible_mask(mixed: Shapes) -> None:
    for i in range(len(mixed)):
        s = mixed[i]
        if not len(s["labels"]):
            continue
        # torchvision gives the last pixel's index; our boxes are pixel edges, one further.
        expected = tv_masks_to_boxes(s["masks"]) + torch.tensor([0.0, 0.0, 1.0, 1.0])
        assert torch.equal(s["boxes"], expected)
        assert bool((s["boxes"] >= 0).all()) and bool((s["boxes"] <= mixed.size).all())
        assert bool((s["boxes"][:, 2:] > s["boxes"][:, :2]).all())


def test_masks_are_disjoint_and_the_semantic_mask_paints_them_in_depth_order(mixed: Shapes) -> None:
    for i in range(len(mixed)):
        s, scene = mixed[i], mixed.scene(i)
        assert bool((s["masks"].sum(0) <= 1).all()), "visible masks overlap"
        # Paint the *full* shapes back to front: what stays on top must be the semantic mask.
        painted = torch.zeros_like(s["semantic"])
        for obj, label in zip(scene.objects, s["labels"].tolist(), strict=True):
            full = shape_masks(
                obj.shape, torch.tensor([obj.cx]), torch.tensor([obj.cy]), obj.radius, obj.angle, 64
            )[0]
            painted[full] = label
        assert torch.equal(painted, s["semantic"])
        expected = torch.zeros_like(s["semantic"])
        for mask, label in zip(s["masks"], s["labels"], strict=True):
            expected[mask] = label
        assert torch.equal(expected, s["semantic"])


def test_every_object_keeps_min_visible_of_its_pixels() -> None:
    ds = Shapes(n=60, size=64, seed=2, min_objects=3, max_objects=6, min_visible=0.6)
    for i in range(len(ds)):
        s, scene = ds[i], ds.scene(i)
        assert 3 <= len(s["labels"]) <= 6
        for obj, visible in zip(scene.objects, s["masks"], strict=True):
            full = shape_masks(
                obj.shape, torch.tensor([obj.cx]), torch.tensor([obj.cy]), obj.radius, obj.angle, 64
            )[0]
            assert bool((visible <= full).all())
            assert int(visible.sum()) >= 0.6 * int(full.sum()) > 0


def test_objects_lie_inside_the_image_and_have_the_configured_sizes() -> None:
    ds = Shapes(n=40, size=64, seed=4, min_size=12, max_size=24, max_objects=4)
    for i in range(len(ds)):
        for obj in ds.scene(i).objects:
            assert 12 <= 2 * obj.radius <= 24
            assert (
                obj.radius <= obj.cx <= 64 - obj.radius and obj.radius <= obj.cy <= 64 - obj.radius
            )


def test_image_pixels_take_the_colour_of_their_visible_object(mixed: Shapes) -> None:
    for i in range(10):
        s, scene = mixed[i], mixed.scene(i)
        for obj, mask in zip(scene.objects, s["masks"], strict=True):
            pixels = s["image"][:, mask]  # [3,P]
            assert torch.allclose(pixels, torch.tensor(obj.rgb)[:, None].expand_as(pixels))


def test_backgrounds_differ_as_documented() -> None:
    kinds = {
        b: Shapes(n=1, size=64, seed=0, background=b, min_objects=0, max_objects=0)[0]
        for b in BACKGROUNDS
    }
    plain, noise, texture = (kinds[b]["image"] for b in ("plain", "noise", "texture"))
    assert float(plain.flatten(1).std(1).max()) == 0.0  # one colour
    assert float(noise.flatten(1).std(1).min()) > 0.03
    assert float(texture.flatten(1).std(1).min()) > 0.01
    mixed = Shapes(n=60, seed=0, background="mixed")
    assert {mixed[i]["background"] for i in range(60)} == set(BACKGROUNDS)


def test_empty_scenes_are_allowed_and_well_formed() -> None:
    s = Shapes(n=1, size=32, min_objects=0, max_objects=0)[0]
    assert (
        s["boxes"].shape == (0, 4) and s["masks"].shape == (0, 32, 32) and s["labels"].shape == (0,)
    )
    assert int(s["semantic"].abs().sum()) == 0 and s["caption"] == "no shapes"


def test_a_subset_of_shapes_defines_the_classes() -> None:
    ds = Shapes(n=30, shapes=["triangle", "circle"], seed=0)
    assert ds.classes == ["background", "triangle", "circle"]
    for i in range(len(ds)):
        s, scene = ds[i], ds.scene(i)
        assert [ds.classes[label] for label in s["labels"].tolist()] == [
            o.shape for o in scene.objects
        ]


def test_default_classes_and_sizes_are_balanced() -> None:
    ds = Shapes(n=400, seed=0, cache=False)
    counts = ds.class_counts()
    assert int(counts[0]) == 0
    shares = counts[1:].float() / counts.sum()
    assert float(shares.min()) > 0.2 and float(shares.max()) < 0.3, (
        shares
    )  # four classes, ~0.25 each
    sizes = torch.cat([ds[i]["sizes"] for i in range(len(ds))])
    assert float(torch.bincount(sizes, minlength=3).float().div(len(sizes)).min()) > 0.28


def test_small_images_still_render() -> None:
    s = Shapes(n=3, size=16, seed=0)[2]
    assert s["image"].shape == (3, 16, 16) and len(s["labels"]) >= 1
    assert math.isclose(
        float(s["masks"].any(0).float().mean()), float((s["semantic"] > 0).float().mean())
    )


def test_crowded_scenes_keep_min_objects() -> None:
    ds = Shapes(n=20, size=64, seed=0, min_objects=8, max_objects=10, cache=False)
    counts = [len(ds[i]["labels"]) for i in range(len(ds))]
    assert min(counts) >= 8 and max(counts) <= 10


def test_drawing_leaves_the_callers_thread_setting_alone() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        Shapes(n=1, seed=0)[0]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(threads)


def test_the_background_does_not_change_the_objects() -> None:
    kinds = [Shapes(n=10, seed=6, background=b) for b in ("plain", "noise", "texture", "mixed")]
    for i in range(10):
        first = kinds[0][i]
        for other in kinds[1:]:
            sample = other[i]
            assert sample["caption"] == first["caption"]
            for key in ("boxes", "labels", "masks", "semantic"):
                assert torch.equal(sample[key], first[key]), key
