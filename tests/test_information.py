"""Tests of the discrete information-plane estimators (binning, k-means)."""

import numpy as np
import pytest
import torch

import sknc.information._kmeans as _kmeans
from sknc.information import (
    ESTIMATORS,
    AdaptiveBinningEstimator,
    BinningEstimator,
    KDEEstimator,
    KMeansEstimator,
    discrete_entropy,
    get_estimator,
    mutual_information,
)


def _entropy_bits(counts):
    p = np.asarray(counts, dtype=float) / np.sum(counts)
    return float(-np.sum(p * np.log2(p)))


def test_discrete_entropy_uniform_is_exact():
    """Check that 8 equally likely values have an entropy of exactly 3 bits."""
    assert discrete_entropy(np.repeat(np.arange(8), 5)) == 3.0


def test_discrete_entropy_non_uniform_matches_formula():
    """Check that a non-uniform distribution gives -sum p log2 p."""
    counts = [1, 2, 3, 4, 10]
    labels = np.repeat(["a", "b", "c", "d", "e"], counts)
    assert discrete_entropy(labels) == pytest.approx(_entropy_bits(counts), abs=1e-12)


def test_discrete_entropy_reads_rows_as_symbols():
    """Check that each distinct row of a 2-D array is one symbol."""
    rows = np.array([[0, 1], [0, 1], [1, 0], [1, 1]])
    assert discrete_entropy(rows) == pytest.approx(1.5, abs=1e-12)


def test_binning_eight_values_give_three_bits():
    """Check that 8 distinct values in 8 bins give I(X;T) = 3 bits exactly."""
    T = np.repeat(np.linspace(-0.9, 0.9, 8), 4)[:, None]
    y = np.tile([0, 1], 16)
    i_xt, i_ty = BinningEstimator(n_bins=8, value_range=(-1, 1)).estimate(T, y)
    assert i_xt == 3.0
    assert i_ty == pytest.approx(0.0, abs=1e-12)


def test_binning_non_uniform_distribution_matches_formula():
    """Check that H(T) of unequal bin counts follows the entropy formula."""
    counts = [5, 1, 7, 3]
    T = np.repeat([0.05, 0.3, 0.55, 0.95], counts)[:, None]
    i_xt, _ = BinningEstimator(n_bins=4, value_range=(0, 1)).estimate(T)
    assert i_xt == pytest.approx(_entropy_bits(counts), abs=1e-12)


def test_binning_two_units_make_one_symbol_per_row():
    """Check that rows, not units, are the symbols: 2 units x 2 bins -> 2 bits."""
    T = np.array([[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]] * 3)
    i_xt, _ = BinningEstimator(n_bins=2, value_range=(-1, 1)).estimate(T)
    assert i_xt == 2.0


def test_binning_label_copy_gives_label_entropy():
    """Check that a layer copying the label has I(T;Y) = H(Y)."""
    y = np.repeat([0, 1, 2], [10, 25, 65])
    T = np.column_stack([y / 2.0, -y / 2.0])
    i_xt, i_ty = BinningEstimator().estimate(T, y)
    assert i_ty == pytest.approx(_entropy_bits([10, 25, 65]), abs=1e-12)
    assert i_xt == pytest.approx(i_ty, abs=1e-12)


def test_binning_independent_layer_gives_zero_information():
    """Check that I(T;Y) is ~0 when T ignores Y.

    With every (T, Y) pair equally frequent the plug-in value is exactly 0;
    for random independent draws the plug-in bias is about
    (|T| - 1)(|Y| - 1) / (2 n ln 2) = 0.0013 bits here, so 0.01 bits is loose.
    """
    T = np.repeat(np.linspace(0, 1, 8), 6)[:, None]
    y = np.tile([0, 1, 2], 16)
    assert BinningEstimator(n_bins=8).estimate(T, y)[1] == pytest.approx(0, abs=1e-12)

    rng = np.random.RandomState(0)
    T = rng.uniform(size=(4000, 1))
    y = rng.randint(0, 2, size=4000)
    i_xt, i_ty = BinningEstimator(n_bins=8).estimate(T, y)
    assert i_xt == pytest.approx(3.0, abs=0.01)
    assert 0.0 <= i_ty < 0.01


