"""Dynamics: one-pass SGD risk against steps for a constant and a cosine
learning rate, with and without tail averaging; and chain-of-thought
error against depth in its phases (a reconstruction, see the manual).
Writes sgd_cot.png."""
import sys

import numpy as np

import deq
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

out = sys.argv[1] if len(sys.argv) > 1 else "."
s = deq.Spectrum.powerlaw(alpha=1.5, n=1000, r=0.4)
steps = np.unique(np.round(np.geomspace(1, 20000, 60)))
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
for sched in ["constant", "cosine:horizon=20000"]:
    for avg in ["none", "tail:0.5"]:
        df = deq.sgd(s, lr=0.3, schedule=sched, average=avg, steps=steps,
                     noise=0.05)
        a.loglog(df["step"], df["E_g_avg"], label=f"{sched.split(':')[0]}, "
                 f"average {avg}")
a.set_xlabel("steps")
a.set_ylabel("E_g")
a.set_title("one-pass SGD, batch 1, lr 0.3")
a.legend(fontsize=8)
depth = np.arange(0, 61)
for alpha, tau, label in [(2, np.inf, "exponential"), (1, np.inf, "polynomial"),
                          (0.6, 4, "saturation"), (2, 1.5, "amplification")]:
    df = deq.cot(alpha=alpha, tau=tau, noise=0.1, depth=depth)
    b.semilogy(df["depth"], df["E_g"], label=f"{label} (alpha {alpha:g}, "
               f"tau {tau:g})")
b.set_xlabel("reasoning depth T")
b.set_ylabel("e_T (E_g)")
b.set_title("chain of thought [reconstruction]")
b.legend(fontsize=8)
fig.tight_layout()
fig.savefig(f"{out}/sgd_cot.png", dpi=100)
print("done")
