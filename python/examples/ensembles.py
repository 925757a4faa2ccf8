"""Ensembles (arXiv 2412.05418, 2307.03176): the no-free-lunch curve of
random-feature ensembles at a fixed total of features, and the peak of
feature-subsampled ensembles moving from P = N to P = N/K.  Writes
ensembles.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."
s = deq.Spectrum.powerlaw(alpha=1.5, n=2000, r=0.4)
nfl = deq.ensemble(s, P=200, no_free_lunch=800, noise=0.01)
iso = deq.Spectrum.iso(400).with_target(norm=1.0)
P = np.arange(20, 601, 10)
peak = deq.subsample(iso, P=P, members=[1, 4], disjoint=True, lam=0,
                     noise=0.1)
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.loglog(nfl["K"], nfl["E_ens"], "o-")
a.set_xlabel("members K (M = 800/K features each)")
a.set_ylabel("E_ens at the optimal ridge")
a.set_title("no free lunch: P = 200")
for K, g in peak.groupby("members" if "members" in peak else "K"):
    b.loglog(g["P"], g["E_ens"], label=f"K = {K:g}")
b.set_xlabel("P")
b.set_ylabel("E_ens")
b.set_title("feature-subsampled: peak at P = N/K (N = 400)")
b.legend()
fig.tight_layout()
fig.savefig(f"{out}/ensembles.png", dpi=100)
print("E* by K:", ", ".join(f"{k:g}: {e:.5g}" for k, e in
                            zip(nfl["K"], nfl["E_ens"])))
