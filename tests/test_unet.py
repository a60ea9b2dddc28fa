"""cvcourse.models.unet and train_unet: shapes, skip order, odd sizes, the shipped checkpoint."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cvcourse.models.train_unet import (
    DEFAULT_CHECKPOINT,
    UNetTrainer,
    load_unet,
    predict,
    save_unet,
    segmentation_data,
    train_unet,
)
from cvcourse.models.unet import UNet, double_conv
from cvcourse.seg_metrics import confusion_matrix, mean_iou


@pytest.mark.parametrize(("h", "w"), [(32, 48), (33, 47), (8, 8), (17, 9)])
def test_output_keeps_the_input_size(h: int, w: int) -> None:
    model = UNet(3, 5, 4, 2).eval()
    assert model(torch.rand(2, 3, h, w)).shape == (2, 5, h, w)


def test_module_names_are_the_contract() -> None:
    names = {k.split(".")[0] for k in UNet().state_dict()}
    assert names == {"encoders", "bottleneck", "ups", "decoders", "head"}
    state = UNet(3, 4, 8, 2).state_dict()
    assert state["decoders.0.0.weight"].shape == (16, 32, 3, 3)  # [skip 16 + upsampled 16]
    assert state["ups.0.weight"].shape == (32, 16, 2, 2)  # deep to shallow
    assert state["head.weight"].shape == (4, 8, 1, 1)
    assert len(UNet(1, 2, 4, 3).encoders) == 3


def test_skip_comes_first_in_the_concatenation() -> None:
    """Zeroing the skip half of a decoder's first conv changes the output only through the
    upsampled half, and vice versa: the first ``w`` input channels are the skip."""
    torch.manual_seed(0)
    model = UNet(1, 2, 4, 1).eval()
    x = torch.rand(1, 1, 8, 8)
    skip = model.encoders[0](x)
    up = model.ups[0](model.bottleneck(F.max_pool2d(skip, 2)))
    expected = model.head(model.decoders[0](torch.cat([skip, up], dim=1)))
    torch.testing.assert_close(model(x), expected)


def test_odd_sizes_pad_the_upsampled_map_at_the_bottom_and_right() -> None:
    torch.manual_seed(0)
    model = UNet(1, 2, 4, 1).eval()
    x = torch.rand(1, 1, 9, 7)
    skip = model.encoders[0](x)  # 9x7
    up = model.ups[0](model.bottleneck(F.max_pool2d(skip, 2)))  # 8x6
    up = F.pad(up, (0, 1, 0, 1))
    expected = model.head(model.decoders[0](torch.cat([skip, up], dim=1)))
    torch.testing.assert_close(model(x), expected)


def test_double_conv_keeps_size() -> None:
    assert double_conv(3, 5)(torch.rand(2, 3, 7, 9)).shape == (2, 5, 7, 9)


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth"):
        UNet(depth=0)


def test_training_lowers_the_loss_and_is_reproducible() -> None:
    images, masks = segmentation_data(8, 24, "train", seed=0)
    a = train_unet(images, masks, steps=6, batch_size=4, base=4, num_threads=1)
    b = train_unet(images, masks, steps=6, batch_size=4, base=4, num_threads=1)
    assert a.losses == b.losses
    assert a.losses[-1] < a.losses[0]
    assert not a.model.training
    assert predict(a.model, images).shape == masks.shape


def test_training_in_parts_equals_training_in_one_go() -> None:
    images, masks = segmentation_data(8, 24, "train", seed=0)
    whole = train_unet(images, masks, steps=6, batch_size=4, base=4, num_threads=1)
    parts = UNetTrainer(images, masks, steps=6, batch_size=4, base=4)
    parts.run(2, num_threads=1)
    assert len(parts.losses) == 2 and not parts.model.training
    parts.run(num_threads=1)
    parts.run(num_threads=1)  # nothing left: no more steps
    assert parts.losses == whole.losses
    # one cycle: a short warm-up from lr / 25, then a cosine decay to almost zero
    assert len(parts.rates) == 6 and parts.rates[0] == pytest.approx(1e-2 / 25)
    assert max(parts.rates) == parts.rates[1] and parts.rates[-1] < 1e-6
    x = images[:2]
    torch.testing.assert_close(parts.model(x), whole.model(x))


def test_save_and_load_round_trip(tmp_path) -> None:
    model = UNet(3, 4, 4, 2).eval()
    save_unet(model, tmp_path / "m.pt", score=0.5)
    loaded, info = load_unet(tmp_path / "m.pt")
    assert info == {"score": 0.5}
    x = torch.rand(1, 3, 16, 16)
    torch.testing.assert_close(loaded(x), model(x))


def test_shipped_checkpoint_segments_test_scenes() -> None:
    assert DEFAULT_CHECKPOINT.stat().st_size < 2_000_000
    model, info = load_unet()
    images, masks = segmentation_data(40, 48, "test", seed=0)
    miou = mean_iou(confusion_matrix(predict(model, images), masks, 4))
    assert miou > 0.85
    assert info["test_miou"] > 0.9
