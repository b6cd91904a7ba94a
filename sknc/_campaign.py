"""Pure math of the neuron campaign: candidate scoring and neuron selection.

Torch and numpy only: no skorch, no estimator, no module walking. The
functions take and return tensors or arrays; the two classes are working
state of one layer's computation (:class:`ResponseStats`, the running
per-class statistics; ``_GreedyPicker``, the selection in progress), made
and dropped inside it. The layer-by-layer driver that walks a torch module
lives in :mod:`sknc._driver`.

Notation (the user guide's page on the campaign): for one layer with fan-in
``d`` and fan-out ``k``, candidates are the rows of ``W`` (m x d), the
layer input on the scoring rows is ``H`` (n x d), responses are
``A = phi(H W^T + b0)`` (n x m) and labels ``y`` take ``C`` values.
"""

import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import torch

from sknc._activations import apply_


def power_of_two_scale(top):
    """The power of 2 that brings ``top``, the largest (or the sum) of some
    non-negative row weights, into ``[1, 2)``, at most the largest power of
    2 of the dtype (so a subnormal ``top`` gives a finite factor): a float
    for a float ``top``; for a tensor, a 0-dim tensor of its dtype and
    device (no device sync).

    sknc uses row weights in weighted means, which one common factor does
    not change; but it trains and scores in float32, where weights of
    1e-50 would all be 0 (nothing trained, no error) and weights of 1e39
    infinite. Times this factor (exact: a power of 2), they keep their
    ratios in float32 down to about 1e-38 of ``top``; weighted means of
    weights in float32's range, whose weighted sums do not overflow it,
    come out bit for bit as without the factor.
    """
    if isinstance(top, torch.Tensor):
        largest = math.frexp(torch.finfo(top.dtype).max)[1] - 1  # 1023 (float64)
        shift = (1 - torch.frexp(top).exponent).clamp(max=largest)
        return torch.ldexp(torch.ones((), dtype=top.dtype, device=top.device), shift)
    return math.ldexp(1.0, min(1 - math.frexp(top)[1], sys.float_info.max_exp - 1))


def scaled_weights(weights):
    """Row weights (a float64 tensor, or None) times the power of 2 that
    brings the largest into ``[1, 2)`` (:func:`power_of_two_scale`).

    Weighted means and spreads do not change (exactly: a power of 2), but
    the sums and spreads of the weights stay in float64's normal range
    however small the weights (all 1e-310, say), where subnormal numbers
    would lose their last bits.
    """
    if weights is None or not len(weights):
        return weights
    weights = weights.to(torch.float64)
    return weights * power_of_two_scale(float(weights.max()))


