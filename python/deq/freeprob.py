"""The limiting spectrum of the sample covariance Sigma_hat = X'X/P
(X: P x N with rows N(0, Sigma)), as deq spectrum --samples P prints it."""

import numpy as np
import pandas as pd

from . import _deq
from ._core import STATUS_NAMES, doubles
from .spectrum import Spectrum


def _spectrum(spectrum):
    if not isinstance(spectrum, Spectrum):
        raise TypeError("spectrum: want a deq.Spectrum")
    return spectrum._c


def spectrum_density(spectrum, P, x):
    """Density of the continuous part of the limiting spectrum of
    Sigma_hat at the points x (deq spectrum --samples P --density):
    columns x, density, status; attrs["atom0"] is the mass of the atom at
    0, 1 - min(P, rank)/N."""
    x = doubles(x, "x")
    d, st = _deq.sample_density(_spectrum(spectrum), float(P), x)
    df = pd.DataFrame({"x": x.copy(), "density": np.frombuffer(d).copy()})
    df["status"] = [STATUS_NAMES.get(s, "unknown") for s in st]
    df.attrs["atom0"] = spectrum_edges(spectrum, P).attrs["atom0"]
    return df


def spectrum_edges(spectrum, P):
    """Support of the limiting spectrum of Sigma_hat (deq spectrum
    --samples P --edges): one row per interval (interval, lower, upper,
    mass), interval 0 being the atom at 0 when it has mass."""
    lo, hi, mass, atom0 = _deq.sample_support(_spectrum(spectrum), float(P))
    rows = [(0, 0.0, 0.0, atom0)] if atom0 > 0 else []
    rows += [(k + 1, l, h, m) for k, (l, h, m) in enumerate(zip(lo, hi, mass))]
    df = pd.DataFrame(rows, columns=["interval", "lower", "upper", "mass"])
    df.attrs["atom0"] = atom0
    return df


def sample_eigenvalues(spectrum, P, trials=1, seed=1):
    """Eigenvalues of sampled Sigma_hat = X'X/P (numpy's generator with
    this seed; Sigma diagonal in its eigenbasis, one column per unit of
    multiplicity): an array of trials * N values, for histograms."""
    if not spectrum.exact:
        raise _deq.UnsupportedError("sampling needs true eigenvalues with "
                                    "integer multiplicities")
    s = np.repeat(spectrum.eigenvalues, spectrum.multiplicities.astype(int))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(int(trials)):
        X = rng.standard_normal((int(P), len(s))) * np.sqrt(s)
        out.append(np.linalg.eigvalsh(X.T @ X / P))
    return np.concatenate(out)
