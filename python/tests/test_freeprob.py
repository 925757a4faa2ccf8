"""The sample-covariance spectrum from Python: the command line's
numbers, the Marchenko-Pastur closed form, and the plotting helpers."""
import math

import numpy as np
import pytest

import deq


def test_density_equals_the_command_line(cli):
    s = deq.Spectrum.loguniform(200, 0.1, 10.0)
    doc = cli("spectrum", "--spectrum", "loguniform:n=200,lo=0.1,hi=10",
              "--samples", "100", "--density", "0.05:12:25")
    ref = np.array(doc["rows"], dtype=float)
    df = deq.spectrum_density(s, 100, ref[:, 0])
    assert np.array_equal(df["density"].to_numpy(), ref[:, 1])


def test_marchenko_pastur_density():
    # Sigma = I_N, q = N/P < 1: rho(x) = sqrt((b-x)(x-a)) / (2 pi q x)
    N, P = 100, 400
    q = N / P
    a, b = (1 - math.sqrt(q)) ** 2, (1 + math.sqrt(q)) ** 2
    x = np.linspace(a, b, 41)[1:-1]
    df = deq.spectrum_density(deq.Spectrum.iso(N), P, x)
    exact = np.sqrt((b - x) * (x - a)) / (2 * math.pi * q * x)
    assert np.allclose(df["density"], exact, rtol=1e-10, atol=0)
    e = deq.spectrum_edges(deq.Spectrum.iso(N), P)
    assert len(e) == 1 and df.attrs["atom0"] == 0
    assert math.isclose(e["lower"][0], a, rel_tol=1e-12)
    assert math.isclose(e["upper"][0], b, rel_tol=1e-12)
    assert math.isclose(e["mass"][0], 1.0, rel_tol=1e-10)


def test_atom_at_zero():
    e = deq.spectrum_edges(deq.Spectrum.iso(300), 100)
    assert e["interval"][0] == 0
    assert math.isclose(e.attrs["atom0"], 1 - 100 / 300, rel_tol=1e-14)
    assert math.isclose(e["mass"].sum(), 1.0, rel_tol=1e-10)


def test_sample_eigenvalues():
    s = deq.Spectrum.from_arrays([2.0, 1.0], multiplicities=[3, 2])
    ev = deq.sample_eigenvalues(s, 50, trials=3, seed=2)
    assert ev.shape == (15,) and np.all(ev > 0)
    with pytest.raises(deq.UnsupportedError):
        deq.sample_eigenvalues(deq.Spectrum.powerlaw(alpha=2, n=math.inf,
                                                     r=1), 10)


def test_bad_arguments():
    with pytest.raises(deq.InputError, match="P: value 0"):
        deq.spectrum_density(deq.Spectrum.iso(10), 0, [1.0])
    with pytest.raises(TypeError, match="deq.Spectrum"):
        deq.spectrum_edges([1, 2], 10)


def test_plots(tmp_path):
    mpl = pytest.importorskip(
        "matplotlib", reason="matplotlib is missing (apt-get install "
        "python3-matplotlib): the plotting helpers are not tested")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    s = deq.Spectrum.loguniform(40, 0.1, 10.0).with_target(norm=1.0)
    P = [20, 40, 80]
    theory = deq.ridge(s, P=np.geomspace(10, 100, 20), lam=0.01, noise=0.1)
    mc = deq.mc.ridge(s, P=P, lam=0.01, noise=0.1, trials=10, seed=1)
    ax = deq.plot.learning_curve(theory, mc)
    assert len(ax.lines) >= 1 and ax.get_xscale() == "log"
    x = np.geomspace(1, 100, 10)
    ax = deq.plot.powerlaw(x, 2 * x ** -0.5, deq.fit.powerlaw(x, 2 * x ** -0.5))
    assert "0.500" in ax.get_legend().get_texts()[1].get_text()
    ax = deq.plot.density(s, 80, trials=2)
    ax.figure.savefig(tmp_path / "density.png")
    assert (tmp_path / "density.png").stat().st_size > 1000
    plt.close("all")
