"""The spectrum of a sample covariance (free probability): the limiting
density of X'X/P for a log-uniform population spectrum against a
histogram of sampled eigenvalues.  Writes density.png."""
import sys

import deq
import matplotlib
matplotlib.use("Agg")

out = sys.argv[1] if len(sys.argv) > 1 else "."
s = deq.Spectrum.loguniform(200, 0.1, 10.0)
ax = deq.plot.density(s, 400, trials=8, seed=1)
ax.set_title("log-uniform Sigma on [0.1, 10], N = 200, P = 400")
ax.figure.savefig(f"{out}/density.png", dpi=100)
e = deq.spectrum_edges(s, 400)
print(f"support [{e['lower'].min():.4g}, {e['upper'].max():.4g}]")
