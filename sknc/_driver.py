"""Run the campaign on a torch module, layer after layer.

Pure torch: no skorch, no estimator state. The layers and their activations
come from the tracer, :mod:`sknc._trace`; the scoring and selection from the
pure math, :mod:`sknc._campaign`. This module streams each layer's input
chunk by chunk, turns the candidates' responses into class statistics,
and writes the chosen neurons.

For a *chain* (a module whose forward applies its leaf modules one after
the other, like an ``nn.Sequential`` of Linear, activation, dropout and
flatten modules) the input of each layer is computed once from the stored
input of the layer before, by calling the same leaf modules; any other
module is re-run from ``X`` up to the layer for every chunk (a pre-hook
stops the forward). Both paths feed the same rows in the same chunks. Where
a chain's Linear layer is followed by its activation only, where that is
cheaper than running the layer again, and where memory allows, the chain
path also keeps the layer's candidate responses and passes the chosen ones
on as the next layer's input: the next layer then sees the campaign's
products rather than the layer's own forward, equal up to float32 rounding
(see :class:`_ChainInputs`), so the two paths agree to rounding, not bit
for bit.

A convolutional layer's candidates are filters, drawn flat with the real
fan-in ``in_channels * kh * kw`` and applied with the layer's own stride,
padding, dilation and padding mode; their feature maps become rows of
responses by :func:`sknc._campaign.feature_map_rows` (per-image spatial
mean, or every position a row), and from there scoring and selection are
those of a Linear layer.
"""

import math
import time
import warnings

import numpy as np
import torch
from torch import nn
from torch.nn.modules import module as torch_module

from sknc._activations import ACTIVATIONS, activation_name, apply_
from sknc._campaign import (
    ResponseStats,
    TargetStats,
    assign_groups,
    base_scale,
    campaign_scores,
    candidate_responses,
    feature_map_rows,
    match_outputs,
    n_candidates,
    pooled_std,
    scaled_weights,
    select_neurons,
)
from sknc._sparse import SparseRows
from sknc._trace import PASS_THROUGH, _position, layer_fans, layer_input

# The chain path may always store this many bytes of layer inputs (conv
# layers' inputs are often larger than X: LeNet-5's second conv layer reads
# 1 176 numbers per 784-pixel image).
CHAIN_CACHE_FLOOR = 64 * 2**20

# A layer passes its chosen responses on only if the product this saves
# (fan_in x k multiply-adds per row) is at least this many times the
# candidates' responses it must keep instead (m numbers per row, written,
# then gathered): measured on MNIST-sized layers (docs/performance.md),
# keeping 512 responses per row beats a 784 x 256 product, keeping 320
# loses to a 32 x 32 one.
PASS_ON_MIN_WORK = 150


def check_campaign_layer(spec, max_candidates=None):
    """Raise a clear ValueError if the campaign cannot score ``spec``'s layer.

    The one place for the campaign's layer checks: the layer must have
    received one input row per traced row of ``X``, in the shape its kind
    takes, and have ``groups=1`` if it is a convolution. A layer with more
    neurons than ``max_candidates`` gets one candidate per neuron (at least
    ``k``, as :func:`sknc._campaign.n_candidates`), so nothing is selected
    there: a warning says so.
    """
    layer = spec.layer
    k = layer_fans(layer)[0]
    if max_candidates is not None and max_candidates < k:
        warnings.warn(
            f"max_candidates={max_candidates} is smaller than the {k} neurons of "
            f"layer {spec.name!r}: its {k} candidates are all kept, so the "
            "campaign selects nothing there; raise max_candidates above "
            f"{k} to select",
            UserWarning,
            stacklevel=2,
        )
    if spec.is_conv:
        if layer.groups != 1:
            raise ValueError(
                f"layer {spec.name!r} is a grouped convolution "
                f"(groups={layer.groups}); the campaign supports groups=1 only"
            )
        expected, what = 4, "(images, channels, height, width)"
    else:
        expected, what = 2, "(rows, features)"
    if len(spec.input_shape) != expected:
        raise ValueError(
            f"layer {spec.name!r} ({type(layer).__name__}) receives a "
            f"{len(spec.input_shape)}-D input of shape {spec.input_shape}; the "
            f"campaign needs {what}"
        )
    n_rows = spec.traced_rows
    if n_rows is not None and spec.input_shape[0] != n_rows:
        raise ValueError(
            f"layer {spec.name!r} receives {spec.input_shape[0]} rows for "
            f"{n_rows} rows of X; the campaign pairs each row of a layer's "
            "input with the label of a row of X, so the module must keep the "
            "batch axis (no reshaping of rows into the batch)"
        )