def test_binning_clips_values_outside_the_range():
    """Check that values outside value_range fall in the end bins."""
    T = np.array([[-5.0], [-0.99], [0.99], [5.0]])
    i_xt, _ = BinningEstimator(n_bins=2, value_range=(-1, 1)).estimate(T)
    assert i_xt == 1.0


def test_binning_default_range_is_scale_free():
    """Check that value_range=None bins on [min, max], so scaling T changes nothing."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(300, 3))
    y = rng.randint(0, 3, size=300)
    est = BinningEstimator(n_bins=5)
    assert est.estimate(T, y) == est.estimate(10.0 * T + 3.0, y)


def test_binning_constant_layer_has_zero_information():
    """Check that a constant layer has I(X;T) = I(T;Y) = 0."""
    assert BinningEstimator().estimate(np.ones((20, 3)), np.arange(20) % 2) == (0, 0)


def test_binning_is_bounded_by_log2_n():
    """Check that I(X;T) <= log2(n) and I(T;Y) <= min(I(X;T), H(Y))."""
    rng = np.random.RandomState(1)
    T = rng.normal(size=(100, 6))
    y = rng.randint(0, 4, size=100)
    i_xt, i_ty = BinningEstimator(n_bins=30).estimate(T, y)
    assert i_xt == pytest.approx(np.log2(100), abs=1e-12)
    assert i_ty <= discrete_entropy(y) + 1e-12


def test_adaptive_binning_quantile_bins_hold_equal_mass():
    """Check that 8 quantile bins of 800 distinct values give exactly 3 bits."""
    T = np.random.RandomState(0).normal(size=(800, 2))
    i_xt, _ = AdaptiveBinningEstimator(rule="quantile", n_bins=8).estimate(T[:, :1])
    assert i_xt == pytest.approx(3.0, abs=1e-12)


@pytest.mark.parametrize("rule", ["scott", "fd", "sturges", "auto"])
def test_adaptive_binning_matches_numpy_histogram(rule):
    """Check that one unit's symbols are numpy.histogram's bins for the rule."""
    x = np.random.RandomState(0).exponential(size=500)
    counts, _ = np.histogram(x, bins=rule)
    i_xt, _ = AdaptiveBinningEstimator(rule=rule).estimate(x)
    assert i_xt == pytest.approx(_entropy_bits(counts[counts > 0]), abs=1e-12)


def test_adaptive_binning_uses_per_unit_edges():
    """Check that a unit's scale does not change its bins (edges are per unit)."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(400, 2))
    y = rng.randint(0, 2, size=400)
    est = AdaptiveBinningEstimator(rule="scott")
    assert est.estimate(T, y) == est.estimate(T * [1.0, 1000.0], y)


def test_kmeans_point_masses_give_log2_n_exactly():
    """Check that N repeated points with n_clusters >= N give log2(N) exactly."""
    points = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]], dtype=float)
    T = np.repeat(points, 12, axis=0)
    y = np.repeat(np.arange(5), 12)
    for n_clusters in (5, 8):
        est = KMeansEstimator(n_clusters=n_clusters, random_state=0)
        i_xt, i_ty = est.estimate(T, y)
        assert i_xt == pytest.approx(np.log2(5), abs=1e-12)
        assert i_ty == pytest.approx(np.log2(5), abs=1e-12)


