"""Hooks of sphinx-gallery, importable by name so the config can be cached."""


def reset_torch(gallery_conf, fname):
    """Run every example on one torch thread and one BLAS thread."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(1)
