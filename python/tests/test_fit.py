"""Power-law fits from Python."""
import numpy as np
import pytest

import deq


def test_exact_power_law():
    x = np.geomspace(10, 1000, 12)
    r = deq.fit.powerlaw(x, 3.0 * x ** -0.75)
    assert np.isclose(r["exponent"], 0.75, rtol=1e-12)
    assert np.isclose(r["amplitude"], 3.0, rtol=1e-12)
    assert r["n"] == 12 and r["dof"] == 10


def test_floor_and_window():
    x = np.geomspace(1, 1e4, 30)
    y = 0.2 + 5.0 * x ** -0.5
    r = deq.fit.powerlaw(x, y, floor=True)
    assert np.isclose(r["exponent"], 0.5, rtol=1e-6)
    assert np.isclose(r["floor"], 0.2, rtol=1e-6)
    w = deq.fit.powerlaw(x, 2 * x ** -1.0, xlo=10, xhi=100)
    assert 10 <= w["x_lo"] and w["x_hi"] <= 100


def test_fit_errors():
    with pytest.raises(deq.InputError, match="same length"):
        deq.fit.powerlaw([1, 2, 3], [1, 2])