@dataclass
class ResponseStats:
    """Per-class sufficient statistics of candidate responses.

    Each chunk of rows is reduced exactly (two passes: class means, then
    squared deviations from them) and merged into the running totals with
    the pairwise update of Chan et al. (1979). A response that is constant
    within a class thus gets a within-class spread of exactly 0, which the
    one-pass ``E[a^2] - E[a]^2`` formula does not give. A block whose
    float32 sums overflow (squares beyond about 3e38) is reduced again in
    float64, so any finite float32 responses give finite statistics.

    Attributes
    ----------
    counts : torch.Tensor of shape (n_classes,), float64
        Rows per class (sums of their weights for weighted rows).
    means : torch.Tensor of shape (n_classes, n_candidates), float64
        Per-class mean response.
    m2 : torch.Tensor of shape (n_classes, n_candidates), float64
        Per-class sums of squared deviations from the class mean.
    rows : int
        Response rows added (each counted once, whatever its weight).
    """

    counts: torch.Tensor
    means: torch.Tensor
    m2: torch.Tensor
    rows: int = 0
    _scratch: torch.Tensor | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls, n_classes, n_candidates, device=None):
        z = torch.zeros(n_classes, n_candidates, dtype=torch.float64, device=device)
        return cls(
            counts=torch.zeros(n_classes, dtype=torch.float64, device=device),
            means=z,
            m2=z.clone(),
        )

    def update(self, A, y, *, weights=None):
        """Add a chunk of responses ``A`` (rows x m) with class codes ``y``.

        Rows sorted by class are reduced class by class on contiguous
        slices, which costs a few passes over ``A`` and no product; an
        unsorted chunk is sorted first (one gather of ``A``). ``A`` is left
        as it is: the deviations from the class means go to a scratch
        buffer kept between calls.

        Parameters
        ----------
        A : torch.Tensor of shape (n_rows, n_candidates)
        y : torch.Tensor of shape (n_rows,)
            Integer class codes.
        weights : torch.Tensor of shape (n_rows,), default=None
            Non-negative row weights: a row of weight ``w`` counts as ``w``
            rows (``counts`` become sums of weights, means and spreads are
            weighted). ``None`` counts every row once, by the unweighted
            reduction.

        Returns
        -------
        self : ResponseStats
        """
        n_classes = self.means.shape[0]
        y = y.to(A.device)
        if weights is not None:
            weights = weights.to(device=A.device, dtype=torch.float64)
        if y.numel() > 1 and bool((y[1:] < y[:-1]).any()):
            order = torch.argsort(y, stable=True)
            A, y = A[order], y[order]
            weights = None if weights is None else weights[order]
        sizes = torch.bincount(y, minlength=n_classes).tolist()
        counts = self.counts.tolist()
        self.rows += int(y.numel())
        start = 0
        for c, size in enumerate(sizes):
            if size == 0:
                continue
            block = A[start : start + size]
            w = None if weights is None else weights[start : start + size]
            start += size
            mass = size if w is None else float(w.sum())
            if mass == 0:
                continue
            mean_b, m2_b = self._moments(block, w, mass, self._scratch_like(block))
            if not bool(torch.isfinite(m2_b).all()):
                # Sums beyond the block's dtype (float32: about 3e38), or
                # non-finite responses: float64, where finite float32
                # values cannot overflow (non-finite ones stay so).
                block = block.to(torch.float64, copy=True)
                mean_b, m2_b = self._moments(block, w, mass, block)
            _chan_merge_(
                self.means[c],
                self.m2[c],
                counts[c],
                mean_b.to(torch.float64),
                m2_b.to(torch.float64),
                mass,
            )
            self.counts[c] = counts[c] + mass
        return self

    @staticmethod
    def _moments(block, w, mass, out):
        """Mean and sum of squared deviations of ``block``'s columns (rows
        weighted by ``w`` if given), in two passes; ``out`` (``block``'s
        shape) receives the deviations."""
        if w is None:
            mean_b = block.sum(dim=0) / mass
            centered = torch.sub(block, mean_b, out=out)
            return mean_b, centered.square_().sum(dim=0)
        # The same two passes, each row's terms times its weight, the
        # weights scaled by a power of 2 into float32's range (exact; a
        # float, as ``mass`` is: the division by a host number stays the
        # one it was, on every device).
        scale = power_of_two_scale(mass)
        w = (w * scale).to(block.dtype)
        mean_b = (w @ block) / (mass * scale)
        centered = torch.sub(block, mean_b, out=out)
        return mean_b, (w @ centered.square_()).to(torch.float64) / scale

    def _scratch_like(self, block):
        """A buffer of ``block``'s shape, dtype and device, reused across
        calls (no fresh rows x m temporary per chunk)."""
        buf = self._scratch
        if (
            buf is None
            or buf.numel() < block.numel()
            or buf.dtype != block.dtype
            or buf.device != block.device
        ):
            buf = self._scratch = torch.empty(
                block.numel(), dtype=block.dtype, device=block.device
            )
        return buf[: block.numel()].view(block.shape)

    def class_moments(self):
        """Return per-class means and population stds, each (C x m)."""
        return self.means, (self.m2 / self.counts[:, None]).sqrt()

    def overall_std(self):
        """Return the population std of each candidate over all rows (m,)."""
        n_c = self.counts[:, None]
        n = self.counts.sum()
        mean = (n_c * self.means).sum(dim=0) / n
        m2 = self.m2.sum(dim=0) + (n_c * (self.means - mean) ** 2).sum(dim=0)
        return (m2 / n).sqrt()

    def second_moment(self):
        """Return the mean squared response ``E[a^2]`` of each candidate (m,)."""
        n_c = self.counts[:, None]
        return (self.m2 + n_c * self.means**2).sum(dim=0) / self.counts.sum()