def layer_bias(layer, bias):
    """The bias a layer's candidates are scored with: the campaign's
    ``bias`` where the layer can hold it, else 0, what it computes."""
    return bias if layer.bias is not None else 0.0


def _chunks(n, size):
    size = n if size is None else max(1, int(size))
    for start in range(0, n, size):
        yield slice(start, start + size)


def _rows(X, rows, device, dtype, *, dense=True):
    """Rows ``rows`` of ``X`` on ``device``: a CSR tensor for sparse ``X``
    unless ``dense`` (a module must run on them)."""
    if isinstance(X, SparseRows):
        return X.select(rows, device, dtype, dense=dense)
    # index_select gathers rows several times faster than X[rows].
    return X.index_select(0, rows).to(device=device, dtype=dtype)


class _HookInputs:
    """Input of any layer, re-running the module from ``X`` for each chunk.

    Rows are taken in the order ``order`` (the driver sorts them by class).
    """

    def __init__(self, module, specs, X, order, chunk_size, device, dtype):
        self.module, self.specs, self.X, self.order = module, specs, X, order
        self.chunk_size, self.device, self.dtype = chunk_size, device, dtype

    def chunks(self, i):
        """Yield ``(rows, H)``: slices of ``order`` and layer ``i``'s input."""
        for sl in _chunks(len(self.order), self.chunk_size):
            xb = _rows(self.X, self.order[sl], self.device, self.dtype)
            yield sl, layer_input(self.module, self.specs[i].layer, xb)

    def response_store(self, i, m, *, rescale, bias):
        """No responses are kept on this path (see :class:`_ChainInputs`)."""
        return None

    def done(self, i):
        """Layer ``i`` is written."""


def layer_chunks(module, spec, X, chunk_size, device, dtype):
    """Yield ``(rows, H)``: slices of ``X``'s rows and the input of
    ``spec``'s layer on them, ``chunk_size`` rows at a time (None: all at
    once), each from a forward of ``module`` on a copy of the rows; sparse
    ``X`` is made dense a chunk at a time."""
    if chunk_size is None and not isinstance(X, SparseRows):
        # All the rows at once, copied: a module that changes its input in
        # place (an in-place activation first) must not change X, which
        # the caller and the next call read again.
        X = X.to(device=device, dtype=dtype, copy=True)
        yield slice(0, len(X)), layer_input(module, spec.layer, X)
        return
    order = torch.arange(len(X))
    inputs = _HookInputs(module, [spec], X, order, chunk_size, device, dtype)
    yield from inputs.chunks(0)


