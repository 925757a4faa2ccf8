"""Ridge on a power-law spectrum (arXiv 2405.00592): the ridgeless,
noiseless learning curve E_g(P), its Monte Carlo check, and the fitted
exponent beside the predicted one.  Writes ridge_powerlaw.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")

out = sys.argv[1] if len(sys.argv) > 1 else "."
s = deq.Spectrum.powerlaw(alpha=1.5, n=4000, r=0.4)
theory = deq.ridge(s, P=np.geomspace(16, 1024, 40), lam=0, noise=0)
mc = deq.mc.ridge(s, P=[32, 64, 128, 256], lam=0, noise=0, trials=20, seed=1)
fit = deq.fit.powerlaw(theory["P"], theory["E_g"], xlo=32, xhi=256)
ax = deq.plot.learning_curve(theory, mc)
ax.set_title(f"power law alpha = 1.5, r = 0.4, N = 4000: E_g ~ "
             f"P^-{fit['exponent']:.3f} on [32, 256]\n(predicted 2 alpha r "
             f"= 1.2 for P << N; the curve steepens as P nears N)")
ax.figure.savefig(f"{out}/ridge_powerlaw.png", dpi=100)
print(f"E_g ~ P^-{fit['exponent']:.3f} +- {fit['exponent_se']:.3f}; "
      f"max |z| of the Monte Carlo = {mc['E_g_z'].abs().max():.2f}")
