"""deq: deterministic equivalents of random-matrix theory for learning
curves, from Python.

Every model of the library is a function returning a pandas DataFrame
whose columns are the command line's (deq ridge, deq rf, deq corr, ...):

    >>> import deq
    >>> s = deq.Spectrum.powerlaw(alpha=1.5, n=1000, r=0.5)
    >>> deq.ridge(s, P=[100, 200, 400], lam=1e-3, noise=0.1)

Monte Carlo counterparts are in deq.mc (same arguments plus trials, seed,
threads); estimators on data are deq.gcv and deq.RidgeGCV; fits are in
deq.fit.  Failures raise deq.InputError, deq.NumericalError (its subclass
deq.DivergenceError where a single result is infinite) or
deq.UnsupportedError, with the library's message; a grid point whose
exact value is infinite (an interpolation peak) is a row with +inf and
status "diverge", as on the command line."""

from . import _deq
from ._deq import (DivergenceError, Error, InputError, NumericalError,
                   UnsupportedError)
from .spectrum import Corr, Spectrum
from .models import certify, describe, model_names, theory_function
from .estimators import RidgeGCV, gcv
from .freeprob import sample_eigenvalues, spectrum_density, spectrum_edges
from . import fit, mc, plot

__version__ = _deq.version()

for _name in _deq.model_names():
    globals()[_name.replace("-", "_")] = theory_function(_name)
del _name

__all__ = ["Spectrum", "Corr", "gcv", "RidgeGCV", "fit", "mc", "plot",
           "certify", "spectrum_density", "spectrum_edges",
           "sample_eigenvalues",
           "describe", "model_names", "Error", "InputError", "NumericalError",
           "DivergenceError", "UnsupportedError"] + \
          [n.replace("-", "_") for n in _deq.model_names()]