def test_kmeans_separated_blobs_recover_cluster_labels():
    """Check that k-means finds separated blobs: I(X;T) = I(T;Y) = H(Y)."""
    rng = np.random.RandomState(0)
    counts = [30, 60, 90, 120]
    y = np.repeat(np.arange(4), counts)
    centers = np.array([[0, 0, 0], [20, 0, 0], [0, 20, 0], [0, 0, 20]])
    T = centers[y] + rng.normal(scale=0.1, size=(len(y), 3))
    i_xt, i_ty = KMeansEstimator(n_clusters=4, random_state=0).estimate(T, y)
    assert i_xt == pytest.approx(_entropy_bits(counts), abs=1e-12)
    assert i_ty == pytest.approx(_entropy_bits(counts), abs=1e-12)


def test_kmeans_is_bounded_by_log2_n_clusters():
    """Check that I(X;T) <= log2(n_clusters) on continuous data."""
    T = np.random.RandomState(0).normal(size=(300, 4))
    for n_clusters in (1, 3, 7):
        i_xt, _ = KMeansEstimator(n_clusters=n_clusters, random_state=0).estimate(T)
        assert 0.0 <= i_xt <= np.log2(n_clusters) + 1e-12
    assert KMeansEstimator(n_clusters=1).estimate(T)[0] == 0.0


def test_kmeans_same_random_state_same_result():
    """Check that the same random_state gives the same estimate."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(400, 3))
    y = rng.randint(0, 2, size=400)
    a = KMeansEstimator(n_clusters=12, random_state=3).estimate(T, y)
    b = KMeansEstimator(n_clusters=12, random_state=3).estimate(T, y)
    assert a == b


def test_kmeans_switches_to_minibatch_past_the_row_threshold(monkeypatch):
    """Check that MiniBatchKMeans is used past MINIBATCH_ROWS and still works."""
    used = []
    original = _kmeans.MiniBatchKMeans

    class Spy(original):
        def fit_predict(self, X, y=None, sample_weight=None):
            used.append(len(X))
            return super().fit_predict(X)

    monkeypatch.setattr(_kmeans, "MINIBATCH_ROWS", 100)
    monkeypatch.setattr(_kmeans, "MiniBatchKMeans", Spy)
    y = np.repeat([0, 1], 100)
    T = np.array([[0.0], [50.0]])[y] + np.random.RandomState(0).normal(size=(200, 1))
    i_xt, i_ty = KMeansEstimator(n_clusters=2, random_state=0).estimate(T, y)
    assert used == [200]
    assert i_xt == pytest.approx(1.0, abs=1e-12)
    assert i_ty == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_mutual_information_dispatches_by_name(name):
    """Check that mutual_information(estimator=name) equals the class's estimate."""
    rng = np.random.RandomState(0)
    T = rng.normal(size=(60, 3))
    y = rng.randint(0, 2, size=60)
    params = {"kde": {"noise_variance": 0.5}, "kmeans": {"random_state": 0}}
    params = params.get(name, {})
    expected = ESTIMATORS[name](**params).estimate(T, y)
    assert mutual_information(T, y, estimator=name, **params) == expected
    assert (
        get_estimator(name, **params).get_params()
        == ESTIMATORS[name](**params).get_params()
    )


def test_mutual_information_accepts_estimator_instances_and_tensors():
    """Check that an instance is cloned, not changed, and tensors are accepted."""
    est = BinningEstimator(n_bins=4)
    T = torch.linspace(-1, 1, 16).reshape(8, 2)
    y = torch.tensor([0, 1] * 4)
    result = mutual_information(T, y, estimator=est, n_bins=2)
    assert result == BinningEstimator(n_bins=2).estimate(T.numpy(), y.numpy())
    assert est.n_bins == 4


def test_estimate_without_labels_returns_nan_for_i_ty():
    """Check that y=None gives I(X;T) and NaN for I(T;Y)."""
    i_xt, i_ty = BinningEstimator().estimate(np.arange(4.0))
    assert i_xt == 2.0
    assert np.isnan(i_ty)


T_OK = np.arange(12.0).reshape(6, 2)


