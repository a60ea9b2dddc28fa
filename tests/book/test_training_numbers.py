"""The worked numbers of the training chapter, as the chapter glued them (CURRICULUM Ch 3)."""

from __future__ import annotations

import pytest

from tests.book.glue import glued_value

pytestmark = pytest.mark.slow

CHAPTER = "training"


def value(name: str):
    return glued_value(CHAPTER, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 3.1: the slide's softmax row, and cross-entropy = -ln p of the true class
        ("leftover_mass", 0.10),
        ("ce_cat", 0.3567),  # -ln 0.7
        ("ce_bread", 1.6094),  # -ln 0.2
        # 3.3: activations at -2 / 0 / 2
        ("elu_minus2", -0.8647),
        ("leaky_default_slope", 0.01),
        ("sigmoid_max_grad", 0.25),
        ("sigmoid_grad_10", 9.54e-7),
        ("explorer_chain", 1.63e-10),  # (0.8808 * 0.1192) ** 10
        ("explorer_derivative", 0.105),
        ("n_tags_yes", 4),
        # 3.4: BatchNorm of [1, 2, 3, 4] and one momentum-0.1 step of the running statistics
        ("bn_batch_var", 1.25),
        ("bn_unbiased_var", 1.6667),
        ("bn_running_mean", 0.25),
        ("bn_running_var", 1.0667),
        ("bn_stats", 16),
        ("bn_values_per_stat", 65_536),  # 64 * 32 * 32
        # 3.5: inverted dropout with p = 0.5
        ("dropout_scale", 2.0),
        ("dropout_eval_same", True),
        # 3.6: predicted [cat, cat, dog, cat] against gold [dog, cat, dog, dog]
        ("toy_accuracy", 0.5),
        # exercises
        ("ex1_accuracy", 0.75),
        ("ex1_macro_f1", 0.7527),  # mean of 10/13, 0.6, 8/9
        ("ex2_running_mean", 0.5),
        ("ex2_running_var", 1.5667),  # 0.9 + 0.1 * 20/3
        ("ex3_tanh_10", 1.71e-4),
        ("ex4_scale", 1.25),
    ],
)
def test_scalar_values(name: str, expected: float) -> None:
    # tiny numbers are glued with 3 significant digits: compare those relatively
    tolerance = {"rel": 1e-2} if 0 < abs(expected) < 1e-3 else {"abs": 1e-4}
    assert value(name) == pytest.approx(expected, **tolerance)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sigmoid_values", [0.1192, 0.5, 0.8808]),
        ("tanh_values", [-0.964, 0.0, 0.964]),
        ("bn_output", [-1.3416, -0.4472, 0.4472, 1.3416]),
        ("toy_precision", [0.3333, 1.0]),
        ("toy_recall", [1.0, 0.3333]),
        ("toy_f1", [0.5, 0.5]),
        ("ex1_precision", [0.7143, 0.75, 0.8]),  # 5/7, 3/4, 4/5
        ("ex1_recall", [0.8333, 0.5, 1.0]),  # 5/6, 3/6, 4/4
        ("ex1_f1", [0.7692, 0.6, 0.8889]),
        ("ex2_output", [-1.6833, 0.1056, 1.8944, 3.6833]),  # 2 (x - 5) / sqrt(5) + 1
    ],
)
def test_vector_values(name: str, expected: list) -> None:
    assert value(name) == pytest.approx(expected, abs=1e-4)


def test_confusion_matrix_of_the_cat_and_dog_example() -> None:
    assert value("toy_cm") == [[1, 0], [2, 1]]  # rows true (cat, dog), columns predicted


def test_splits_and_steps() -> None:
    assert (value("n_train"), value("n_val"), value("n_test")) == (300, 1047, 450)
    assert value("n_steps") == 30 * 10  # 30 epochs of ceil(300 / 32) batches