@dataclass
class TargetStats:
    """Co-moments of candidate responses with real-valued targets.

    The targets are centered once, before streaming (their weighted mean
    over the scoring rows), so the co-moment of a candidate's response
    ``a`` with output ``j``, ``sum_i w_i (a_i - mean(a)) yc_ij``, is just
    ``sum_i w_i a_i yc_ij``: a product per chunk, summed in float64.

    Attributes
    ----------
    cross : torch.Tensor of shape (n_outputs, n_candidates), float64
        ``sum_i w_i a_i yc_ij``.
    y_ss : torch.Tensor of shape (n_outputs,), float64
        ``sum_i w_i yc_ij ** 2`` over all the scoring rows.
    """

    cross: torch.Tensor
    y_ss: torch.Tensor

    @classmethod
    def empty(cls, Yc, weights, n_candidates, device=None):
        """Statistics for centered targets ``Yc`` (rows x outputs, float64)
        with row ``weights`` (or None)."""
        Yc = torch.as_tensor(Yc, dtype=torch.float64)
        w = torch.ones(len(Yc), dtype=torch.float64) if weights is None else weights
        y_ss = (w.to(torch.float64)[:, None] * Yc**2).sum(dim=0)
        cross = torch.zeros(Yc.shape[1], n_candidates, dtype=torch.float64)
        return cls(cross=cross.to(device), y_ss=y_ss.to(device))

    def update(self, A, Yc, weights=None):
        """Add a chunk of responses ``A`` (rows x m) with their centered
        targets ``Yc`` (rows x outputs) and row ``weights``."""
        Yc = Yc.to(device=A.device, dtype=torch.float64)
        if weights is not None:
            Yc = Yc * weights.to(device=A.device, dtype=torch.float64)[:, None]
        self.cross += Yc.T @ A.to(torch.float64)
        return self

    def explained(self, stats):
        """Share of each candidate's response variance explained by the
        targets: ``sum_j corr(a, y_j) ** 2`` (m,), from the spreads of
        ``stats`` (a :class:`ResponseStats` of one class over the same
        rows). A constant response explains nothing (0)."""
        denom = self._variances(stats)
        r2 = torch.where(denom > 0, self.cross**2 / denom.clamp_min(1e-300), 0.0)
        return r2.sum(dim=0)

    def correlations(self, stats):
        """Correlation of each candidate's response with each output
        (n_outputs x m, float64), from the spreads of ``stats`` (one class,
        the same rows); 0 where a response or an output is constant. (Not
        the root of :meth:`explained`'s terms: those divide the squares, a
        rounding apart, and stay as they were.)"""
        denom = self._variances(stats)
        return torch.where(denom > 0, self.cross / denom.clamp_min(1e-300).sqrt(), 0.0)

    def _variances(self, stats):
        """``sum w (a - mean(a))^2 * sum w yc_j^2``, outputs x candidates."""
        m2 = stats.m2.sum(dim=0)  # one class: sum_i w_i (a_i - mean) ** 2
        return m2[None, :] * self.y_ss[:, None]


def match_outputs(corr):
    """Match chosen neurons to outputs, and the sign each needs.

    ``corr`` (n_outputs x k): the correlation of each chosen neuron's
    response with each output. With as many neurons as outputs, ``order``
    puts at position ``j`` the neuron matched to output ``j``, the matching
    that explains most (largest sum of squared correlations; ties go to the
    lower index), and ``signs[j]`` is -1 where that neuron correlates
    negatively with its output, else 1. Otherwise both are None.

    Examples
    --------
    >>> import torch
    >>> from sknc._campaign import match_outputs
    >>> order, signs = match_outputs(torch.tensor([[0.1, -0.9], [0.8, 0.2]]))
    >>> order.tolist(), signs.tolist()
    ([1, 0], [-1.0, 1.0])
    """
    from scipy.optimize import linear_sum_assignment

    corr = corr.detach().cpu().double().numpy()
    n_outputs, k = corr.shape
    if n_outputs != k:
        return None, None
    outputs, order = linear_sum_assignment(corr**2, maximize=True)
    matched = corr[outputs, order]
    return order, np.where(matched < 0, -1.0, 1.0)