@pytest.mark.parametrize(
    "estimator, params, T, y, match",
    [
        ("bin", {}, T_OK, [0, 1, 0], "y has 3 labels but T has 6 rows"),
        ("bin", {"n_bins": 1}, T_OK, None, "'n_bins' parameter.*Got 1"),
        ("bin", {"value_range": (1, -1)}, T_OK, None, "value_range.*lo < hi"),
        ("adaptive", {"rule": "magic"}, T_OK, None, "'rule' parameter.*magic"),
        ("kde", {"noise_variance": 0.0}, T_OK, None, "'noise_variance'.*Got 0.0"),
        ("kde", {"noise_variance": -1}, T_OK, None, "'noise_variance'.*Got -1"),
        ("bin", {}, np.array([[0.0], [np.nan]]), None, "T contains 1 NaN or inf"),
        ("kde", {}, np.array([[0.0], [np.inf]]), None, "T contains 1 NaN or inf"),
        ("kmeans", {"n_clusters": 0}, T_OK, None, "'n_clusters'.*Got 0"),
        ("kmeans", {"n_clusters": 7}, T_OK, None, "n_clusters=7 is more than the 6"),
        ("bin", {}, np.empty((0, 3)), None, r"T is empty: got shape \(0, 3\)"),
        ("kmeans", {}, np.empty((0, 3)), None, "T is empty"),
        ("kmeans", {}, T_OK, [0, 1, 0, 1], "y has 4 labels but T has 6 rows"),
        ("kmeans", {"n_clusters": -2}, T_OK, None, "'n_clusters'.*Got -2"),
        ("bin", {}, np.zeros((2, 2, 2)), None, "T must be 2-D"),
        ("magic", {}, T_OK, None, "estimator must be one of"),
        (
            "bin",
            {"bandwidth": 1},
            T_OK,
            None,
            r"unknown parameter\(s\) \['bandwidth'\]",
        ),
    ],
)
def test_estimators_reject_bad_input(estimator, params, T, y, match):
    """Check that bad data or parameters raise a ValueError naming them."""
    with pytest.raises(ValueError, match=match):
        mutual_information(T, y, estimator=estimator, **params)


def test_discrete_entropy_rejects_empty_labels():
    """Check that an empty label array raises a clear ValueError."""
    with pytest.raises(ValueError, match="labels is empty"):
        discrete_entropy([])


def test_estimators_are_kde_and_discrete_classes():
    """Check the name -> class registry of the calling convention."""
    assert ESTIMATORS == {
        "bin": BinningEstimator,
        "adaptive": AdaptiveBinningEstimator,
        "kde": KDEEstimator,
        "kmeans": KMeansEstimator,
    }


def _ib12(shared_data):
    from scipy.io import loadmat

    mat = loadmat(shared_data / "ib12" / "var_u.mat")
    return mat["F"].astype(np.float32), mat["y"].ravel().astype(np.int64)


def test_binning_ib12_first_tanh_layer_keeps_all_12_bits(shared_data):
    """Check that at init a 12-10 tanh layer keeps the 4096 patterns apart.

    Weights: truncated normal, std 1/sqrt(12), biases 0 (as in the infoplane
    experiment); all 4096 rows fall in distinct cells of 30 bins on [-1, 1]
    for seeds 0-2 (measured for 0-9), so I(X;T) = 12 and I(T;Y) = H(Y).
    """
    X, y = _ib12(shared_data)
    assert X.shape == (4096, 12)
    h_y = discrete_entropy(y)
    assert round(h_y, 4) == 0.9992
    est = BinningEstimator(n_bins=30, value_range=(-1, 1))
    std = 1 / np.sqrt(12)
    for seed in range(3):
        layer = torch.nn.Linear(12, 10)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            torch.nn.init.trunc_normal_(
                layer.weight, std=std, a=-2 * std, b=2 * std, generator=gen
            )
            layer.bias.zero_()
            T = torch.tanh(layer(torch.from_numpy(X))).numpy()
        codes = np.clip(np.floor((T + 1) / 2 * 30), 0, 29)
        assert len(np.unique(codes, axis=0)) == 4096
        i_xt, i_ty = est.estimate(T, y)
        assert i_xt == pytest.approx(12.0, abs=1e-12)
        assert round(i_ty, 3) == 0.999
        assert i_ty == pytest.approx(h_y, abs=1e-12)


