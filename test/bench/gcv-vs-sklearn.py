#!/usr/bin/env python3
"""test/bench/gcv-vs-sklearn.py -- `deq gcv` against scikit-learn's RidgeCV.

For a tall table (P = 5000 rows x N = 300 features) and a wide one
(300 x 5000), both written as CSV with %.17g numbers:

  * scikit-learn: pandas.read_csv + RidgeCV(alphas = P * lambda,
    fit_intercept=True, store_cv_values=True).fit -- its efficient
    leave-one-out (_RidgeGCV: X and y centred, the intercept an
    unpenalised column; SVD of X when P > N, eigendecomposition of XX'
    otherwise).  Its leave-one-out value at alpha is
    cv_values_[:, alpha].mean() (scoring=None: squared errors).
  * deq: the whole `deq gcv --data FILE --y y --lambda GRID` command, a
    fresh process (start-up, reading and parsing the file, the fit, the
    50 ridges, writing the table).  `make bench` runs the built binary
    itself (tools/.libs/deq with --libdir lib/.libs), not libtool's
    wrapper script, as an installed deq would run.

Both on the same 50-point grid (deq's printed lambdas, so sklearn gets
exactly P * lambda), one BLAS thread each (OPENBLAS_NUM_THREADS=1, set
before numpy is imported, and OMP_NUM_THREADS=1, which also keeps deq's
reader on one thread) unless these variables are set already (make bench
runs it a second time with both at the number of cores: pandas' reader
stays on one thread, deq's reader and both BLAS use every core), best
wall time of REPEAT runs on the same machine.  The scikit-learn time counts only read_csv + fit + the mean
(the interpreter start-up and the imports of pandas and scikit-learn,
about a second more, are left out, in scikit-learn's favour).

Also printed, not the target: the end-to-end ratio with a fresh
interpreter's start-up and imports (numpy, pandas, scikit-learn) added
to the scikit-learn side, which is what running a script costs.

Checks: the leave-one-out values agree to 1e-12 relative at every lambda
(exit 1 otherwise).  Reports the times and the ratio; the target is
deq at least 5x faster.  Exits 77 (skip) when scikit-learn or pandas is
missing.

Usage: gcv-vs-sklearn.py [--deq PATH] [--repeat N] [--keep DIR]
"""
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import resource
import shutil
import subprocess
import tempfile
import time

try:
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.linear_model import RidgeCV
except ImportError as e:  # not a dependency of deq
    print("gcv-vs-sklearn: skipped (%s; apt-get install python3-sklearn)" % e)
    sys.exit(77)

LAMBDA = "1e-4:1e2:50:log"
SHAPES = (("tall", 5000, 300, 1), ("wide", 300, 5000, 2))


def write_table(path, P, N, seed):
    """Features with unequal scales and nonzero means, a linear label."""
    rng = np.random.default_rng(seed)
    scale = (1.0 + np.arange(N)) ** -0.5
    X = rng.standard_normal((P, N)) * scale + rng.standard_normal(N)
    w = rng.standard_normal(N) * scale
    y = X @ w + 0.5 * rng.standard_normal(P) + 3.0
    with open(path, "w") as f:
        f.write(",".join(["y"] + ["x%d" % j for j in range(N)]) + "\n")
        np.savetxt(f, np.column_stack([y, X]), delimiter=",", fmt="%.17g")


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_deq(deq, path):
    c0 = child_cpu()
    t0 = time.perf_counter()
    out = subprocess.run([deq, "gcv", "--data", path, "--y", "y",
                          "--lambda", LAMBDA], check=True,
                         capture_output=True, text=True).stdout
    dt = time.perf_counter() - t0
    cpu = child_cpu() - c0
    lines = out.strip().split("\n")
    head = lines[0].split("\t")
    rows = [[float(v) for v in ln.split("\t")] for ln in lines[1:]]
    col = {name: [r[head.index(name)] for r in rows] for name in head}
    return dt, cpu, np.array(col["lambda"]), np.array(col["loo"])