class _ChainInputs:
    """Input of each layer of a chain, computed once from the layer before.

    The input of layer ``i`` is the output of the leaves from layer
    ``i - 1`` (included) to layer ``i`` (excluded) on the input of layer
    ``i - 1``, stored while layer ``i`` is scored (the first layer's input
    is recomputed from ``X``, the last layer's is not stored unless passed
    on, below). So each leaf runs once per row and layer, not once per
    later layer, and at most two layers' inputs are held: see
    :func:`chain_cache_bytes` (plus, where responses are passed on, the
    kept responses, counted against ``budget``).

    Where only the layer's activation (and identities such as dropout in
    eval mode) stand between a Linear layer and the next layer, the next
    layer's input is the chosen candidates' responses, already computed
    while scoring: :meth:`response_store` hands out a rows x candidates
    tensor for them, and :meth:`pass_on` keeps them, with the chosen
    columns, as the next layer's input (gathered chunk by chunk when read),
    so the propagation product is not done again. That
    input then comes from the campaign's product ``H @ W.T`` rather than
    from the layer's own forward (``F.linear``): equal up to float32
    rounding, not bit for bit. Responses are kept only where that is
    cheaper than the product (see ``PASS_ON_MIN_WORK``) and while
    everything held (stored inputs and the responses) stays within
    ``budget`` bytes.
    """

    def __init__(
        self, leaves, specs, X, order, chunk_size, device, dtype, *, budget, reuse
    ):
        self.X, self.order, self.specs = X, order, specs
        self.chunk_size, self.device, self.dtype = chunk_size, device, dtype
        starts = [_position(leaves, spec.layer) for spec in specs[:-1]]
        ends = [*starts, len(leaves)]
        self.segments = [leaves[a:b] for a, b in zip([0, *starts], ends)]
        self.n_layers = len(specs)
        self.budget = budget
        # Layer i may hand its responses on if the leaves up to layer i + 1
        # are the layer, its activation and identities.
        self.passes_on = [
            reuse
            and i + 1 < len(specs)
            and _activation_only(self.segments[i + 1], spec)
            for i, spec in enumerate(specs)
        ]
        self.reusing = set()
        self.stored = {}

    def _compute(self, i, sl):
        if i == 0 or i - 1 not in self.stored:
            # Sparse rows stay sparse when the first layer reads them as
            # they are (its products, and its own forward, are sparse x
            # dense); other leaves before it get dense rows.
            dense = bool(self.segments[0])
            h = _rows(self.X, self.order[sl], self.device, self.dtype, dense=dense)
            segments = self.segments[: i + 1]
        else:
            h = self.stored[i - 1][sl]
            segments = [self.segments[i]]
        with torch.no_grad():
            for segment in segments:
                for leaf in segment:
                    h = leaf(h)
        return h

    def chunks(self, i):
        """Yield ``(rows, H)``: slices of ``order`` and layer ``i``'s input."""
        if i in self.stored:
            for sl in _chunks(len(self.order), self.chunk_size):
                yield sl, self.stored[i][sl]
            return
        # Layer i + 1 needs this input unless layer i hands on its responses.
        store = 0 < i < self.n_layers - 1 and i not in self.reusing
        kept = None
        for sl in _chunks(len(self.order), self.chunk_size):
            h = self._compute(i, sl)
            if store:
                if kept is None:
                    kept = h.new_empty((len(self.order), *h.shape[1:]))
                kept[sl] = h
            yield sl, h
        if store:
            self.stored[i] = kept

    def response_store(self, i, m, *, rescale, bias):
        """A (rows x ``m``) tensor for layer ``i``'s candidate responses, to
        be passed on to layer ``i + 1`` by :meth:`pass_on`, or None.

        None unless layer ``i`` passes its output on through its activation
        only; the product it saves is worth it (``fan_in x k >=
        PASS_ON_MIN_WORK x m``); the chosen responses are those of the
        written layer (with ``rescale``, the written neurons are the chosen
        ones times a positive factor, and their responses the chosen ones
        times that factor only for a positively homogeneous activation and
        a zero ``bias``); and the responses fit in the budget with the
        inputs held now, and with the input of layer ``i + 2`` if that is a
        hidden layer (stored while layer ``i + 2`` is scored, when the
        responses are still held as layer ``i + 1``'s input). Call it
        before :meth:`chunks` of layer ``i``.
        """
        spec = self.specs[i]
        scalable = bias == 0 and _homogeneous(spec.activation)
        if not self.passes_on[i] or (rescale is not None and not scalable):
            return None
        k, fan_in, _ = layer_fans(spec.layer)
        if fan_in * k < PASS_ON_MIN_WORK * m:
            return None  # running the layer again costs less
        itemsize = torch.empty(0, dtype=self.dtype).element_size()
        rows = len(self.order)
        # The responses are held from layer i to layer i + 2: with the
        # inputs stored now, then with layer i + 2's input, which chunks()
        # stores if layer i + 2 is a hidden layer.
        now = sum(t.numel() for t in self.stored.values()) * itemsize
        later = 0
        if i + 2 < self.n_layers - 1:
            later = rows * math.prod(self.specs[i + 2].input_shape[1:]) * itemsize
        if max(now, later) + rows * m * itemsize > self.budget:
            return None
        self.reusing.add(i)
        return torch.empty(rows, m, device=self.device, dtype=self.dtype)

    def pass_on(self, i, responses, chosen, scale=None):
        """Keep the ``chosen`` columns of ``responses`` (from
        :meth:`response_store`), times ``scale`` (None, a number or one
        factor per chosen neuron), as layer ``i + 1``'s input: gathered
        chunk by chunk when read (:class:`_ChosenColumns`)."""
        self.stored[i + 1] = _ChosenColumns(responses, chosen, scale)

    def done(self, i):
        """Layer ``i`` is written: inputs no later layer needs are dropped."""
        last = i if i + 1 in self.stored else i - 1
        for j in [j for j in self.stored if j <= last]:
            del self.stored[j]