# -- discrete T of known entropy, every estimator (issue: information tools
# held to their references) ----------------------------------------------


def _levels(counts, spacing=10.0):
    """A 1-unit T taking level ``spacing * k`` on ``counts[k]`` rows."""
    return np.repeat(spacing * np.arange(len(counts)), counts)[:, None]


DYADIC = [512, 256, 128, 64, 32, 16, 8, 8]  # p = 1/2, ..., 1/128, 1/128


def test_dyadic_entropy_is_1_984375():
    """Check the reference value itself: H(1/2, ..., 1/128, 1/128) bits."""
    assert _entropy_bits(DYADIC) == 1.984375


@pytest.mark.parametrize("counts", [[256] * 4, [100] * 7, DYADIC])
def test_quantile_binning_exact_and_rising_on_even_levels(counts):
    """Check that quantile binning gives the exact entropy of discrete levels
    whenever n_bins >= levels, and, on these equal and dyadic level counts,
    never less information when bins are added (n_bins from 2 to 50; ties
    are never split). On other counts it can fall: see the next test."""
    T = _levels(counts)
    exact = _entropy_bits(counts)
    previous = 0.0
    for n_bins in range(2, 51):
        h, _ = AdaptiveBinningEstimator(rule="quantile", n_bins=n_bins).estimate(T)
        if n_bins >= len(counts):
            assert h == pytest.approx(exact, abs=1e-12)
        assert h >= previous - 1e-12
        previous = h


def test_quantile_binning_can_fall_when_a_bin_is_added():
    """Check, exactly, the case the docstring gives: the cuts of n_bins + 1
    bins are not those of n_bins plus one, so on 9 rows at 5 levels
    (counts 1, 2, 3, 1, 2) 3 bins hold 3 rows each (log2(3) bits) and 4
    bins hold 3, 4 and 2 rows (the cut nearest to 6.75 rows is at 7)."""
    T = np.repeat([0.0, 1, 2, 3, 4], [1, 2, 3, 1, 2])[:, None]
    h3 = AdaptiveBinningEstimator(rule="quantile", n_bins=3).estimate(T)[0]
    h4 = AdaptiveBinningEstimator(rule="quantile", n_bins=4).estimate(T)[0]
    assert h3 == pytest.approx(np.log2(3), abs=1e-12)
    assert h4 == pytest.approx(_entropy_bits([3, 4, 2]), abs=1e-12)
    assert h4 < h3


def test_quantile_binning_docstring_case_gives_two_bits():
    """Check the issue's case: four equally likely levels on 1024 rows give
    2 bits with 5 or 30 bins (1.5 before the fix)."""
    T = np.repeat(np.arange(4.0), 256)[:, None]
    for n_bins in (4, 5, 8, 30):
        est = AdaptiveBinningEstimator(rule="quantile", n_bins=n_bins)
        assert est.estimate(T)[0] == 2.0


@pytest.mark.parametrize("counts", [[64] * 5, DYADIC])
def test_every_estimator_recovers_discrete_entropy_bits(counts):
    """Check every estimator on well-separated discrete levels (spacing 10):
    each gives the exact entropy of the levels (the KDE bound to 1e-9 bits:
    the kernel between levels is exp(-100 / 2e-3))."""
    T = _levels(counts)
    exact = _entropy_bits(counts)
    estimators = [
        BinningEstimator(n_bins=len(counts)),
        BinningEstimator(n_bins=len(counts) + 1, convention="reference"),
        AdaptiveBinningEstimator(rule="quantile", n_bins=len(counts)),
        KDEEstimator(noise_variance=1e-3),
        KMeansEstimator(n_clusters=len(counts), random_state=0),
    ]
    for est in estimators:
        assert est.estimate(T)[0] == pytest.approx(exact, abs=1e-9), est


