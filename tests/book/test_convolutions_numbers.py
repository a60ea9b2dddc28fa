"""The worked numbers of the chapter "Convolutions and pooling" (CURRICULUM.md, Ch 1).

Each value is read from the chapter's own execution (``glued_value``), so the numbers a reader
sees are the numbers checked here against the slides and the curriculum.
"""

from __future__ import annotations

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "convolutions"


def value(name: str):  # type: ignore[no-untyped-def]
    return glued_value(CHAPTER, name)


def test_gaussian_example_gives_198() -> None:
    # S3 L68: 2 + 10 + 4 + 26 + 100 + 30 + 8 + 12 + 6 = 198
    assert value("gauss_products") == [2, 10, 4, 26, 100, 30, 8, 12, 6]
    assert value("gauss_198") == 198


def test_gaussian_full_valid_output_on_the_rebuilt_matrix() -> None:
    assert value("gauss_valid_output") == [
        [110, 120, 522, 984],
        [257, 198, 755, 1360],
        [567, 687, 1312, 1689],
        [1288, 1496, 1911, 1659],
    ]
    assert value("gauss_output_side") == 4
    assert value("gauss_naive_matches_torch") is True


def test_vertical_edge_rows_and_the_flipped_convolution_erratum() -> None:
    assert value("edge_row") == [0, 30, 30, 0]
    assert value("edge_output") == [[0, 30, 30, 0]] * 4
    assert value("edge_rows_identical") is True
    assert value("edge_true_conv_row") == [0, -30, -30, 0]  # erratum 4: -30, not "-0"


def test_one_minus_one_on_000111() -> None:
    assert value("diff_000111") == [0, 0, -1, 0, 0]
    assert value("diff_length") == 5


def test_laplacian_partial_grid() -> None:
    assert value("laplacian_output") == [[-100, -205, -25], [150, 50, -245], [None, 195, 175]]
    assert value("laplacian_missing_cells") == [[0, 4], [4, 0], [4, 1]]  # the 3 lost cells
    assert value("laplacian_unknown_cells") == [[2, 0]]
    # 4*240 - (215 + 230 + 250) = 265, minus the lost pixel below the 240
    assert value("laplacian_unknown_base") == 265


def test_pi_over_4_kernel() -> None:
    assert value("pi4_diagonal") == pytest.approx(1.2, abs=1e-6)
    assert value("pi4_antidiagonal") == pytest.approx(0.0, abs=1e-6)


def test_channels_dot_product_and_filter_bank() -> None:
    assert value("filter_dot_dim") == 75  # 3x5x5
    assert value("filter_dot_matches") is True
    assert value("bank_weight_shape") == [6, 3, 5, 5]
    assert value("bank_output_shape") == [6, 28, 28]
    assert value("rgb_bank_shape") == [4, 3, 3, 3]
    assert value("coffee_shape") == [3, 160, 240]
    assert value("random_features_shape") == [8, 156, 236]


def test_456_parameters() -> None:
    assert value("conv_params") == 456  # 6 * (5*5*3) + 6
    assert value("conv_params_formula") == 456


def test_output_sizes_of_the_7x7_example() -> None:
    assert value("out_7_k3_p0") == 5
    assert value("out_7_k3_p1") == 7
    assert value("out_7_k3_s2") == 3
    assert value("out_7_k3_s3") == 2
    assert value("out_32_k5") == 28


def test_same_padding_and_formula_sweep() -> None:
    assert value("same_padding_kernels") == [1, 3, 5, 7]
    assert value("same_padding_sizes") == [7, 7, 7, 7]  # P = (K-1)/2
    assert value("formula_configs_checked") > 1000
    assert value("formula_mismatches") == 0


def test_pooling() -> None:
    assert value("max_pool") == [[6, 8], [3, 4]]
    assert value("avg_pool") == [[3.25, 5.25], [2.0, 2.0]]
    assert value("pool_params") == 0


def test_exercise_answers() -> None:
    assert value("ex_gauss_00") == 110
    assert value("ex_gauss_00_products") == [1, 0, 4, 16, 8, 10, 20, 26, 25]
    assert value("ex_out_32_k5_s2_p2") == 16
    assert value("ex_out_32_k3_d2_p2") == 32
    assert value("ex_params_16_32") == 4640
    assert value("ex_params_16_32_nobias") == 4608
    assert value("ex_receptive_field") == 5
    assert value("ex_receptive_field_cols") == 5
    # padding never wins (it is -inf), so every value is one of the input's
    assert value("ex_pool_negative") == [
        [-1, -1, -2, -3],
        [-1, -1, -2, -3],
        [-4, -4, -5, -6],
        [-7, -7, -8, -9],
    ]
