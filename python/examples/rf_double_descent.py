"""Linear random features (arXiv 2405.00592, 2303.01372): E_g against
the number of features M at P = 200, with the double-descent peak at
M = P at a small ridge, the feature-averaged risk E_cross, and a Monte
Carlo check.  Writes rf_double_descent.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."
s = deq.Spectrum.loguniform(400, 0.1, 10.0).with_target(norm=1.0)
M = np.unique(np.round(np.geomspace(20, 2000, 60)))
theory = deq.rf(s, features=M, P=200, lam=1e-3, noise=0.1)
mc = deq.mc.rf(s, features=[50, 100, 400, 1000], P=200, lam=1e-3, noise=0.1,
               trials=10, seed=1)
fig, ax = plt.subplots()
ax.loglog(theory["M"], theory["E_g"], "-", label="E_g (theory)")
ax.loglog(theory["M"], theory["E_cross"], "--",
          label="E_cross: the infinite ensemble")
ax.errorbar(mc["M"], mc["E_g_mc"], yerr=2 * mc["E_g_se"], fmt="o", ms=4,
            capsize=2, label="E_g (Monte Carlo, 2 se)")
ax.axvline(200, color="grey", lw=0.5)
ax.set_xlabel("features M")
ax.set_ylabel("excess risk")
ax.set_title("random features: P = 200, lambda = 1e-3, sigma^2 = 0.1")
ax.legend()
fig.savefig(f"{out}/rf_double_descent.png", dpi=100)
print(f"peak E_g = {theory['E_g'].max():.3g} at M = "
      f"{theory['M'][theory['E_g'].idxmax()]:g}; max |z| = "
      f"{mc['E_g_z'].abs().max():.2f}")