def test_reference_binning_hand_computed_case():
    """Check Shwartz-Ziv & Tishby's binning on a hand-computed case: edges
    linspace(-1, 1, 5) = -1, -0.5, 0, 0.5, 1, np.digitize, values >= 1 (and
    below -1, by the reference's wrap-around) in one more cell."""
    from sknc.information._binning import reference_bin_codes, uniform_bin_codes

    T = np.array([-1.0, -0.5, 0.0, 0.25, 0.5, 0.99, 1.0, 2.0, -1.5])[:, None]
    codes = reference_bin_codes(T, 5, (-1.0, 1.0)).ravel().tolist()
    assert codes == [1, 2, 3, 3, 4, 4, 5, 5, 5]
    # sknc's default: 5 equal intervals, values outside clipped.
    assert uniform_bin_codes(T, 5, (-1.0, 1.0)).ravel().tolist() == [
        0, 1, 2, 3, 3, 4, 4, 4, 0,
    ]  # fmt: skip
    # 5 symbols of counts 1, 1, 2, 2, 3 on 9 rows:
    h, _ = BinningEstimator(
        n_bins=5, value_range=(-1, 1), convention="reference"
    ).estimate(T)
    assert h == pytest.approx(_entropy_bits([1, 1, 2, 2, 3]), abs=1e-12)


def test_mixed_label_list_is_refused_not_merged():
    """Check that a Python list mixing numbers and strings ([1, "1", ...],
    which numpy turns into the strings ["1", "1", ...]) is refused as an
    object array is, instead of merging 1 and "1" into one class."""
    T = np.array([[0.0], [0.0], [1.0], [1.0]])
    with pytest.raises(ValueError, match="mixes strings and numbers"):
        BinningEstimator().estimate(T, [1, "1", 2, "2"])
    assert BinningEstimator().estimate(T, [1, 1, 2, 2])[1] == 1.0
    assert BinningEstimator().estimate(T, ["a", "a", "b", "b"])[1] == 1.0


@pytest.mark.parametrize("convention", ["intervals", "reference"])
def test_binning_on_a_span_beyond_float64(convention):
    """Check that values whose span overflows float64 (max - min above
    1.8e308) are binned as their halves are, not through a NaN: three
    far-apart values give log2(3) bits."""
    T = np.array([[-1e308], [0.0], [1e308]])
    est = BinningEstimator(n_bins=30, convention=convention)
    assert est.estimate(T)[0] == pytest.approx(np.log2(3), abs=1e-12)
    assert est.estimate(T / 4)[0] == pytest.approx(np.log2(3), abs=1e-12)


def test_binning_on_a_span_of_a_few_subnormals():
    """Check that a span so small that n_bins / span overflows (a few
    subnormals) bins without a NaN code: 0, 5e-324 and 1e-323 are the
    ends and the middle of the span."""
    from sknc.information._binning import uniform_bin_codes

    T = np.array([[0.0], [5e-324], [1e-323]])
    assert uniform_bin_codes(T, 30).ravel().tolist() == [0, 15, 29]


@pytest.mark.parametrize("dtype", ["string", "category"])
def test_missing_labels_in_a_pandas_series_are_called_missing(dtype):
    """Check that pd.NA or NaN among string labels is refused as missing
    labels, not as a mix of strings and numbers."""
    import pandas as pd

    T = np.zeros((4, 1))
    y = pd.Series(["a", None, "a", "c"], dtype=dtype)
    with pytest.raises(ValueError, match="missing labels"):
        BinningEstimator().estimate(T, y)