class _ChosenColumns:
    """A layer's input kept as the candidate responses of the layer before
    and the columns chosen there: ``[rows]`` gathers (and scales) those
    rows' chosen columns, so the chosen responses are never copied whole."""

    def __init__(self, responses, chosen, scale):
        self.responses, self.chosen, self.scale = responses, chosen, scale

    def __getitem__(self, rows):
        h = self.responses[rows].index_select(1, self.chosen)
        return h if self.scale is None else h.mul_(self.scale)

    def numel(self):
        return self.responses.numel()


def _activation_only(segment, spec):
    """Whether ``segment`` (the leaves from a layer to the next layer) is
    the layer of ``spec``, a plain ``nn.Linear`` (a subclass may compute
    something else in its forward), its activation and identities (dropout
    in eval mode)."""
    if type(spec.layer) is not nn.Linear or not segment:
        return False
    if segment[0] is not spec.layer:
        return False
    rest = segment[1:]
    n_activation = sum(leaf is spec.activation for leaf in rest)
    others = [leaf for leaf in rest if leaf is not spec.activation]
    expected = 0 if spec.activation is None else 1
    identities = all(
        isinstance(leaf, PASS_THROUGH)
        and (isinstance(leaf, nn.Identity) or not leaf.training)
        for leaf in others
    )
    return n_activation == expected and identities and not _hooked(segment)


def _hooked(leaves):
    """Whether a forward hook (of a leaf, or global) could change what the
    leaves compute: a hook on the output, or a pre-hook such as the one of
    ``torch.nn.utils.weight_norm`` that rebuilds the weight."""
    hooks = [
        getattr(torch_module, "_global_forward_hooks", {}),
        getattr(torch_module, "_global_forward_pre_hooks", {}),
    ]
    for leaf in leaves:
        hooks += [leaf._forward_hooks, leaf._forward_pre_hooks]
    return any(len(h) for h in hooks)


def _flips(activation, bias):
    """Whether negating a neuron's weights reflects its response about a
    fixed value, so that the flipped neuron's response correlates the other
    way: the identity for any ``bias``; for a zero one, the activations
    point-symmetric about ``(0, phi(0))`` (tanh, the logistic function:
    ``sigmoid(-z) = 1 - sigmoid(z)``)."""
    known = ACTIVATIONS.get(activation_name(activation))
    if known is None:
        return False
    return known.name == "identity" or (known.symmetric and bias == 0)


def _homogeneous(activation):
    """Whether ``phi(s z) = s phi(z)`` for ``s > 0`` (identity, ReLU, leaky
    ReLU): then scaled weights give scaled responses."""
    known = ACTIVATIONS.get(activation_name(activation))
    return known is not None and known.homogeneous


def chain_cache_bytes(specs, n_rows, dtype):
    """Return the most bytes the chain path stores without passing
    responses on: two layers' inputs.

    The inputs of the hidden layers after the first are stored, at most two
    at a time; the first layer reads ``X`` and the last is not stored. A
    layer's input size per row is taken from its traced ``input_shape``.
    Passing responses on is counted against the budget as it happens
    (:meth:`_ChainInputs.response_store`).
    """
    itemsize = torch.empty(0, dtype=dtype).element_size()
    widths = [math.prod(spec.input_shape[1:]) for spec in specs[1:-1]]
    pairs = [a + b for a, b in zip(widths, widths[1:])] + widths + [0]
    return max(pairs) * n_rows * itemsize