def _chan_merge_(mean, m2, n, mean_b, m2_b, n_b):
    """Merge a block's (n_b, mean_b, m2_b) into running (n, mean, m2), in place.

    Chan, Golub & LeVeque (1979): exact, and stable when the mean is far
    from zero, unlike ``E[z^2] - E[z]^2``.
    """
    total = n + n_b
    delta = mean_b - mean
    mean += delta * (n_b / total)
    m2 += m2_b + delta * delta * (n * n_b / total)


def pooled_std(chunks):
    """Population standard deviation of all the numbers of several chunks.

    Each chunk is reduced in two passes (mean, then squared deviations) and
    merged with Chan's update in float64, as :class:`ResponseStats` does per
    class: a constant input gets exactly 0.

    Parameters
    ----------
    chunks : iterable of torch.Tensor or of (torch.Tensor, torch.Tensor)
        Any shapes; all their elements count. A pair ``(z, w)`` weights
        the elements of row ``z[i]`` by ``w[i]`` (``w`` of shape
        ``(len(z),)``, non-negative): a weight of 2 counts a row twice.

    Returns
    -------
    std : float

    Examples
    --------
    >>> import torch
    >>> from sknc._campaign import pooled_std
    >>> pooled_std([torch.tensor([1.0, 2.0]), torch.tensor([[3.0, 4.0]])])
    1.118033988749895
    >>> pooled_std([(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))])
    0.4330127018922193
    """
    mean = m2 = None
    n = 0.0
    for chunk in chunks:
        z, w = chunk if isinstance(chunk, tuple) else (chunk, None)
        if not z.numel():
            continue
        z = z.detach().to(torch.float64)
        if mean is None:
            # On the chunks' device (a CUDA module's outputs): an in-place
            # update of a CPU total from device numbers would fail.
            mean = torch.zeros((), dtype=torch.float64, device=z.device)
            m2 = torch.zeros_like(mean)
        if w is None:
            z = z.reshape(-1)
            n_b, mean_b = z.numel(), z.mean()
            m2_b = (z - mean_b).square().sum()
        else:
            w = w.to(device=z.device, dtype=torch.float64)
            w = w.reshape(-1, *([1] * (z.dim() - 1)))
            w = w.expand_as(z)
            n_b = float(w.sum())
            if n_b == 0:
                continue
            mean_b = (w * z).sum() / n_b
            m2_b = (w * (z - mean_b).square()).sum()
        _chan_merge_(mean, m2, n, mean_b, m2_b, n_b)
        n += n_b
    if not n:
        raise ValueError("pooled_std needs at least one number")
    return float((m2 / n).sqrt())


def candidate_responses(H, W, *, activation=None, bias=0.0, out=None):
    """Return ``A = phi(H W^T + b0)`` of shape (n_rows, n_candidates).

    Parameters
    ----------
    H : torch.Tensor of shape (n_rows, fan_in)
        Dense, or a sparse CSR tensor (the rows of a sparse ``X``).
    W : torch.Tensor of shape (n_candidates, fan_in)
    activation : callable, default=None
        Elementwise activation ``phi``; ``None`` is the identity. ReLU,
        tanh, sigmoid and leaky ReLU are applied in place.
    bias : float, default=0.0
    out : torch.Tensor of shape (n_rows, n_candidates), default=None
        Buffer for the product, reused across chunks to avoid allocating
        (and page-faulting) a new ``n_rows x n_candidates`` block each time.

    Returns
    -------
    A : torch.Tensor of shape (n_rows, n_candidates)
    """
    if out is not None and H.layout == torch.strided:
        A = torch.matmul(H, W.T, out=out)
    else:
        A = H @ W.T  # also a sparse CSR H: sparse x dense, a dense A
    if bias:
        A += bias
    return apply_(A, activation)


SPATIAL_STATISTICS = ("mean", "positions")