def run_sklearn(path, lam):
    c0 = time.process_time()
    t0 = time.perf_counter()
    df = pd.read_csv(path)
    y = df["y"].to_numpy()
    X = df.drop(columns="y").to_numpy()
    P = X.shape[0]
    kw = {"store_cv_values": True}
    if "store_cv_results" in RidgeCV().get_params():   # scikit-learn >= 1.5
        kw = {"store_cv_results": True}
    m = RidgeCV(alphas=P * lam, fit_intercept=True, **kw).fit(X, y)
    cv = m.cv_results_ if hasattr(m, "cv_results_") else m.cv_values_
    loo = cv.mean(axis=0)     # (n_samples, n_alphas): squared LOO errors
    return time.perf_counter() - t0, time.process_time() - c0, loo


def python_startup(repeat=3):
    """Best wall time of a fresh interpreter importing what the
    scikit-learn side uses: what a script pays before read_csv, left out
    of the comparison above and printed for the end-to-end view."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, pandas, "
                        "sklearn.linear_model"], check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--deq", default=os.path.join(here, "..", "..", "tools",
                                                  "deq"))
    ap.add_argument("--libdir", help="prepend to LD_LIBRARY_PATH (to run "
                    "the uninstalled binary tools/.libs/deq directly, "
                    "without libtool's wrapper script)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", help="write the tables to this directory")
    a = ap.parse_args()
    if a.libdir:
        os.environ["LD_LIBRARY_PATH"] = os.path.abspath(a.libdir) + (
            ":" + os.environ["LD_LIBRARY_PATH"]
            if os.environ.get("LD_LIBRARY_PATH") else "")
    tmp = a.keep or tempfile.mkdtemp(prefix="deq-gcv-bench-")
    os.makedirs(tmp, exist_ok=True)
    ok = True
    print("gcv-vs-sklearn: scikit-learn %s, numpy %s, pandas %s; best of %d "
          "runs, wall time including reading the CSV; threads: "
          "OPENBLAS_NUM_THREADS=%s OMP_NUM_THREADS=%s for both"
          % (sklearn.__version__, np.__version__, pd.__version__, a.repeat,
             os.environ["OPENBLAS_NUM_THREADS"], os.environ["OMP_NUM_THREADS"]))
    startup = python_startup()
    try:
        for name, P, N, seed in SHAPES:
            path = os.path.join(tmp, "%s-%dx%d.csv" % (name, P, N))
            if not os.path.exists(path):
                write_table(path, P, N, seed)
            t_deq, t_sk, c_deq, c_sk = [], [], [], []
            for _ in range(a.repeat):   # interleaved: the same load for both
                dt, cpu, lam, loo_deq = run_deq(a.deq, path)
                t_deq.append(dt)
                c_deq.append(cpu)
                dt, cpu, loo_sk = run_sklearn(path, lam)
                t_sk.append(dt)
                c_sk.append(cpu)
            rel = np.max(np.abs(loo_deq - loo_sk) / np.abs(loo_sk))
            agree = bool(rel <= 1e-12)
            ok = ok and agree
            ratio = min(t_sk) / min(t_deq)
            print("gcv_vs_sklearn_%s_%dx%d: deq %.3f s, scikit-learn %.3f s, "
                  "ratio %.1fx (target >= 5x: %s); max rel. LOO difference "
                  "%.2e (<= 1e-12: %s)"
                  % (name, P, N, min(t_deq), min(t_sk), ratio,
                     "met" if ratio >= 5 else "NOT met", rel,
                     "ok" if agree else "FAIL"))
            print("  cpu time (user + system): deq %.3f s, scikit-learn %.3f "
                  "s, ratio %.1fx" % (min(c_deq), min(c_sk),
                                      min(c_sk) / min(c_deq)))
            print("  end to end (a fresh python importing numpy, pandas and "
                  "scikit-learn, %.3f s, added): ratio %.1fx"
                  % (startup, (startup + min(t_sk)) / min(t_deq)))
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
