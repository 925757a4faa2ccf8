"""In-context learning of linear attention (arXiv 2405.11751): e_ICL
against the pretraining budget tau with the double-descent peak at tau =
1, for several task diversities kappa.  Writes icl.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."
tau = np.geomspace(0.1, 10, 121)
fig, ax = plt.subplots()
for kappa in [0.5, 2, np.inf]:
    df = deq.icl(alpha=2, kappa=kappa, tau=tau, noise=0.1, lam=1e-3)
    ax.loglog(df["tau"], df["e_ICL"], label=f"kappa = {kappa:g}")
ax.axvline(1, color="grey", lw=0.5)
ax.set_xlabel("tau = n/d^2 (pretraining contexts)")
ax.set_ylabel("e_ICL")
ax.set_title("linear attention, alpha = 2, rho = 0.1, lambda = 1e-3")
ax.legend()
fig.savefig(f"{out}/icl.png", dpi=100)
print(f"max e_ICL near tau = 1: {df['e_ICL'].max():.4g}")