def _conv(layer, H, W):
    """Feature maps of filters ``W`` (m, C, kh, kw) on images ``H``.

    The layer's own ``_conv_forward`` applies its stride, padding, dilation
    and padding mode, so candidates see exactly the geometry of the layer
    (as for Linear layers, a subclass's own ``forward`` is not used). On
    CUDA, torch may run float32 convolutions in TF32
    (``torch.backends.cudnn.allow_tf32``), which scores conv candidates
    at about 1e-3 relative precision; turn it off for the CPU's selection.
    """
    return layer._conv_forward(H, W, None)


def _preactivations(spec, H, W):
    """Outputs, without bias, of neurons ``W`` (one flat row each) on ``H``:
    feature maps (rows, m, h, w) for a conv layer, (rows, m) for a Linear."""
    if spec.is_conv:
        return _conv(spec.layer, H, W.view(len(W), *spec.layer.weight.shape[1:]))
    return H @ W.T


def _responses(spec, H, W, *, bias, spatial, out=None):
    """Rows of activated candidate responses of layer ``spec`` on input ``H``."""
    if not spec.is_conv:
        return candidate_responses(H, W, activation=spec.activation, bias=bias, out=out)
    Z = _preactivations(spec, H, W)
    if bias:
        Z += bias
    return feature_map_rows(apply_(Z, spec.activation), spatial)


