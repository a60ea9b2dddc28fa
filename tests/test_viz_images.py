"""cvcourse.viz.images: grids of images, annotated kernels and feature maps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from cvcourse.viz.images import show_feature_maps, show_images, show_kernel, show_matrix


def _images_in(ax) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    return [np.asarray(im.get_array()) for im in ax.get_images()]


def test_show_images_one_axes_per_image_with_titles_and_data() -> None:
    gray = torch.rand(1, 8, 10, generator=torch.Generator().manual_seed(0))
    rgb = torch.rand(3, 8, 10, generator=torch.Generator().manual_seed(1))
    fig = show_images([gray, rgb, gray], titles=["a", "b", "c"], ncols=2)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 3  # the unused 4th cell of the 2x2 grid is removed
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c"]
    np.testing.assert_allclose(_images_in(fig.axes[0])[0], gray[0].numpy())
    np.testing.assert_allclose(_images_in(fig.axes[1])[0], rgb.permute(1, 2, 0).numpy())
    fig.savefig(__import__("io").BytesIO(), format="png")  # renders without error


def test_show_images_accepts_a_batch_and_stretches_when_asked() -> None:
    batch = torch.zeros(5, 1, 4, 4)
    batch[:, :, 0, 0] = -2.0
    fig = show_images(batch, ncols=5, vrange=None)
    assert len(fig.axes) == 5
    assert fig.axes[0].get_images()[0].get_clim() == (-2.0, 0.0)


def test_show_images_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="titles"):
        show_images([torch.zeros(1, 2, 2)], titles=["a", "b"])
    with pytest.raises(ValueError, match="images must be"):
        show_images([torch.zeros(2, 4, 4)])
    with pytest.raises(ValueError, match="empty"):
        show_images([])


def test_show_kernel_annotates_values_and_centres_colormap_at_zero() -> None:
    kernel = torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])
    fig = show_kernel(kernel, title="laplacian")
    (ax,) = fig.axes
    assert ax.get_title() == "laplacian"
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["0", "-1", "0", "-1", "4", "-1", "0", "-1", "0"]
    image = ax.get_images()[0]
    assert image.get_clim() == (-4.0, 4.0)
    assert image.get_cmap().name == "RdBu_r"
    np.testing.assert_allclose(np.asarray(image.get_array()), kernel.numpy())


def test_show_kernel_rejects_non_2d() -> None:
    with pytest.raises(ValueError, match="kernel"):
        show_kernel(torch.zeros(2, 3, 3))


def test_show_matrix_marks_missing_cells_and_prints_no_negative_zero() -> None:
    values = np.array([[1.0, np.nan], [-0.0, 4.0]])
    fig = show_matrix(values, fmt="{:.0f}")
    assert [t.get_text() for t in fig.axes[0].texts] == ["1", "?", "0", "4"]


def test_show_feature_maps_one_panel_per_channel() -> None:
    maps = torch.randn(6, 5, 7, generator=torch.Generator().manual_seed(0))
    fig = show_feature_maps(maps, ncols=4)
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes] == [f"ch {c}" for c in range(6)]
    for ax, channel in zip(fig.axes, maps, strict=True):
        image = ax.get_images()[0]
        np.testing.assert_allclose(np.asarray(image.get_array()), channel.numpy())
        low, high = image.get_clim()
        assert low == -high == -float(channel.abs().max())
    assert len(show_feature_maps(maps.unsqueeze(0)).axes) == 6
    with pytest.raises(ValueError, match="maps"):
        show_feature_maps(torch.zeros(4, 4))


def test_show_matrix_spells_center_zero_the_american_way() -> None:
    values = torch.tensor([[-1.0, 3.0]])
    new = show_matrix(values, cmap="RdBu_r", center_zero=True)
    old = show_matrix(values, cmap="RdBu_r", centre_zero=True)  # the old spelling still works
    for fig in (new, old):
        assert fig.axes[0].images[0].get_clim() == (-3.0, 3.0)
