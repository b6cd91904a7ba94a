"""The jobs of the ``sknc`` command (not public, not imported by :mod:`sknc`).

:mod:`sknc._jobs.compare` trains a network with several initializers side
by side (``sknc compare``); :mod:`sknc._jobs.infoplane` records the
information plane of a small network during training (``sknc infoplane``);
:mod:`sknc._jobs.bench` times the campaign against its matrix products and a
training epoch (``sknc bench``).
Each job is a set of importable functions; :mod:`sknc.cli` is a thin shell
over them. They use the library (estimators, initializers,
:mod:`sknc.information`, :mod:`sknc.plotting`); the library never imports
them.
"""
