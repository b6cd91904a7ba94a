"""Sparse X: rows of a scipy sparse matrix handed to torch a few at a time.

The one place where sknc touches scipy sparse matrices. Nothing here ever
densifies the whole matrix: training batches and prediction chunks are
densified one at a time (:func:`dense_rows`), and the campaign takes its
first layer's products sparse x dense (:class:`SparseRows` hands out
torch CSR tensors).
"""

import warnings

import numpy as np
import scipy.sparse as sp
import torch


def is_sparse(X):
    """Whether ``X`` is a scipy sparse matrix or array."""
    return sp.issparse(X)


def dense_rows(X, rows=None):
    """Rows ``rows`` (a slice, indices or None for all) of ``X`` as a dense,
    C-ordered torch tensor; a dense ``X`` is returned as a tensor view where
    it can (not of read-only memory, nor of column-major rows: those rows
    are copied)."""
    part = X if rows is None else X[rows]
    if sp.issparse(part):
        # C order also from a CSC X: torch's products on a column-major
        # block are several times slower.
        return torch.from_numpy(part.toarray(order="C"))
    flags = getattr(part, "flags", None)
    if flags is not None and not (flags.writeable and flags.c_contiguous):
        # torch cannot wrap read-only memory (a joblib memory map, a pandas
        # copy-on-write array); Fortran-ordered rows would be slow to
        # multiply: copy these rows only.
        part = np.array(part, order="C")
    return torch.as_tensor(part)


def csr_tensor(X, device=None, dtype=None):
    """A scipy sparse matrix as a torch sparse CSR tensor (no dense copy).

    torch warns that its CSR support is in beta and that it skips the
    invariant checks; scipy's CSR already satisfies them, so both warnings
    are silenced here.
    """
    X = X.tocsr()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        t = torch.sparse_csr_tensor(
            torch.from_numpy(X.indptr.astype(np.int64)),
            torch.from_numpy(X.indices.astype(np.int64)),
            torch.from_numpy(X.data),
            size=X.shape,
        )
        return t.to(device=device, dtype=dtype)


class SparseRows:
    """A CSR matrix seen by the campaign as its rows ``X``.

    It supports what the campaign does with a tensor of rows: its length
    and shape, a subset of rows (``X[idx]``, again a :class:`SparseRows`),
    and :meth:`select`, which returns chosen rows as a torch CSR tensor
    for the first layer's product or as a dense block where a module must
    run on them.
    """

    def __init__(self, X):
        self.X = sp.csr_matrix(X)
        self.shape = self.X.shape

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, rows):
        if isinstance(rows, torch.Tensor):
            rows = rows.numpy()
        return SparseRows(self.X[rows])

    def numel(self):
        """Stored numbers (values and column indices), for memory budgets."""
        return 2 * self.X.nnz

    def select(self, rows, device, dtype, *, dense=False):
        """Rows ``rows`` (tensor of indices) as a CSR (or dense) tensor."""
        part = self.X[rows.numpy() if isinstance(rows, torch.Tensor) else rows]
        if dense:
            return torch.from_numpy(part.toarray()).to(device=device, dtype=dtype)
        return csr_tensor(part, device=device, dtype=dtype)
