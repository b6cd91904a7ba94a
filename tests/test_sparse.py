"""Sparse X (sknc._sparse): estimators, initializers and the campaign's
sparse x dense first-layer products, against the same data dense."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.datasets import load_digits
from torch import nn

import sknc._campaign as campaign_math
from sknc import (
    HeInit,
    LSUVInit,
    NCCNNClassifier,
    NCInitTransformer,
    NCMLPClassifier,
    NeuronCampaign,
)
from sknc._skorch import ArrayBatches
from sknc._sparse import SparseRows, dense_rows

FORMATS = [sp.csr_matrix, sp.csc_matrix, sp.csr_array]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).astype(np.float32)
    X[X < 0.3] = 0  # about 60 % zeros: a sparse table
    return X, y[:400]


def _net():
    gen = torch.Generator().manual_seed(0)
    net = nn.Sequential(nn.Linear(64, 20), nn.ReLU(), nn.Linear(20, 10))
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    return net


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_classifier_sparse_equals_dense(digits, fmt, early_stopping):
    """Check that a sparse X trains and predicts as the same X dense: the
    same campaign choice and predict_proba equal to 1e-6 (measured: equal
    bitwise on this data, as both paths densify the same batches)."""
    X, y = digits
    kw = dict(max_epochs=4, tol=None, random_state=0, early_stopping=early_stopping)
    dense = NCMLPClassifier(hidden_layer_sizes=(16,), **kw).fit(X, y)
    sparse = NCMLPClassifier(hidden_layer_sizes=(16,), **kw).fit(fmt(X), y)
    for a, b in zip(dense.initializer_.report_, sparse.initializer_.report_):
        np.testing.assert_array_equal(a["chosen"], b["chosen"])
    np.testing.assert_allclose(
        sparse.predict_proba(fmt(X)), dense.predict_proba(X), rtol=0, atol=1e-6
    )
    np.testing.assert_array_equal(sparse.predict(X), sparse.predict(fmt(X)))
    # partial_fit goes on without early stopping (as scikit-learn's MLP).
    sparse.set_params(early_stopping=False).partial_fit(fmt(X), y)
    dense.set_params(early_stopping=False).partial_fit(X, y)
    np.testing.assert_allclose(
        sparse.predict_proba(X), dense.predict_proba(X), rtol=0, atol=1e-6
    )


def test_transformer_sparse_equals_dense(digits):
    """Check NCInitTransformer on sparse X: the same features (float64,
    1e-12) from a sparse fit and a sparse transform."""
    X, y = digits
    tr = NCInitTransformer(hidden_layer_sizes=(12, 6), random_state=0)
    dense = tr.fit(X, y).transform(X)
    sparse = tr.fit(sp.csr_matrix(X), y).transform(sp.csc_matrix(X))
    np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "initializer",
    [
        NeuronCampaign(random_state=0),
        NeuronCampaign(random_state=0, rescale="lsuv", max_samples=150),
        LSUVInit(random_state=0, max_samples=150),
        HeInit(random_state=0),
    ],
    ids=["campaign", "campaign-lsuv-subset", "lsuv", "he"],
)
def test_initializers_sparse_equal_dense(digits, initializer):
    """Check that every initializer writes the same weights (to float32
    rounding, 1e-6) from a sparse X as from the same X dense."""
    X, y = digits
    a, b = _net(), _net()
    initializer.initialize(a, X, y)
    initializer.initialize(b, sp.csr_matrix(X), y)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=1e-6)


def test_campaign_products_are_sparse(digits, monkeypatch):
    """Check that the first layer's candidate products take the CSR rows
    (sparse x dense), and later layers dense inputs."""
    X, y = digits
    layouts = []
    original = campaign_math.candidate_responses

    def spy(H, W, **kw):
        layouts.append(H.layout)
        return original(H, W, **kw)

    monkeypatch.setattr("sknc._driver.candidate_responses", spy)
    NeuronCampaign(random_state=0).initialize(_net(), sp.csr_matrix(X), y)
    assert layouts[0] == torch.sparse_csr
    assert layouts[-1] == torch.strided


def test_sparse_rows_never_densify_the_whole_matrix():
    """Check the helpers: SparseRows hands out the selected rows only, and
    batches of a sparse X are dense blocks of one batch."""
    X = sp.random(1000, 300, density=0.01, format="csr", random_state=0)
    rows = SparseRows(X)
    picked = rows.select(torch.tensor([5, 2]), "cpu", torch.float32)
    assert picked.layout == torch.sparse_csr and picked.shape == (2, 300)
    np.testing.assert_array_equal(
        picked.to_dense().numpy(), X[[5, 2]].toarray().astype(np.float32)
    )
    assert len(rows[torch.arange(10)]) == 10 and rows.numel() == 2 * X.nnz
    y = torch.zeros(1000, dtype=torch.int64)
    batches = ArrayBatches(X, y, 64, True, torch.Generator().manual_seed(0))
    shapes = {tuple(xb.shape) for xb, _ in batches}
    assert shapes == {(64, 300), (1000 % 64, 300)}
    assert dense_rows(X, slice(0, 3)).layout == torch.strided


def test_predict_densifies_column_major_rows_in_c_order(digits):
    """Check that predict densifies CSC and Fortran-ordered rows in C order
    (before: column-major blocks, on which torch's float64 products ran
    about 10x slower), and that every layout of the same rows gives
    bitwise the same probabilities (as before on these rows)."""
    X, y = digits
    for rows in (sp.csc_matrix(X), np.asfortranarray(X)):
        assert dense_rows(rows, slice(0, 50)).is_contiguous()
    clf = NCMLPClassifier(hidden_layer_sizes=(16,), max_epochs=2, random_state=0)
    clf.fit(X, y)
    expected = clf.predict_proba(X)
    for rows in (sp.csc_matrix(X), sp.csr_matrix(X), np.asfortranarray(X)):
        np.testing.assert_array_equal(clf.predict_proba(rows), expected)


@pytest.mark.parametrize("initializer", [NeuronCampaign, LSUVInit])
def test_initializers_refuse_sparse_images_with_what_to_do(digits, initializer):
    """Check that a sparse X for a conv module is refused with a TypeError
    that says to densify (before: advice to reshape, which a sparse matrix
    cannot follow, or scipy's internal error for a 4-D sparse array)."""
    X, y = digits
    conv = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 10)
    )  # fmt: skip
    with pytest.raises(TypeError, match=r"sparse X holds flat rows only.*toarray"):
        initializer(random_state=0).initialize(conv, sp.csr_matrix(X), y)
    images = sp.coo_array(X).reshape(-1, 1, 8, 8)
    with pytest.raises(TypeError, match=r"sparse X must hold flat rows.*toarray"):
        initializer(random_state=0).initialize(conv, images, y)