def test_vanishing_gradients_and_batchnorm_remedy() -> None:
    # ten sigmoid layers: the first layer gets a vanishing share of the output layer's gradient
    assert value("vanish_sigmoid") < 1e-6
    assert value("vanish_sigmoid") < value("vanish_relu") < value("vanish_bn")
    assert value("vanish_bn") > 0.1  # BatchNorm keeps the gradient within an order of magnitude
    # the sigmoids are not saturated: their mean derivative sits at the maximum 1/4 ...
    assert 0.24 <= value("sigmoid_slope_min") <= value("sigmoid_slope_max") <= 0.25
    # ... and 1/4 * sqrt(fan_out * Var w) = 1/4 * sqrt(1/3) per layer predicts the measured order
    assert value("per_layer_factor") == pytest.approx(0.25 * (1 / 3) ** 0.5, abs=1e-3)
    assert 0.1 < value("vanish_sigmoid") / value("per_layer_factor_10") < 10
    # initialisation: Glorot rescues tanh, He rescues ReLU, the sigmoid stays far below 1
    assert value("vanish_tanh") < 0.1 < value("vanish_tanh_glorot")
    assert value("vanish_tanh_glorot") > 10 * value("vanish_tanh")
    assert value("vanish_relu_he") > 0.3 and value("vanish_relu_he") > 10 * value("vanish_relu")
    assert value("vanish_sigmoid_glorot") < 1e-4
    # BatchNorm's backward gain 1 / sigma_B is what cancels the small weights
    assert value("bn_input_std") < 0.5
    assert value("bn_backward_gain") == pytest.approx(1 / value("bn_input_std"), rel=0.02)
    # BatchNorm's running statistics after one step do not normalise the batch
    assert value("bn_eval_output") == pytest.approx(
        [(x - 0.25) / (1.0667 + 1e-5) ** 0.5 for x in (1, 2, 3, 4)], abs=1e-3
    )


def test_digit_runs_show_what_the_prose_says() -> None:
    acc = value("final_val_acc")
    assert set(acc) == {"plain", "BatchNorm", "dropout 0.3", "augmentation", "all three"}
    assert acc["plain"] == value("plain_val_acc") >= 0.9
    # "each regulariser raises the validation accuracy over the plain network's"
    for name in ("BatchNorm", "dropout 0.3", "augmentation", "all three"):
        assert acc[name] > acc["plain"], name
    assert value("all_val_acc") >= 0.97
    assert value("best_run") == max(acc, key=acc.get)
    # BatchNorm learns faster: far ahead after 3 epochs
    assert value("bn_epoch3_acc") > value("plain_epoch3_acc") + 0.2
    # overfitting: near-zero training loss, much higher validation loss; dropout raises the former
    assert value("plain_train_loss") < 0.05 < value("plain_val_loss")
    assert value("drop_train_loss") > value("plain_train_loss")
    # "they all raise the training loss ... and the gap between training and validation shrinks"
    train, val = value("final_train_loss"), value("final_val_loss")
    plain_gap = val["plain"] - train["plain"]
    for name in ("dropout 0.3", "augmentation", "all three"):
        assert train[name] > train["plain"], name
        assert abs(val[name] - train[name]) < plain_gap, name
    assert 0 <= value("reg_diff_min") <= value("reg_diff_max") <= 60
    assert value("bn_val_loss") < value("plain_val_loss")
    # BatchNorm left in training mode on batches of one image does worse than in evaluation mode
    assert value("bn_one_train") < value("bn_one_eval")
    assert value("bn_one_cost") == pytest.approx(
        value("bn_one_eval") - value("bn_one_train"), abs=1e-4
    )
    by_batch = value("ex6_by_batch")
    assert by_batch[1] < by_batch[256] and abs(by_batch[256] - value("ex6_eval")) < 0.01


def test_test_set_and_confusion_matrix() -> None:
    assert value("test_accuracy") >= 0.95
    assert value("test_macro_f1") >= 0.95
    assert value("test_worst_f1") <= value("test_macro_f1")
    true, pred = value("top_confusion")
    assert true != pred and value("top_confusion_count") >= 1
    assert value("infer_prob") > 0.5


def test_multilabel_shapes() -> None:
    assert value("shapes_label_acc") >= 0.85
    assert value("shapes_macro_f1") >= 0.8
    assert 0.5 <= value("shapes_exact") <= value("shapes_label_acc")
    f1 = value("shapes_f1")
    assert set(f1) == {"circle", "square", "triangle", "cross"}
    assert sum(f1.values()) / 4 == pytest.approx(value("shapes_macro_f1"), abs=1e-3)
    assert 1 <= value("shapes_mean_labels") <= 3
    assert (value("shapes_n_train"), value("shapes_n_val"), value("shapes_size")) == (2000, 500, 48)
    assert 30 <= value("shapes_prevalence_min") <= value("shapes_prevalence_max") <= 55
    # exercise 5's solution reproduces the section's macro F1 at threshold 0.5
    assert value("ex5_f1_at_half") == value("shapes_macro_f1")
    assert value("ex5_best_f1") >= value("ex5_f1_at_half")
