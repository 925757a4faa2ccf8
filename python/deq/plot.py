"""Plotting helpers (matplotlib is imported only when one is called):
learning curves with Monte Carlo error bars, fitted power laws, and the
sample-covariance density against a histogram of sampled eigenvalues.
Each returns the matplotlib Axes it drew on."""

import numpy as np


def _axes(ax):
    if ax is not None:
        return ax
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:   # an optional dependency
        raise ImportError("deq.plot needs matplotlib (apt-get install "
                          "python3-matplotlib)") from e
    return plt.figure().gca()


def learning_curve(theory, mc=None, x="P", y="E_g", ax=None, label=None):
    """The theory column y against x (a line) and, if given, the Monte
    Carlo table's y_mc with +-2 y_se error bars, on log-log axes."""
    ax = _axes(ax)
    finite = np.isfinite(theory[y])
    ax.loglog(theory[x][finite], theory[y][finite], "-",
              label=label or f"{y} (theory)")
    if mc is not None:
        ax.errorbar(mc[x], mc[f"{y}_mc"], yerr=2 * mc[f"{y}_se"], fmt="o",
                    ms=4, capsize=2, label=f"{y} (Monte Carlo, 2 se)")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend()
    return ax


def powerlaw(x, y, fit, ax=None):
    """Points (x, y) and the fitted curve floor + c x^-b of a deq.fit
    result over its window."""
    ax = _axes(ax)
    x = np.asarray(x, dtype=float)
    ax.loglog(x, y, "o", ms=4, label="data")
    xs = np.geomspace(fit["x_lo"], fit["x_hi"], 100)
    ax.loglog(xs, fit["floor"] + fit["amplitude"] * xs ** -fit["exponent"],
              "-", label=f"fit: b = {fit['exponent']:.3f} "
                         f"+- {fit['exponent_se']:.3f}")
    ax.legend()
    return ax


def density(spectrum, P, trials=4, seed=1, points=400, ax=None):
    """The limiting density of Sigma_hat's spectrum over its support,
    with a histogram of the eigenvalues of `trials` sampled matrices
    (the continuous part only: the atom at 0 is left out of both)."""
    from .freeprob import sample_eigenvalues, spectrum_density, spectrum_edges
    ax = _axes(ax)
    edges = spectrum_edges(spectrum, P)
    parts = edges[edges["interval"] > 0]
    x = np.concatenate([np.linspace(r.lower, r.upper, points)
                        for r in parts.itertuples()])
    d = spectrum_density(spectrum, P, x)
    ev = sample_eigenvalues(spectrum, P, trials, seed)
    ev = ev[ev > 1e-9 * max(1.0, ev.max())]
    weight = np.full(len(ev), (1 - edges.attrs["atom0"]) / len(ev))
    ax.hist(ev, bins=60, weights=weight / np.diff(
        np.histogram_bin_edges(ev, bins=60))[0], alpha=0.4,
        label=f"{trials} sampled matrices")
    ax.plot(d["x"], d["density"], "-", label="deterministic equivalent")
    ax.set_xlabel("eigenvalue of X'X/P")
    ax.set_ylabel("density")
    ax.legend()
    return ax