def feature_map_rows(Z, spatial):
    """Turn candidate feature maps into the rows the statistics are taken over.

    Parameters
    ----------
    Z : torch.Tensor of shape (n_images, n_candidates, height, width)
        Activated responses of candidate filters.
    spatial : {"mean", "positions"}
        ``"mean"``: one row per image, each candidate's feature map averaged
        over positions (what a global average pooling would pass on).
        ``"positions"``: every output position of every image is a row, so
        the statistics are those of the pixels of the feature maps (a
        position carries the label of its image).

    Returns
    -------
    A : torch.Tensor of shape (n_rows, n_candidates)
        ``n_rows`` is ``n_images`` for ``"mean"`` and
        ``n_images * height * width`` for ``"positions"``, rows of one image
        contiguous.
    """
    if spatial == "mean":
        return Z.mean(dim=(2, 3))
    if spatial == "positions":
        return Z.permute(0, 2, 3, 1).reshape(-1, Z.shape[1])
    raise ValueError(
        f"spatial must be one of {list(SPATIAL_STATISTICS)}; got {spatial!r}"
    )


def _unit(v):
    norm = torch.linalg.vector_norm(v)
    return v / norm if norm > 0 else torch.zeros_like(v)


def campaign_scores(stats, alpha, target_stats=None):
    """Score candidates by input-information and target-information criteria.

    Parameters
    ----------
    stats : ResponseStats
    alpha : float
        Weight of the input criterion (IIM); ``1 - alpha`` weights the
        target criterion (TIE).
    target_stats : TargetStats, default=None
        For real-valued targets (``target="correlation"``): the target
        criterion is then the share of each candidate's variance the
        targets explain (:meth:`TargetStats.explained`), ``stats`` holds
        one class, and ``"class_means"`` is None (no class groups).

    Returns
    -------
    scores : dict of torch.Tensor of shape (n_candidates,), float64
        ``"score"`` (the combined score), ``"input"`` (normalized IIM),
        ``"target"`` (normalized TIE), ``"inter"`` and ``"intra"`` (the
        raw between-class and mean within-class spreads), and
        ``"class_means"`` of shape (n_classes, n_candidates); with
        ``target_stats``, ``"explained"`` (the raw shares) instead of
        ``"inter"`` and ``"intra"``.
    """
    s_in = _unit(stats.overall_std())
    if target_stats is not None:
        explained = target_stats.explained(stats)
        s_target = _unit(explained)
        return {
            "score": alpha * s_in + (1.0 - alpha) * s_target,
            "input": s_in,
            "target": s_target,
            "explained": explained,
            "class_means": None,
        }
    class_means, class_stds = stats.class_moments()
    inter = class_means.std(dim=0, correction=0)
    intra = class_stds.mean(dim=0)
    s_tie = _unit(_unit(inter) - _unit(intra))
    score = alpha * s_in + (1.0 - alpha) * s_tie
    return {
        "score": score,
        "input": s_in,
        "target": s_tie,
        "inter": inter,
        "intra": intra,
        "class_means": class_means,
    }


def balanced_quota(group_sizes, k):
    """Split ``k`` picks over groups as uniformly as their sizes allow.

    Water-filling: every group gets the same number of picks unless it has
    fewer candidates, in which case it gives all it has and the others
    share the rest. A remainder that cannot be split evenly goes to the
    largest groups (lower group index first among equals).

    Parameters
    ----------
    group_sizes : array-like of int
    k : int
        Total picks, at most ``sum(group_sizes)``.

    Returns
    -------
    quota : ndarray of int, same shape as ``group_sizes``

    Examples
    --------
    >>> from sknc._campaign import balanced_quota
    >>> balanced_quota([5, 1, 5], 7).tolist()
    [3, 1, 3]
    >>> balanced_quota([4, 4, 4], 10).tolist()
    [4, 3, 3]
    """
    sizes = np.asarray(group_sizes, dtype=np.int64)
    if k > sizes.sum():
        raise ValueError(f"cannot pick k={k} from {int(sizes.sum())} candidates")
    quota = np.zeros_like(sizes)
    remaining = int(k)
    while remaining > 0:
        active = np.flatnonzero(quota < sizes)
        share = remaining // len(active)
        if share == 0:
            # Fewer picks left than open groups: largest groups first.
            spare = sizes[active] - quota[active]
            order = active[np.argsort(-spare, kind="stable")]
            quota[order[:remaining]] += 1
            break
        add = np.minimum(sizes[active] - quota[active], share)
        quota[active] += add
        remaining -= int(add.sum())
    return quota


