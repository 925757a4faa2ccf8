"""Power-law and scaling-law fits (deq/fit.h).  Convention: a decaying
curve y ~ c x^-b has exponent b > 0."""

import math

from . import _deq
from ._core import doubles


def powerlaw(x, y, se=None, xlo=0.0, xhi=math.inf, floor=False):
    """Fit y = c x^-b (or y = floor + c x^-b with floor=True) over
    xlo <= x <= xhi: weighted least squares of log y on log x with
    weights (y/se)^2 when se is given (errors inflated by the Birge ratio
    when it exceeds 1).  Returns a dict: exponent, exponent_se,
    exponent_ci95, amplitude, amplitude_se, floor, floor_se, chi2_dof,
    birge, dof, x_lo, x_hi, n, weighted."""
    x = doubles(x, "x")
    y = doubles(y, "y")
    s = None if se is None else doubles(se, "se")
    return _deq.fit_powerlaw(x, y, s, float(xlo), float(xhi), bool(floor))
