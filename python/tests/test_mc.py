"""Monte Carlo from Python: the command line's table, reproducible for
any thread count, and agreeing with the theory."""
import numpy as np
import pytest

import deq


@pytest.fixture
def spec():
    return deq.Spectrum.loguniform(60, 0.1, 10.0).with_target(norm=1.0)


def test_columns_and_attrs(spec):
    df = deq.mc.ridge(spec, P=[30, 120], lam=[0.01, 0.1], noise=0.25,
                      trials=40, seed=7)
    info = deq.describe("ridge")
    assert list(df.columns[:len(info["mc_columns"])]) == info["mc_columns"]
    for q, _ in info["mc_quantities"]:
        assert {f"{q}_mc", f"{q}_se", f"{q}_z"} <= set(df.columns)
    assert df.attrs["z_dof"] == 39 and df.attrs["seed"] == 7
    assert len(df) == 4


def test_bitwise_for_any_thread_count(spec):
    a = deq.mc.ridge(spec, P=[30, 120], lam=[0.01, 0.1], noise=0.25,
                     trials=24, seed=3, threads=1)
    b = deq.mc.ridge(spec, P=[30, 120], lam=[0.01, 0.1], noise=0.25,
                     trials=24, seed=3, threads=2)
    assert a.equals(b)
    c = deq.mc.ridge(spec, P=[30, 120], lam=[0.01, 0.1], noise=0.25,
                     trials=24, seed=4, threads=2)
    assert not a.equals(c)


def test_equals_the_command_line(cli, spec):
    import math
    df = deq.mc.ridge(spec, P=[40], lam=[0.05], noise=0.25, trials=20,
                      seed=11)
    doc = cli("mc", "ridge", "--spectrum", "loguniform:n=60,lo=0.1,hi=10",
              "--target", "iso:norm=1", "--P", "40", "--lambda", "0.05",
              "--noise", "0.25", "--trials", "20", "--seed", "11")
    ref = np.array([[math.nan if v == "nan" else v for v in r]
                    for r in doc["rows"]], dtype=float)
    assert np.array_equal(df[doc["columns"]].to_numpy(), ref, equal_nan=True)


def test_agrees_with_theory(spec):
    df = deq.mc.ridge(spec, P=[120], lam=[0.05], noise=0.25, trials=200,
                      seed=1)
    assert abs(df["E_g_z"][0]) < 4
    assert abs(df["E_tr_z"][0]) < 4


def test_mc_errors(spec):
    with pytest.raises(deq.InputError, match="trials"):
        deq.mc.ridge(spec, P=30, trials=1)
    with pytest.raises(deq.InputError, match="P: value 30.5 must be an integer"):
        deq.mc.ridge(spec, P=30.5)
    with pytest.raises(deq.UnsupportedError):
        deq.mc.ridge(deq.Spectrum.powerlaw(alpha=1.5, n=float("inf"), r=0.4),
                     P=30)