def assign_groups(class_means):
    """Assign each candidate to the class with its largest mean response."""
    return torch.argmax(class_means, dim=0)


def positive_scores(score):
    """Map scores affinely onto ``[1, 2]`` (1 = worst, 2 = best candidate).

    The greedy selection multiplies this by a residual ratio in ``[0, 1]``;
    a positive, increasing map keeps the product increasing in both factors
    (the reference code multiplies raw scores, so with negative scores it
    prefers collinear neurons). A constant score maps to 1 everywhere.
    """
    lo, hi = score.min(), score.max()
    span = hi - lo
    if span <= 0:
        return torch.ones_like(score)
    return 1.0 + (score - lo) / span


def select_neurons(
    W,
    score,
    k,
    *,
    groups=None,
    class_balanced=True,
    orthogonal=True,
    tol=1e-6,
    block_size=32,
):
    """Choose ``k`` distinct candidates, greedily, best and most orthogonal first.

    Inside a group the next pick maximizes ``positive_scores(score) *
    ||r_j|| / ||w_j||`` where ``r_j`` is the residual of ``w_j`` after
    projecting out the neurons already chosen (Gram-Schmidt in float64).
    Groups pick in turn (round robin) up to their quota. When every open
    candidate of a group has a residual ratio below ``tol`` (more picks than
    dimensions), the pick falls back to the score alone. A candidate is
    never chosen twice.

    Parameters
    ----------
    W : torch.Tensor of shape (n_candidates, fan_in)
    score : torch.Tensor of shape (n_candidates,)
    k : int
        Number of neurons to choose, ``k <= n_candidates``.
    groups : torch.Tensor of shape (n_candidates,), default=None
        Group (class) of each candidate; used when ``class_balanced``.
    class_balanced : bool, default=True
    orthogonal : bool, default=True
        If False, the residual ratio is ignored: picks are the top scores.
    tol : float, default=1e-6
    block_size : int, default=32
        Picks between two updates of all residuals (a tuning knob: the
        picks do not depend on it beyond rounding).

    Returns
    -------
    chosen : ndarray of int of shape (k,)
        Candidate indices in pick order.
    chosen_groups : ndarray of int of shape (k,)
        Group of each pick (all zeros without class balancing).

    Notes
    -----
    The picks are those of the plain greedy rule, computed at a cost linear
    in the number of candidates ``m``: the residuals of all candidates are
    updated only every ``block_size`` picks, with two matrix products
    (``O(block_size * fan_in * m)``, so ``O(k * fan_in * m)`` in all). In
    between, residual norms only shrink, so a key computed earlier is an
    upper bound of the current one: each pick brings up to date only the
    candidates whose bound could still beat the best current key (lazy
    greedy evaluation), and is then the exact greedy argmax.
    """
    m = W.shape[0]
    if k > m:
        raise ValueError(f"cannot choose k={k} neurons from {m} candidates")
    score = score.detach().to("cpu", torch.float64)
    if class_balanced and groups is not None:
        group_of = groups.detach().to("cpu").numpy().astype(np.int64)
    else:
        group_of = np.zeros(m, dtype=np.int64)
    n_groups = int(group_of.max()) + 1 if m else 0
    sizes = np.bincount(group_of, minlength=n_groups)
    quota = balanced_quota(sizes, k)

    if not orthogonal:
        chosen = []
        for g in range(n_groups):
            members = np.flatnonzero(group_of == g)
            order = np.argsort(-score[members].numpy(), kind="stable")
            chosen.extend(members[order[: quota[g]]].tolist())
        chosen = np.asarray(chosen, dtype=np.int64)
        # Report picks best-first, as the greedy path does.
        chosen = chosen[np.argsort(-score[chosen].numpy(), kind="stable")]
        return chosen, group_of[chosen]

    picker = _GreedyPicker(W, positive_scores(score).numpy(), k, tol, block_size)
    members = [np.flatnonzero(group_of == g) for g in range(n_groups)]
    taken = np.zeros(n_groups, dtype=np.int64)
    chosen, chosen_groups = [], []
    while len(chosen) < k:
        for g in range(n_groups):
            if taken[g] >= quota[g]:
                continue
            open_ = members[g][picker.available[members[g]]]
            chosen.append(picker.pick(open_))
            chosen_groups.append(g)
            taken[g] += 1
            if len(chosen) == k:
                break
    return np.asarray(chosen, dtype=np.int64), np.asarray(chosen_groups)


