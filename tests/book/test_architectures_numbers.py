"""The worked numbers of the architecture chapter, as the chapter glued them (CURRICULUM Ch 2)."""

from __future__ import annotations

import math

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "architectures"


def value(name: str):
    return glued_value(CHAPTER, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # LeNet-5 of the slides (S4): shapes and 520 + 25,050 + 1,225,500 + 5,010 = 1,256,080
        (
            "lenet_shapes",
            [[20, 28, 28], [20, 14, 14], [50, 14, 14], [50, 7, 7], [2450], [500], [10]],
        ),
        ("lenet_layer_params", [520, 25_050, 1_225_500, 5_010]),
        ("lenet_conv1_params", 520),
        ("lenet_conv2_params", 25_050),
        ("lenet_fc1_params", 1_225_500),
        ("lenet_fc2_params", 5_010),
        ("lenet_params", 1_256_080),
        ("lenet_macs", 28 * 28 * 20 * 25 + 14 * 14 * 50 * 20 * 25 + 2450 * 500 + 500 * 10),
        ("lenet_conv2_macs", 4_900_000),
        ("digits_train", 1347),
        ("digits_test", 450),
        # 25 vs 18 (S3)
        ("vgg_5x5", 25),
        ("vgg_3x3", 18),
        ("vgg_saving", 28),
        # torchvision's definitions against the slides' claims (errata)
        ("alexnet_params", 61_100_840),  # torchvision's single-GPU variant (Krizhevsky 2014)
        ("alexnet_2012_params", 60_965_224),  # the 2012 network: the paper's "60 million"
        ("vgg16_params", 138_357_544),
        ("vgg16_fc1_params", 25088 * 4096 + 4096),
        ("googlenet_params", 6_624_904),
        # torchvision's GoogLeNet -> the 2014 network: - BatchNorm + conv biases + real 5x5 kernels
        ("googlenet_bn_params", 14_560),
        ("googlenet_5x5_missing", 380_928),
        ("googlenet_2014_params", 6_998_552),
        ("googlenet_2014_millions", 7.0),
        ("resnet50_params", 25_557_032),
        ("resnet50_millions", 25.6),
        ("resnext50_params", 25_028_904),
        ("mobilenet_v2_params", 3_504_872),
        ("efficientnet_b0_params", 5_288_548),
        ("params_match_torchvision", True),
        ("macs_match_torchvision", True),
        # dY/dx = dF/dx + 1
        ("resid_dF", 3.0),
        ("resid_dY", 4.0),
        # the grouped example (S1): weight [128, 8, 3, 3]
        ("grouped_weight_shape", [128, 8, 3, 3]),
        ("grouped_params", 9_216),
        ("ungrouped_params", 294_912),
        ("grouped_macs", 9_437_184),
        ("ungrouped_macs", 301_989_888),
        ("grouped_output", [128, 32, 32]),
        # depthwise-separable (S3): 18,432 -> 2,336, ratio 1/64 + 1/9
        ("dws_standard", 18_432),
        ("dws_separable", 2_336),
        ("dws_ratio", round(2336 / 18432, 4)),
        ("dws_formula", round(1 / 64 + 1 / 9, 4)),
        # Inception's 1x1 bottleneck
        ("inception_direct_macs", 28 * 28 * 32 * 192 * 25),
        ("inception_reduced_macs", 28 * 28 * 16 * 192 + 28 * 28 * 32 * 16 * 25),
        ("inception_saving", 9.7),
        ("compound_factor", 1.92),
        ("ln10", 2.3),
        # exercises
        ("ex_stem_params", 9_408),
        ("ex_stem_out", [64, 112, 112]),
        ("ex_stem_macs", 112 * 112 * 64 * 3 * 49),
        ("ex_sep_ratio_256", round(1 / 256 + 1 / 9, 4)),
        ("ex_two_blocks", 0.88),
        ("ex_two_plain", -0.02),
        ("ex_3x3_vs_7x7_saving", 45),
        ("ex_sweep_params_1", 294_912),
        ("ex_sweep_params_2", 147_456),
        ("ex_sweep_params_128", 2_304),
        ("ex_sweep_macs_128", 2_359_296),
        ("ex_bottleneck_params", 69_632),
        ("ex_basic256_params", 1_179_648),
        ("ex_bottleneck_ratio", 16.9),
    ],
)
def test_exact_values(name: str, expected) -> None:
    assert value(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("vgg16_gmacs", 15.47),
        ("resnet50_gmacs", 4.09),  # the papers' "FLOPs" are multiply-adds (V1.5: 4.09, not 3.8)
        ("resnet50_gflops", 8.18),
        ("resnext50_gmacs", 4.23),
        ("lenet_fc_share", 97.6),
        ("alexnet_dense_share", 96.0),
    ],
)
def test_rounded_values(name: str, expected: float) -> None:
    assert value(name) == pytest.approx(expected, abs=0.011)


def test_imagenet_accuracies_come_from_torchvision() -> None:
    assert value("efficientnet_b0_top1") == pytest.approx(77.692)
    assert value("vgg16_top1") == pytest.approx(71.592)
    assert value("macs_ratio_vgg_effnet") == round(15.47 / 0.386)


def test_lenet_trains_to_the_stated_accuracy() -> None:
    assert value("lenet_accuracy") >= 0.97
    assert value("lenet_epochs") == 8


def test_the_residual_stack_trains_and_the_plain_one_stalls() -> None:
    assert value("plain_final_loss") == pytest.approx(math.log(10), abs=0.05)
    assert value("plain_accuracy") < 0.2
    assert value("residual_final_loss") < 0.3
    assert value("residual_accuracy") >= 0.9
    # glued as numbers (the chapter formats them with {glue:text}`name:.1e`), not as strings
    assert isinstance(value("plain_grad_ratio"), float)
    assert isinstance(value("viewer32_plain_ratio"), float)
    assert value("plain_grad_ratio") < 1e-4 < 0.01 < value("residual_grad_ratio")
    assert value("viewer32_plain_ratio") < value("plain_grad_ratio")
