"""Every model family of the library from Python equals its command:
the functions are generated from the same descriptors, so the numbers
must be identical (JSON carries 17 significant digits)."""
import math

import numpy as np
import pytest

import deq


def values(doc):
    conv = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
    return np.array([[conv.get(v, v) if isinstance(v, str) else v
                      for v in r] for r in doc["rows"]], dtype=float)


def same(df, doc):
    assert list(df.columns[:-1]) == doc["columns"]
    assert np.array_equal(df[doc["columns"]].to_numpy(), values(doc),
                          equal_nan=True)
    assert list(df["status"]) == doc.get("status", ["ok"] * len(df))


LOGU = ["--spectrum", "loguniform:n=60,lo=0.1,hi=10", "--target", "iso:norm=1"]


@pytest.fixture
def logu():
    return deq.Spectrum.loguniform(60, 0.1, 10.0).with_target(norm=1.0)


def test_ensemble(cli, logu):
    same(deq.ensemble(logu, P=[30, 90], members=[1, 4], features=20,
                      lam=0.01, noise=0.1),
         cli("ensemble", *LOGU, "--P", "30,90", "--members", "1,4",
             "--features", "20", "--lambda", "0.01", "--noise", "0.1"))
    # the members axis generated from --no-free-lunch (the type's axis hook)
    same(deq.ensemble(logu, P=40, no_free_lunch=24, noise=0.1),
         cli("ensemble", *LOGU, "--P", "40", "--no-free-lunch", "24",
             "--noise", "0.1"))


def test_subsample(cli, logu, tmp_path):
    same(deq.subsample(logu, P=[20, 60], members=4, fraction=0.25,
                       disjoint=True, lam=0.01, noise=0.1),
         cli("subsample", *LOGU, "--P", "20,60", "--members", "4",
             "--fraction", "0.25", "--disjoint", "--lambda", "0.01",
             "--noise", "0.1"))
    views = tmp_path / "views.txt"
    views.write_text("1-30 eta=0.2\n20-60 lambda=0.05\nfraction=0.5,seed=3\n")
    members = [{"subset": np.arange(0, 30), "eta": 0.2},
               {"subset": np.arange(19, 60), "lam": 0.05},
               {"fraction": 0.5, "seed": 3}]
    same(deq.subsample(logu, P=[40], views=members, lam=0.01, noise=0.1),
         cli("subsample", *LOGU, "--P", "40", "--views", str(views),
             "--lambda", "0.01", "--noise", "0.1"))
    with pytest.raises(TypeError, match="member 1: unknown key"):
        deq.subsample(logu, P=40, views=[{"subst": [1]}])
    with pytest.raises(deq.InputError):
        deq.subsample(logu, P=40, views=[{"subset": np.array([0, 99])}])


def test_twopoint_icl_sgd(cli, logu):
    same(deq.twopoint(logu, P=[30, 120], z1=[0.05, 0.5], z2=[0.1, 1.0],
                      weights="sigma"),
         cli("twopoint", *LOGU, "--P", "30,120", "--z1", "0.05,0.5",
             "--z2", "0.1,1", "--weights", "sigma"))
    same(deq.icl(alpha=[0.5, 2], kappa=[1, math.inf], tau=[0.5, 3],
                 noise=0.1, lam=0.01),
         cli("icl", "--alpha", "0.5,2", "--kappa", "1,inf", "--tau",
             "0.5,3", "--noise", "0.1", "--lambda", "0.01"))
    s = deq.Spectrum.powerlaw(alpha=1.5, n=200, r=0.5)
    same(deq.sgd(s, lr=0.2, schedule="cosine:horizon=500", steps=[1, 100, 500],
                 average="tail:0.5", noise=0.25),
         cli("sgd", "--spectrum", "powerlaw:alpha=1.5,n=200", "--target",
             "source:r=0.5", "--lr", "0.2", "--schedule",
             "cosine:horizon=500", "--steps", "1,100,500", "--average",
             "tail:0.5", "--noise", "0.25"))
    with pytest.raises(deq.InputError, match="unstable step size"):
        deq.sgd(s, lr=5.0, steps=10)