def _image_chunks(spec, H, sl, chunk_size, n_positions):
    """Split a conv layer's chunk so that one piece has ``chunk_size`` positions.

    The feature maps of a piece, ``images x positions x candidates``, are
    the conv analogue of a Linear layer's ``rows x candidates`` block, so
    peak memory stays bounded by ``chunk_size x candidates`` either way.
    """
    if not spec.is_conv or chunk_size is None:
        yield sl, H
        return
    per = max(1, int(chunk_size) // n_positions)
    for a in range(0, H.shape[0], per):
        yield slice(sl.start + a, sl.start + min(a + per, H.shape[0])), H[a : a + per]


def layer_stats(
    inputs,
    index,
    spec,
    y,
    n_classes,
    W,
    *,
    bias,
    chunk_size,
    spatial,
    weights=None,
    targets=None,
    target_stats=None,
    store=None,
):
    """Stream the responses of candidates ``W`` on layer ``index``'s input.

    The one streaming path of the campaign: ``inputs`` yields the layer's
    input chunk by chunk (rows in the order of ``y``), each chunk (for a
    conv layer, each piece of about ``chunk_size`` positions) goes through
    the candidates and the activation into the per-class statistics, so
    memory stays about two ``chunk_size x candidates`` blocks (the
    responses and their deviations) whatever the rows (unless ``store``,
    below, keeps them all).
    ``weights`` (in the order of ``y``, or None) weight the rows; an
    image's weight goes to each of its positions. With real-valued
    ``targets`` (rows x outputs, centered, in the order of ``y``),
    ``target_stats`` (a :class:`sknc._campaign.TargetStats`) gathers the
    responses' co-moments with them from the same chunks. ``store`` (rows x
    candidates, for a Linear layer, or None) receives every row's responses
    (see :meth:`_ChainInputs.response_store`).

    Returns
    -------
    stats : ResponseStats
    """
    m = W.shape[0]
    device, dtype = W.device, W.dtype
    stats = ResponseStats.empty(n_classes, m, device=device)
    positions = spec.positions
    per_image = positions if spatial == "positions" else 1
    # One product buffer for every chunk: no fresh chunk x m block per chunk.
    buffer = None
    for sl, H in inputs.chunks(index):
        for piece, Hp in _image_chunks(spec, H, sl, chunk_size, positions):
            if store is not None:
                out = store[piece]
            else:
                if buffer is None and not spec.is_conv and Hp.layout == torch.strided:
                    buffer = torch.empty(Hp.shape[0], m, device=device, dtype=dtype)
                out = None if buffer is None else buffer[: Hp.shape[0]]
            A = _responses(spec, Hp, W, bias=bias, spatial=spatial, out=out)
            if store is not None and A.data_ptr() != out.data_ptr():
                out.copy_(A)  # a sparse H: the product came out as a new tensor
            labels = y[piece]
            w = None if weights is None else weights[piece]
            t = None if targets is None else targets[piece]
            if per_image > 1:
                labels = labels.repeat_interleave(per_image)
                w = None if w is None else w.repeat_interleave(per_image)
                t = None if t is None else t.repeat_interleave(per_image, dim=0)
            if target_stats is not None:
                target_stats.update(A, t, w)
            stats.update(A, labels, weights=w)
    if not (torch.isfinite(stats.means).all() and torch.isfinite(stats.m2).all()):
        raise ValueError(non_finite_message(spec, W.dtype))
    return stats


def non_finite_message(spec, dtype):
    """The error for a layer whose inputs or outputs are not finite numbers."""
    kind = str(dtype).replace("torch.", "")
    return (
        f"the responses of layer {spec.name!r} are not finite: X has values too "
        f"large for {kind} in the layer inputs (or NaN, or weights that "
        "overflow); scale or standardize X"
    )


def campaign_layer(
    inputs,
    index,
    spec,
    y,
    n_classes,
    *,
    n_rows,
    alpha,
    candidate_ratio,
    max_candidates,
    draw,
    generator,
    class_balanced,
    orthogonal,
    rescale,
    bias,
    chunk_size,
    output_layer,
    class_rows=None,
    spatial="mean",
    weights=None,
    targets=None,
):
    """Run the campaign on one layer and write the chosen neurons in place.

    ``inputs`` yields the layer's input chunk by chunk, for rows in the
    order of ``y`` (sorted by class), ``weights`` their row weights (or
    None), ``targets`` their centered real-valued targets for the
    correlation criterion (or None). The output layer puts the neuron
    picked for class ``c`` at row ``class_rows[c]`` (None: as picked); a
    single output for two classes scores the second class (a neuron picked
    for the first is flipped where that reverses its response, see
    :func:`_flips`); for real targets, at row ``j`` the neuron matched to
    output ``j``, flipped to correlate positively with it where the
    activation allows. Returns a report dict (see
    :class:`sknc.NeuronCampaign`).
    """
    t0 = time.perf_counter()
    layer = spec.layer
    bias = layer_bias(layer, bias)
    k, fan_in, fan_out = layer_fans(layer)
    device, dtype = layer.weight.device, layer.weight.dtype
    m = n_candidates(k, candidate_ratio, max_candidates)
    W = draw(m, fan_in, fan_out, generator).to(device=device, dtype=dtype)
    target_stats = (
        None if targets is None else TargetStats.empty(targets, weights, m, device)
    )
    store = inputs.response_store(index, m, rescale=rescale, bias=bias)
    stats = layer_stats(
        inputs,
        index,
        spec,
        y,
        n_classes,
        W,
        bias=bias,
        chunk_size=chunk_size,
        spatial=spatial,
        weights=weights,
        targets=targets,
        target_stats=target_stats,
        store=store,
    )
    scores = campaign_scores(stats, alpha, target_stats)
    regression = scores["class_means"] is None
    groups = None if regression else assign_groups(scores["class_means"])
    chosen, chosen_groups = select_neurons(
        W,
        scores["score"],
        k,
        groups=groups,
        class_balanced=class_balanced,
        orthogonal=orthogonal,
    )
    signs = None
    if output_layer and regression:
        # Output j: the chosen neuron that the targets' j-th column explains
        # (one each), signed to move with it where the activation allows.
        order, signs = match_outputs(target_stats.correlations(stats)[:, chosen])
        if order is not None:
            chosen = chosen[order]
        if order is None or not _flips(spec.activation, bias):
            signs = None
    elif output_layer and class_balanced and class_rows is not None:
        chosen, chosen_groups = _order_by_class(chosen, chosen_groups, class_rows)
    elif output_layer and k == 1 and n_classes == 2:
        # One output for two classes (a sigmoid's logit, skorch's
        # NeuralNetBinaryClassifier): the score of the second class. A
        # neuron of the first class is flipped where that reverses it.
        if int(groups[chosen[0]]) == 0 and _flips(spec.activation, bias):
            signs = np.array([-1.0])
    chosen_t = torch.as_tensor(chosen, device=device)
    W_sel, scale = _rescaled(
        rescale,
        W,
        chosen_t,
        stats,
        lambda W_sel: preactivation_std(
            spec, inputs.chunks(index), W_sel, bias, chunk_size, weights
        ),
    )
    if signs is not None:
        W_sel = W_sel * torch.as_tensor(signs, device=device, dtype=dtype)[:, None]
    with torch.no_grad():
        layer.weight.copy_(W_sel.view_as(layer.weight))
        if layer.bias is not None:
            layer.bias.fill_(bias)
    passed_on = store is not None
    if passed_on:
        inputs.pass_on(index, store, chosen_t, scale)
    inputs.done(index)
    return {
        "layer": spec.name,
        "kind": type(layer).__name__,
        "fan_in": fan_in,
        "fan_out": k,
        "activation": spec.activation_name,
        "alpha": alpha,
        "n_candidates": m,
        "n_rows": n_rows,
        "n_response_rows": stats.rows,
        "chosen": chosen,
        "chosen_classes": chosen_groups,
        "scores": scores["score"].cpu().numpy(),
        "input_scores": scores["input"].cpu().numpy(),
        "target_scores": scores["target"].cpu().numpy(),
        "passed_on": passed_on,
        "time": time.perf_counter() - t0,
    }


def _rescaled(rescale, W, chosen, stats, preactivation_std):
    """The chosen candidates ``W[chosen]`` after ``rescale``, and the factor
    (None, a number or one per neuron) that turns their responses into
    those of the rescaled neurons when the activation is homogeneous and
    the bias 0. ``preactivation_std(W_sel)`` is the std of the layer's
    output before its activation (for ``"lsuv"``)."""
    W_sel = W[chosen]
    if rescale == "norm":
        target = (W.double() ** 2).sum(dim=1).mean().sqrt()
        norms = torch.linalg.vector_norm(W_sel.double(), dim=1, keepdim=True)
        norms = norms.clamp_min(1e-30)
        factor = (target / norms).view(-1).to(W.dtype)
        return (W_sel.double() * target / norms).to(W.dtype), factor
    if rescale == "base":
        factor = base_scale(stats, chosen)
        return W_sel * factor, factor
    if rescale == "lsuv":
        std = preactivation_std(W_sel)
        return (W_sel / std, 1.0 / std) if std > 0 else (W_sel, None)
    return W_sel, None


def _order_by_class(chosen, chosen_groups, class_rows):
    """Put the first neuron picked for class ``c`` at output row
    ``class_rows[c]``; the other picks fill the free rows in pick order."""
    rows = np.full(len(chosen), -1)
    leftovers = []
    for pos, g in enumerate(chosen_groups):
        row = class_rows[g]
        if row < len(rows) and rows[row] < 0:
            rows[row] = pos
        else:
            leftovers.append(pos)
    free = np.flatnonzero(rows < 0)
    rows[free] = leftovers
    return chosen[rows], chosen_groups[rows]


def preactivation_std(spec, chunks, W, bias, chunk_size, weights=None):
    """Population std, over rows and outputs, of the layer's output before
    its activation, for weights ``W`` (one flat row per neuron).

    Exact in the sense of :func:`sknc._campaign.pooled_std` (chunks merged
    with Chan's update, no ``E[z^2] - E[z]^2``); used by
    ``rescale="lsuv"`` and by :class:`sknc.LSUVInit`. ``weights`` (one per
    row, in the order of ``chunks``, or None) weight the rows.
    """

    def pieces():
        for sl, H in chunks:
            for piece, Hp in _image_chunks(spec, H, sl, chunk_size, spec.positions):
                z = _preactivations(spec, Hp, W) + bias
                yield z if weights is None else (z, weights[piece])

    return pooled_std(pieces())


def layer_inputs(module, traced, X, order, *, chunk_size, chain="auto", reuse=True):
    """The object that yields each layer's input, chunk by chunk.

    ``chain`` chooses how layer inputs are computed: ``"auto"`` uses the
    chain path (:class:`_ChainInputs`) when the module is a chain (see
    :func:`sknc._trace.trace_chain`) and the inputs it stores
    (:func:`chain_cache_bytes`) take no more memory than ``X`` or than
    ``CHAIN_CACHE_FLOOR`` bytes (64 MiB), else re-runs the module per chunk
    (:class:`_HookInputs`); True and False force a path (True falls back
    when the module is not a chain). The chain path holds at most that
    much (``max(X bytes, CHAIN_CACHE_FLOOR)``) of layer inputs and kept
    responses at a time; with ``reuse`` it keeps a layer's candidate
    responses, within that budget, to pass the chosen ones on as the next
    layer's input (:meth:`_ChainInputs.response_store`).
    """
    specs = traced.specs
    layer = specs[0].layer
    device, dtype = layer.weight.device, layer.weight.dtype
    if chain is not False:
        leaves = traced.chain()
        if leaves is not None:
            x_bytes = X.numel() * torch.empty(0, dtype=dtype).element_size()
            budget = max(x_bytes, CHAIN_CACHE_FLOOR)
            fits = chain_cache_bytes(specs, len(order), dtype) <= budget
            if chain is True or fits:
                return _ChainInputs(
                    leaves, specs, X, order, chunk_size, device, dtype,
                    budget=budget, reuse=reuse,
                )  # fmt: skip
    return _HookInputs(module, specs, X, order, chunk_size, device, dtype)


def run_campaign(
    module,
    X,
    y,
    n_classes,
    traced,
    alphas,
    *,
    weights=None,
    targets=None,
    class_rows=None,
    chain="auto",
    reuse=True,
    **params,
):
    """Initialize every layer of ``traced.specs`` in order; return the reports.

    ``traced`` is the module's :class:`sknc._trace.Trace` (one forward
    pass, shared with the caller). ``X`` is a tensor of scoring rows (kept
    on the CPU and streamed to the module's device chunk by chunk), ``y``
    their integer class codes, ``weights`` their row weights (None: each
    row counts once), ``targets`` their centered real-valued targets (rows x
    outputs, float64) for the correlation criterion, with ``y`` all zeros
    (None: the class criterion). Rows are visited sorted by class (a stable
    sort), so that each chunk's classes are contiguous. ``class_rows``
    (the output row of each class code, or None) places the output
    layer's neurons picked for each class. ``chain`` and ``reuse``: see
    :func:`layer_inputs`.
    """
    specs = traced.specs
    for spec in specs:
        # Before any layer is scored: a bad input or layer costs no work.
        check_campaign_layer(spec, params["max_candidates"])
    bias = params["bias"]
    without = [spec.name for spec in specs if spec.layer.bias is None]
    if bias != 0 and without:
        warnings.warn(
            f"layers {without} have no bias parameter to hold the campaign's "
            f"bias={bias}: they are scored and written without one (bias 0), "
            "as the network computes them",
            UserWarning,
            stacklevel=2,
        )
    y = torch.as_tensor(y)
    order = torch.argsort(y, stable=True)
    y_sorted = y[order]
    w_sorted = None if weights is None else torch.as_tensor(weights)[order]
    w_sorted = scaled_weights(w_sorted)  # the same means, in float64's range
    t_sorted = None if targets is None else torch.as_tensor(targets)[order]
    inputs = layer_inputs(
        module,
        traced,
        X,
        order,
        chunk_size=params["chunk_size"],
        chain=chain,
        reuse=reuse,
    )
    reports = []
    for i, (spec, alpha) in enumerate(zip(specs, alphas)):
        reports.append(
            campaign_layer(
                inputs,
                i,
                spec,
                y_sorted,
                n_classes,
                n_rows=int(X.shape[0]),
                alpha=alpha,
                output_layer=i == len(specs) - 1,
                class_rows=class_rows,
                weights=w_sorted,
                targets=t_sorted,
                **params,
            )
        )
    return reports
