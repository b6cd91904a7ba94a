"""Base distributions of neuron weights, drawn with a local generator.

Each draw function has the signature ``draw(n, fan_in, fan_out, generator)``
and returns a float32 CPU tensor of shape ``(n, fan_in)``: ``n`` neurons of a
layer whose real fans are ``fan_in`` and ``fan_out``. Drawing on the CPU with
an explicit :class:`torch.Generator` makes weights independent of the
device and leaves torch's global random state alone.
"""

import math

import torch


def he_normal(n, fan_in, fan_out, generator):
    """He (Kaiming) normal: std ``sqrt(2 / fan_in)``, the ReLU gain."""
    std = math.sqrt(2.0 / fan_in)
    return torch.randn(n, fan_in, generator=generator) * std


def xavier_normal(n, fan_in, fan_out, generator):
    """Glorot (Xavier) normal: std ``sqrt(2 / (fan_in + fan_out))``."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return torch.randn(n, fan_in, generator=generator) * std


def orthogonal(n, fan_in, fan_out, generator, gain=1.0):
    """Orthonormal rows (as :func:`torch.nn.init.orthogonal_`), times ``gain``.

    More rows than ``fan_in`` cannot all be orthogonal: rows then come in
    blocks of ``fan_in`` mutually orthonormal rows.
    """
    blocks = []
    remaining = n
    while remaining > 0:
        rows = min(remaining, fan_in)
        q, r = torch.linalg.qr(torch.randn(fan_in, rows, generator=generator).double())
        # The sign fix makes the draw uniform (Haar) over orthonormal frames.
        q = q * torch.sign(torch.diagonal(r))
        blocks.append(q.T.float())
        remaining -= rows
    return torch.cat(blocks, dim=0) * gain


BASE_DISTRIBUTIONS = {
    "he": he_normal,
    "xavier": xavier_normal,
    "orthogonal": orthogonal,
}


def get_distribution(base):
    """Return the draw function for a name of ``BASE_DISTRIBUTIONS`` or a callable.

    A user callable is wrapped so that its output is checked: it must return
    a finite tensor of shape ``(n, fan_in)`` with no row of zeros.
    """
    if callable(base):

        def draw(n, fan_in, fan_out, generator):
            w = torch.as_tensor(base(n, fan_in, fan_out, generator))
            if tuple(w.shape) != (n, fan_in):
                raise ValueError(
                    f"base_init callable returned shape {tuple(w.shape)}; "
                    f"expected ({n}, {fan_in})"
                )
            if not torch.isfinite(w).all():
                raise ValueError("base_init callable returned NaN or inf weights")
            zero = int((w == 0).all(dim=1).sum())
            if zero:
                # A zero neuron responds with a constant: every score ties
                # and the selection would be arbitrary.
                raise ValueError(
                    f"base_init callable returned {zero} candidate(s) of all "
                    f"zeros out of {n}; candidates must be nonzero"
                )
            return w.float()

        return draw
    try:
        return BASE_DISTRIBUTIONS[base]
    except (KeyError, TypeError):
        raise ValueError(
            f"base_init must be one of {sorted(BASE_DISTRIBUTIONS)} or a callable "
            f"draw(n, fan_in, fan_out, generator); got {base!r}"
        ) from None


def make_generator(seed):
    """Return a CPU :class:`torch.Generator` seeded with ``seed``."""
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g