class _GreedyPicker:
    """State of the greedy orthogonal selection (see :func:`select_neurons`).

    ``R`` holds the residuals of all candidates (m x fan_in, one row each,
    float64) as of the last block update; ``Q`` the orthonormal directions
    of the picks so far (the first ``n_q`` rows of ``Qt``), of which the
    first ``n_flushed`` are already projected out of ``R``. ``bound``
    holds, per candidate, an upper bound of its current key ``pos * ratio``
    (exact after a block update).

    The many small per-pick operations use numpy, which runs them on the
    calling thread: torch would open a parallel region for some of them,
    and on a busy machine each one may then wait for a descheduled worker.
    The block updates, large products, go through torch.
    """

    def __init__(self, W, pos, k, tol, block_size):
        m, d = W.shape
        self.R = np.empty((m, d), dtype=np.float64)
        torch.from_numpy(self.R).copy_(W.detach())
        self.r_norm2 = np.einsum("ij,ij->i", self.R, self.R)
        self.safe_w = np.where(self.r_norm2 > 0, self.r_norm2, 1.0)
        self.pos, self.tol, self.block_size = pos, tol, max(1, int(block_size))
        # At most d directions are independent: later picks go by score.
        self.Qt = np.empty((min(k, d), d), dtype=np.float64)
        self.n_q = self.n_flushed = 0
        self.available = np.ones(m, dtype=bool)
        self.bound = self._keys(self.r_norm2, slice(None))

    def _keys(self, r_norm2, idx):
        ratio = np.sqrt(np.maximum(r_norm2, 0.0) / self.safe_w[idx])
        return np.where(ratio > self.tol, self.pos[idx] * ratio, 0.0)

    def _residuals(self, idx):
        """Current residuals (len(idx) x d) of ``idx`` and their squared norms."""
        Rj = self.R[idx]
        Qb = self.Qt[self.n_flushed : self.n_q]
        if not len(Qb):
            # Same numbers as the bounds, so exact ties stay ties.
            return Rj, self.r_norm2[idx]
        Rj -= (Rj @ Qb.T) @ Qb
        return Rj, np.einsum("ij,ij->i", Rj, Rj)

    def pick(self, open_):
        """Pick the best candidate among ``open_`` (ascending indices)."""
        # Best bound first; ties keep index order, as an argmax would.
        order = open_[np.argsort(-self.bound[open_], kind="stable")]
        best_key, best_j, best_r = 0.0, -1, None
        start, batch = 0, 8
        while start < len(order):
            next_bound = self.bound[order[start]]
            if next_bound <= 0 or next_bound < best_key:
                break  # no unchecked candidate can win or tie
            idx = order[start : start + batch]
            Rj, r_norm2 = self._residuals(idx)
            keys = self._keys(r_norm2, idx)
            self.bound[idx] = keys
            top = keys.max()
            # Among equal keys the lowest index wins, as in an argmax.
            ties = np.flatnonzero(keys == top)
            i = int(ties[0] if len(ties) == 1 else ties[np.argmin(idx[ties])])
            if top > best_key or (top == best_key and top > 0 and idx[i] < best_j):
                best_key, best_j, best_r = top, int(idx[i]), Rj[i]
            start += batch
            batch *= 2
        if best_key <= 0:
            # Residuals vanished (k > d or degenerate candidates): by score.
            j = int(open_[np.argmax(self.pos[open_])])
        else:
            j = best_j
            # Re-orthogonalize against every pick: Q stays orthonormal.
            Q = self.Qt[: self.n_q]
            r = best_r - Q.T @ (Q @ best_r)
            self.Qt[self.n_q] = r / np.linalg.norm(r)
            self.n_q += 1
            if self.n_q - self.n_flushed >= self.block_size:
                self._flush()
        self.available[j] = False
        self.bound[j] = 0.0
        return j

    def _flush(self):
        """Project the block's directions out of every residual."""
        R = torch.from_numpy(self.R)
        Qb = torch.from_numpy(self.Qt[self.n_flushed : self.n_q])
        R.addmm_(R @ Qb.T, Qb, alpha=-1.0)
        self.n_flushed = self.n_q
        self.r_norm2 = np.einsum("ij,ij->i", self.R, self.R)
        self.bound = self._keys(self.r_norm2, slice(None))


