"""Spectra (eigenvalues, multiplicities, target powers) and sample
correlation models, as in deq/spectrum.h and deq/corr.h."""

import math

import numpy as np
import pandas as pd

from . import _deq
from ._core import doubles, matrix


class Spectrum:
    """A spectral measure: atoms (s_i, m_i, v_i) with eigenvalue s_i >= 0
    of the population covariance Sigma, multiplicity m_i > 0 and target
    power v_i = s_i * sum over the atom's eigenspace of wbar_k^2, so that
    sum_i v_i is the signal variance E[(wbar.x)^2].  Build one with the
    class methods; it is immutable."""

    __slots__ = ("_c",)

    def __init__(self, c):
        if not isinstance(c, _deq.Spectrum):
            raise TypeError("use Spectrum.powerlaw, .loguniform, .iso, "
                            ".from_arrays or .read")
        self._c = c

    # ---------------------------------------------------------------- builders
    @classmethod
    def powerlaw(cls, alpha=1.5, n=1000, r=None, amp=1.0, scale=1.0, head=0,
                 exact_max=0):
        """s_k = scale k^-alpha and v_k = amp k^-(1 + 2 alpha r), k = 1..n.
        n may be math.inf (needs alpha > 1).  amp=0 means no target (r is
        then not needed).  Beyond exact_max modes (0: 2^22) the modes
        after the first head (0: 10^4) enter through a quadrature of the
        tail (the manual's "Power laws")."""
        if r is None:
            if amp != 0:
                raise _deq.InputError(
                    "powerlaw: give the source exponent r (or amp=0 for no "
                    "target)")
            r = math.nan
        return cls(_deq.spectrum_powerlaw(float(alpha), float(n), float(r),
                                          float(amp), float(scale),
                                          float(head), float(exact_max)))

    @classmethod
    def loguniform(cls, n, lo=0.1, hi=10.0):
        """n eigenvalues log-uniform on [lo, hi] (no target; see
        with_target)."""
        return cls(_deq.spectrum_loguniform(float(n), float(lo), float(hi)))

    @classmethod
    def iso(cls, n, scale=1.0):
        """Sigma = scale I_n (no target; see with_target)."""
        return cls(_deq.spectrum_iso(float(n), float(scale)))

    @classmethod
    def from_arrays(cls, eigenvalues, target_powers=None, multiplicities=None):
        """Atoms from arrays (multiplicity 1 and target power 0 when not
        given)."""
        s = doubles(eigenvalues, "eigenvalues")
        m = None if multiplicities is None else doubles(multiplicities,
                                                         "multiplicities")
        v = None if target_powers is None else doubles(target_powers,
                                                        "target_powers")
        return cls(_deq.spectrum_from_arrays(s, m, v))

    @classmethod
    def read(cls, path):
        """A spectrum file: one atom per line, "eigenvalue [target_power
        [multiplicity]]", '#' comments (the command line's file:PATH)."""
        return cls(_deq.spectrum_read(path))

    def with_target(self, norm=None, values=None):
        """A copy with a new target: wbar spread uniformly with
        |wbar|^2 = norm (the command line's --target iso:norm=W2), or
        per-atom target powers `values` (--target file:PATH)."""
        if (norm is None) == (values is None):
            raise TypeError("give exactly one of norm and values")
        if values is not None:
            return Spectrum(self._c.with_target(math.nan,
                                                doubles(values, "values")))
        return Spectrum(self._c.with_target(float(norm)))

    # ---------------------------------------------------------------- views
    def _arrays(self):
        return [np.frombuffer(b, dtype=np.float64) for b in self._c.arrays()]

    @property
    def eigenvalues(self):
        return self._arrays()[0]

    @property
    def multiplicities(self):
        return self._arrays()[1]

    @property
    def target_powers(self):
        return self._arrays()[2]

    n = property(lambda self: self._c.n, doc="number of atoms")
    dim = property(lambda self: self._c.dim, doc="N = sum of multiplicities")
    rank = property(lambda self: self._c.rank, doc="multiplicity of s > 0")
    trace = property(lambda self: self._c.trace, doc="tr Sigma")
    signal = property(lambda self: self._c.signal,
                      doc="sum of target powers")
    exact = property(lambda self: self._c.exact,
                     doc="true eigenvalues with integer multiplicities "
                         "(Monte Carlo can sample it)")

    summed_atoms = property(
        lambda self: self._c.rule_atoms,
        doc="atoms the solvers' real-axis sums run over: the compressed "
            "Gauss rule's (the manual's \"Compressed spectra\"), or n")

    def exact_sums(self):
        """A copy whose sums run over every atom instead of the compressed
        Gauss rule (the command line's --exact); results agree to about
        1e-15 relative."""
        return Spectrum(self._c.exact_sums())

    def to_frame(self):
        """The atoms as a DataFrame (eigenvalue, target_power,
        multiplicity), the spectrum file's column order."""
        s, m, v = self._arrays()
        return pd.DataFrame({"eigenvalue": s, "target_power": v,
                             "multiplicity": m})

    def __repr__(self):
        return (f"Spectrum(n={self.n}, dim={self.dim:g}, trace={self.trace:g},"
                f" signal={self.signal:g})")


class Corr:
    """The correlation K of the samples (arXiv 2408.04607): rows of X are
    x_mu = sum_nu (K^1/2)_{mu nu} z_nu with unit diagonal K."""

    __slots__ = ("_c", "_desc")

    def __init__(self, c, desc):
        self._c, self._desc = c, desc

    @classmethod
    def ar1(cls, rho):
        """K_ij = rho^|i-j|, -1 < rho < 1."""
        return cls(_deq.corr_model("ar1", float(rho), 0, 0.0, None),
                   f"ar1(rho={rho:g})")

    @classmethod
    def iid(cls):
        """K = I (independent samples)."""
        return cls(_deq.corr_model("equi", 0.0, 0, 0.0, None), "iid")

    @classmethod
    def equi(cls, c):
        """K = (1 - c) I + c 1 1'."""
        return cls(_deq.corr_model("equi", 0.0, 0, float(c), None),
                   f"equi(c={c:g})")

    @classmethod
    def blocks(cls, m, c):
        """Block diagonal with blocks of size m (m divides P) and
        correlation c inside a block."""
        if int(m) != m:
            raise _deq.InputError("blocks: m must be an integer")
        return cls(_deq.corr_model("blocks", 0.0, int(m), float(c), None),
                   f"blocks(m={int(m)}, c={c:g})")

    @classmethod
    def acf(cls, values):
        """Stationary K_ij = acf[|i-j|] with acf[0] = 1."""
        return cls(_deq.corr_model("acf", 0.0, 0, 0.0,
                                   doubles(values, "acf")), "acf")

    @classmethod
    def matrix(cls, K):
        """An explicit symmetric positive definite P x P matrix."""
        return cls(_deq.corr_model("matrix", 0.0, 0, 0.0,
                                   matrix(K, "K").ravel(order="F")), "matrix")

    def __repr__(self):
        return f"Corr.{self._desc}"