def test_cnn_refuses_sparse_with_a_clear_error(digits):
    """Check that NCCNNClassifier (images) refuses sparse X with a TypeError
    that says so."""
    X, y = digits
    cnn = NCCNNClassifier(input_shape=(1, 8, 8), max_epochs=1)
    with pytest.raises(TypeError, match="[Ss]parse"):
        cnn.fit(sp.csr_matrix(X), y)


def test_sparse_nan_is_refused(digits):
    """Check that NaN stored in a sparse X is refused like a dense one."""
    X, y = digits
    Xs = sp.csr_matrix(X)
    Xs.data[0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="NaN"):
            NCMLPClassifier(max_epochs=1).fit(Xs, y)
        with pytest.raises(ValueError, match="NaN"):
            NeuronCampaign().initialize(_net(), Xs, y)


def test_lsuv_makes_sparse_rows_dense_a_chunk_at_a_time(digits, monkeypatch):
    """Check that LSUVInit runs the module on at most LSUV_CHUNK dense rows
    of a sparse X at a time (not all max_samples rows at once), and writes
    the weights of the dense X to float32 rounding (the spread is merged
    over chunks)."""
    import sknc._initializers as initializers

    monkeypatch.setattr(initializers, "LSUV_CHUNK", 100)
    X, y = digits
    a, b = _net(), _net()
    LSUVInit(random_state=0, max_samples=None).initialize(a, X, y)
    rows = []
    b.register_forward_pre_hook(lambda mod, args: rows.append(len(args[0])))
    LSUVInit(random_state=0, max_samples=None).initialize(b, sp.csr_matrix(X), y)
    assert max(rows) == 100 and sum(rows) > len(X)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6)