def test_reconstructions(cli):
    same(deq.cot(alpha=2, tau=[4, math.inf], noise=0.1, depth=[1, 5, 12]),
         cli("cot", "--alpha", "2", "--tau", "4,inf", "--noise", "0.1",
             "--depth", "1,5,12"))
    same(deq.icl_depth(alpha=[1, 4], noise=0.1, layers=[1, 4]),
         cli("icl-depth", "--alpha", "1,4", "--noise", "0.1", "--layers",
             "1,4"))
    assert "RECONSTRUCTION" in deq.cot.__doc__.upper()


def test_monte_carlo_settings_are_mc_only():
    with pytest.raises(TypeError, match="unexpected keyword"):
        deq.icl(alpha=2, tau=3, d=20)
    assert "\n   d: " not in deq.icl.__doc__
    assert "\n   d: " in deq.mc.icl.__doc__
    df = deq.mc.icl(alpha=2, tau=3, kappa=1, noise=0.1, lam=0.01, d=10,
                    trials=3, seed=1)
    assert len(df) == 1 and np.isfinite(df["e_ICL_mc"][0])


def test_flow(cli, logu):
    same(deq.flow(logu, N=[30, math.inf], P=[40, math.inf],
                  time=[0, 1, 10, math.inf], noise=0.05),
         cli("flow", *LOGU, "--N", "30,inf", "--P", "40,inf", "--time",
             "0,1,10,inf", "--noise", "0.05"))


def test_gd(cli, logu):
    same(deq.gd(logu, P=[240], steps=[0, 5, 50, 500], noise=0.25),
         cli("gd", *LOGU, "--P", "240", "--steps", "0,5,50,500",
             "--noise", "0.25"))
    # P < N and t = inf (the ridgeless limit) as on the command line
    same(deq.gd(logu, P=[20], steps=[0, 5, math.inf], noise=0.25),
         cli("gd", *LOGU, "--P", "20", "--steps", "0,5,inf",
             "--noise", "0.25"))
    # P = N (the lens contour): finite R_t at finite t
    same(deq.gd(logu, P=[60], steps=[0, 5, 500], noise=0.25),
         cli("gd", *LOGU, "--P", "60", "--steps", "0,5,500",
             "--noise", "0.25"))
    with pytest.raises(deq.InputError, match="strictly increasing"):
        deq.gd(logu, P=[240], steps=[50, 5])


def test_msgd(cli, logu):
    same(deq.msgd(logu, P=[240, math.inf], batch=[1, 4], steps=[0, 5, 50, 500],
                  noise=0.25),
         cli("msgd", *LOGU, "--P", "240,inf", "--batch", "1,4", "--steps",
             "0,5,50,500", "--noise", "0.25"))


def test_frontier(cli, tmp_path):
    # from data: an exact law L = 0.01 + 2/N + 2/t (N* = t* = sqrt(C))
    pd = pytest.importorskip("pandas")
    g = [10 * 10 ** (0.75 * i) for i in range(5)]
    frame = pd.DataFrame([(n, t, 0.01 + 2 / n + 2 / t) for n in g for t in g],
                         columns=["N", "t", "E_g"])
    path = tmp_path / "law.tsv"
    frame.to_csv(path, sep="\t", index=False, float_format="%.17g")
    df = deq.frontier(data=frame, compute=[1e4, 1e6])
    same(df, cli("frontier", "--data", str(path), "--compute", "1e4,1e6"))
    assert abs(df["N"][0] - 100) < 1e-4
    # from theory: the flow model at P = inf
    sp = deq.Spectrum.powerlaw(alpha=2, n=math.inf, r=0.25, head=300,
                               exact_max=1000)
    same(deq.frontier(sp, compute=[1e4]),
         cli("frontier", "--spectrum",
             "powerlaw:alpha=2,n=inf,head=300,exact_max=1000",
             "--target", "source:r=0.25", "--compute", "1e4"))
