"""Correlated samples (arXiv 2408.04607): with AR(1)-correlated rows GCV
underestimates the test error and CorrGCV does not.  Theory curves of
deq.corr and the estimators on one sampled data set.  Writes
corrgcv.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."
P, N, rho, noise = 400, 200, 0.8, 0.5
s = deq.Spectrum.loguniform(N, 0.1, 10.0).with_target(norm=1.0)
lam = np.geomspace(1e-3, 10, 30)
theory = deq.corr(s, corr=deq.Corr.ar1(rho), P=P, lam=lam, noise=noise)

# one data set: rows x_mu = sum_nu (K^1/2)_{mu nu} z_nu, AR(1) K, noise alike
rng = np.random.default_rng(1)
K = rho ** np.abs(np.subtract.outer(np.arange(P), np.arange(P)))
L = np.linalg.cholesky(K)
X = L @ (rng.standard_normal((P, N)) * np.sqrt(s.eigenvalues))
w = rng.standard_normal(N) * np.sqrt(s.target_powers / s.eigenvalues)
y = X @ w + L @ (np.sqrt(noise) * rng.standard_normal(P))
est = deq.gcv(X, y, lam, intercept=False, K=K)

fig, ax = plt.subplots()
ax.loglog(lam, theory["E_test"], "-", label="E_test (theory)")
ax.loglog(lam, theory["gcv"], "--", label="GCV (theory limit)")
ax.loglog(lam, theory["corrgcv"], ":", label="CorrGCV (theory limit)")
ax.loglog(lam, est["gcv"], "o", ms=3, label="GCV on one data set")
ax.loglog(lam, est["corrgcv"], "s", ms=3, label="CorrGCV on one data set")
ax.set_xlabel("lambda")
ax.set_ylabel("test error")
ax.set_title(f"AR(1) rows, rho = {rho}: P = {P}, N = {N}")
ax.legend()
fig.savefig(f"{out}/corrgcv.png", dpi=100)
i = int(np.argmin(theory["E_test"]))
print(f"at lambda = {lam[i]:.3g}: E_test = {theory['E_test'][i]:.4g}, "
      f"GCV limit = {theory['gcv'][i]:.4g}, CorrGCV limit = "
      f"{theory['corrgcv'][i]:.4g}")