def base_scale(stats, chosen):
    """Scale that gives the chosen neurons the candidates' mean squared response.

    Selection favours candidates with large responses, so a layer of chosen
    neurons responds more strongly than a layer drawn from the base
    distribution, and the excess compounds layer after layer. Multiplying
    the chosen weights by ``sqrt(mean_all E[a^2] / mean_chosen E[a^2])``
    restores the base distribution's mean squared response (the quantity He
    initialization keeps constant through ReLU layers). The factor is exact
    for positively homogeneous activations (ReLU, leaky ReLU, identity) with
    zero bias, a first-order correction otherwise.

    Parameters
    ----------
    stats : ResponseStats
    chosen : array-like of int

    Returns
    -------
    scale : float
    """
    moments = stats.second_moment()
    picked = moments[torch.as_tensor(chosen, device=moments.device)].mean()
    if not picked > 0:
        return 1.0
    return float((moments.mean() / picked).sqrt())


def resolve_alpha(alpha, n_layers):
    """Return one input-criterion weight per layer.

    Parameters
    ----------
    alpha : float, sequence of float or "linear"
        ``"linear"`` goes from 1.0 at the first layer to 0.0 at the output
        layer (a single layer is the output layer: 0.0).
    n_layers : int

    Returns
    -------
    alphas : list of float

    Examples
    --------
    >>> from sknc._campaign import resolve_alpha
    >>> resolve_alpha("linear", 3)
    [1.0, 0.5, 0.0]
    """
    if isinstance(alpha, str):
        if alpha != "linear":
            raise ValueError(
                f"alpha must be a float in [0, 1], a sequence of them or 'linear'; "
                f"got {alpha!r}"
            )
        if n_layers == 1:
            return [0.0]
        return [1.0 - i / (n_layers - 1) for i in range(n_layers)]
    try:
        if np.ndim(alpha) == 0:
            values = [float(alpha)] * n_layers
        else:
            values = [float(a) for a in alpha]
    except (TypeError, ValueError):
        raise ValueError(
            "alpha must be a float in [0, 1], a sequence of them or 'linear'; "
            f"got {alpha!r}"
        ) from None
    if len(values) != n_layers:
        raise ValueError(
            f"alpha has {len(values)} values but the module has {n_layers} "
            f"layers to initialize; give one value per layer"
        )
    for a in values:
        if not (0.0 <= a <= 1.0) or math.isnan(a):
            raise ValueError(f"alpha values must lie in [0, 1]; got {a!r}")
    return values


def n_candidates(k, candidate_ratio, max_candidates):
    """Return ``m = min(ceil(candidate_ratio * k), max_candidates)``, at least k.

    The product is taken on the ratio as written (``1.1`` is 11/10), not on
    its binary float, whose product can land just above a whole number
    (``1.1 * 100 == 110.00000000000001``) and add a candidate.
    """
    # A float by the shortest decimal of its own type (np.float32(1.1) is
    # "1.1"; float() of it would be 1.100000023841858); ints, bools,
    # Fractions and Decimals as they are.
    ratio = candidate_ratio
    if isinstance(ratio, float | np.floating):
        ratio = str(ratio)
    m = math.ceil(Fraction(ratio) * k)
    if max_candidates is not None:
        m = min(m, int(max_candidates))
    return max(m, k)
