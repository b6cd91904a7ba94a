"""Control of torch's intra-op threads for the command-line jobs."""

from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(n):
    """Run the block with ``n`` torch threads (``None``: leave them as they are).

    The networks of ``sknc compare`` and ``sknc infoplane`` are small: a
    second intra-op thread adds synchronisation and no speed, and on a busy
    machine a thread that waits for a descheduled peer slows every batch
    down (measured: ``sknc compare`` took 197 s with torch's default 2
    threads on a loaded 2-core machine, 5 s with one).
    """
    if n is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)
