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


def test_pi_over_4_kernel_is_not_zero_mean_erratum() -> None:
    # Its weights sum to 2, so a flat bright patch (2) beats the line it should find (1.2).
    assert value("pi4_kernel_sum") == pytest.approx(2.0)
    assert value("pi4_flat") == pytest.approx(2.0)
    assert value("pi4_flat") > value("pi4_diagonal")
    assert value("pi4_kernel_mean") == pytest.approx(2 / 9, abs=1e-4)
    # Mean-subtracted: flat gives 0, the line 1.2 - 3 * 2/9, the perpendicular line -3 * 2/9.
    assert value("pi4_zero_mean_sum") == pytest.approx(0.0, abs=1e-6)
    assert value("pi4_zero_mean_flat") == pytest.approx(0.0, abs=1e-6)
    assert value("pi4_zero_mean_diagonal") == pytest.approx(1.2 - 6 / 9, abs=1e-4)
    assert value("pi4_zero_mean_antidiagonal") == pytest.approx(-6 / 9, abs=1e-4)
    assert value("pi4_square_inside") == pytest.approx(2.0)
    assert value("pi4_line_response") == pytest.approx(1.2)


def test_angle_convention_y_down() -> None:
    assert value("pi4_angle_y_down") == pytest.approx(45.0)
    assert value("pi4_angle_y_up") == pytest.approx(-45.0)


def test_dense_versus_convolution_parameter_counts() -> None:
    assert value("mnist_inputs") == 784
    assert value("dense_params") == 784 * 6 * 26 * 26 + 6 * 26 * 26 == 3_183_960
    assert value("local_params") == 6 * 26 * 26 * (9 + 1) == 40_560
    assert value("conv_params_digit") == 6 * 9 + 6 == 60
    assert value("dense_over_conv") == 3_183_960 // 60
    assert value("conv_matrix_shape") == [784, 676]
    assert value("conv_matrix_nonzero_pct") == pytest.approx(100 * 676 * 9 / (784 * 676), abs=0.01)
    assert value("conv_matrix_distinct") == 9


def test_translation_equivariance() -> None:
    assert value("equivariance_circular") == pytest.approx(0.0, abs=1e-5)
    assert value("equivariance_zero_interior") == pytest.approx(0.0, abs=1e-5)
    assert value("equivariance_zero_border") > 0.1  # the border sees new content
    assert value("equivariance_dense") > 0.1  # a dense layer is not equivariant
    assert value("equivariance_picture_range") > 0.1


def test_one_by_one_convolution() -> None:
    assert value("pointwise_params") == 64 * 16 + 16 == 1040
    assert value("pointwise_3x3_params") == 64 * 16 * 9 + 16 == 9232
    assert value("pointwise_matches") is True


def test_grouped_convolution() -> None:
    # S1 L108-116: 3x3, 256 input channels, 128 filters, 32 groups (CURRICULUM Ch 2 values).
    assert value("groups_weight_shape") == [128, 8, 3, 3]
    assert value("groups_params") == 9216
    assert value("groups_params_ungrouped") == 294_912
    assert value("groups_ratio") == 32
    assert value("groups_channels_per_group") == 8
    assert value("groups_filters_per_group") == 4
    assert value("groups_by_hand_matches") is True
    assert value("depthwise_weight_shape") == [256, 1, 3, 3]


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


def test_pooling_is_only_approximately_shift_invariant() -> None:
    assert value("spike_pooled_2") == [0, 1, 0, 0]
    assert value("spike_pooled_3") == [0, 1, 0, 0]  # same window: invariant
    assert value("spike_pooled_4") == [0, 0, 1, 0]  # next window: not
    assert 50 < value("pool_shift1_changed_pct") < 100
    assert value("pool_shift2_equals_shifted") is True


def test_receptive_field() -> None:
    # 1 + 2 + 2 + 1 + 2*2 + 2*2 = 14
    assert value("rf_formula") == 14
    assert value("rf_measured") == 14
    assert value("rf_measured_cols") == 14
    assert value("rf_without_pool") == 9


def test_learning_a_kernel_recovers_sobel() -> None:
    assert value("learn_steps") == 100
    assert value("learn_kernel") == [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
    assert float(value("learn_kernel_error")) < 1e-5
    assert float(value("learn_final_loss")) < 1e-8
    assert value("learn_first_loss") > 1


def test_octave_is_a_shift_only_on_a_log_axis() -> None:
    assert value("octave_harmonics") == [110, 220, 330, 440]
    assert value("octave_linear_moves") == [110, 220, 330, 440]  # a stretch
    assert value("octave_log_moves") == [1.0, 1.0, 1.0, 1.0]  # a translation


def test_exercise_answers() -> None:
    assert value("ex_gauss_00") == 110
    assert value("ex_gauss_00_products") == [1, 0, 4, 16, 8, 10, 20, 26, 25]
    assert value("ex_out_32_k5_s2_p2") == 16
    assert value("ex_out_32_k3_d2_p2") == 32
    assert value("ex_params_16_32") == 4640
    assert value("ex_params_16_32_nobias") == 4608
    assert value("ex_receptive_field") == 5
    assert value("ex_receptive_field_cols") == 5
    assert value("ex_rf_formula_two") == 5
    assert value("ex_weights_5x5") == 25
    assert value("ex_weights_two_3x3") == 18
    assert value("ex_groups_weight_shape") == [128, 16, 3, 3]
    assert value("ex_groups_params") == 128 * 16 * 9 + 128 == 18_560
    # the code exercise: dilations 1, 2, 4 -> 1 + 2 + 4 + 8 = 15, every pixel reached
    assert value("ex_dilated_rf_predicted") == 15
    assert value("ex_dilated_rf_measured") == 15
    assert value("ex_dilated_rf_taps") == 15 * 15
    assert value("ex_dilated_weights") == 27
    # padding never wins (it is -inf), so every value is one of the input's
    assert value("ex_pool_negative") == [
        [-1, -1, -2, -3],
        [-1, -1, -2, -3],
        [-4, -4, -5, -6],
        [-7, -7, -8, -9],
    ]


def test_every_glued_value_is_asserted_here() -> None:
    from pathlib import Path

    from tests.book.glue import glued

    this_file = Path(__file__).read_text()
    unchecked = [name for name in glued(CHAPTER) if f'"{name}"' not in this_file]
    assert not unchecked, f"glued in the chapter but asserted nowhere: {unchecked}"
