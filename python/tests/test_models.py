"""The model functions generated from libdeq's descriptors: the same
numbers as the command line, independent closed forms, shapes, dtypes,
statuses and errors."""
import math

import numpy as np
import pytest

import deq


def frame_values(doc):
    rows = [[math.inf if v == "inf" else -math.inf if v == "-inf"
             else math.nan if v == "nan" else v for v in r] for r in doc["rows"]]
    return doc["columns"], np.array(rows, dtype=float), doc.get("status")


def test_every_model_is_a_function():
    for name in deq.model_names():
        f = getattr(deq, name.replace("-", "_"))
        assert callable(f) and f.__doc__
        info = deq.describe(name)
        for c, _ in info["columns"]:
            assert c in f.__doc__


def test_ridge_equals_the_command_line(cli, powerlaw):
    df = deq.ridge(powerlaw, P=[100, 200], lam=[0, 0.01], noise=0.1)
    cols, ref, _ = frame_values(cli("ridge", "--spectrum",
                                    "powerlaw:alpha=1.5,n=1000", "--target",
                                    "source:r=0.4", "--P", "100,200",
                                    "--lambda", "0,0.01", "--noise", "0.1"))
    assert list(df.columns[:-1]) == cols
    # the JSON numbers are printed with 17 significant digits: exact
    assert np.array_equal(df[cols].to_numpy(), ref)
    assert list(df["status"]) == ["ok"] * 4


def test_rf_and_corr_equal_the_command_line(cli, powerlaw):
    df = deq.rf(powerlaw, features=[50, 400], P=100, lam=0.01)
    cols, ref, _ = frame_values(cli("rf", "--spectrum",
                                    "powerlaw:alpha=1.5,n=1000", "--target",
                                    "source:r=0.4", "--features", "50,400",
                                    "--P", "100", "--lambda", "0.01"))
    assert np.array_equal(df[cols].to_numpy(), ref, equal_nan=True)
    df = deq.corr(powerlaw, corr=deq.Corr.ar1(0.5), P=[64], lam=[0.1, 0.01],
                  noise=0.2)
    cols, ref, _ = frame_values(cli("corr", "--spectrum",
                                    "powerlaw:alpha=1.5,n=1000", "--target",
                                    "source:r=0.4", "--corr", "ar1:rho=0.5",
                                    "--P", "64", "--lambda", "0.1,0.01",
                                    "--noise", "0.2"))
    assert np.array_equal(df[cols].to_numpy(), ref, equal_nan=True)


def test_marchenko_pastur_closed_form():
    # Sigma = I_N, q = N/P: kappa solves kappa^2 + (1 - q - lam) kappa - lam = 0
    N = 200
    s = deq.Spectrum.iso(N).with_target(norm=1.0)
    P = np.array([100.0, 400.0])
    lam = 0.3
    df = deq.ridge(s, P=P, lam=lam, noise=0.5)
    q = N / P
    b = 1 - q - lam
    kappa = (-b + np.sqrt(b * b + 4 * lam)) / 2
    assert np.allclose(df["kappa"], kappa, rtol=1e-13, atol=0)
    gamma = (N / P) / (1 + kappa) ** 2
    bias = kappa ** 2 / (1 + kappa) ** 2
    E_g = (bias + 0.5 * gamma) / (1 - gamma)
    assert np.allclose(df["E_g"], E_g, rtol=1e-12, atol=0)


def test_grid_shape_order_and_dtypes(powerlaw):
    P = [50, 100, 200]
    lam = np.array([0.0, 1e-3])
    df = deq.ridge(powerlaw, P=P, lam=lam)
    assert df.shape == (6, 14)
    assert all(df[c].dtype == np.float64 for c in df.columns[:-1])
    assert list(df["P"]) == [50, 50, 100, 100, 200, 200]
    assert list(df["lambda"]) == [0, 1e-3] * 3
    assert df.attrs["model"] == "ridge"
    # a scalar and a 1-element array are the same grid
    a = deq.ridge(powerlaw, P=100, lam=1e-3)
    b = deq.ridge(powerlaw, P=np.array([100.0]), lam=[1e-3])
    assert a.equals(b)


def test_divergence_is_a_row_not_an_exception():
    s = deq.Spectrum.iso(100).with_target(norm=1.0)
    df = deq.ridge(s, P=[100, 200], lam=0, noise=0.1)
    assert df["status"].tolist() == ["diverge", "ok"]
    assert math.isinf(df["E_g"][0]) and df["E_g"][0] > 0
    assert np.isfinite(df["E_g"][1])


def test_optimal_lambda_flag(powerlaw):
    df = deq.ridge(powerlaw, P=[100, 400], noise=0.1, optimal_lambda=True)
    for P, lam_star, e in zip(df["P"], df["lambda"], df["E_g"]):
        grid = deq.ridge(powerlaw, P=P, lam=np.geomspace(lam_star / 3,
                                                          lam_star * 3, 9),
                         noise=0.1)
        assert e <= grid["E_g"].min() * (1 + 1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"P": 0}, "P: value 0 must be > 0"),
    ({"P": 10, "lam": -1}, "lambda: value -1 must be >= 0"),
    ({"P": 10, "noise": -0.5}, "noise: value -0.5 must be >= 0"),
    ({"P": 10, "lam": math.inf}, "lambda: value inf"),
])
def test_out_of_range_values_raise_input_error(powerlaw, kwargs, message):
    with pytest.raises(deq.InputError, match=message):
        deq.ridge(powerlaw, **kwargs)


def test_usage_errors(powerlaw):
    with pytest.raises(TypeError, match="unexpected keyword"):
        deq.ridge(powerlaw, P=10, lamda=0.1)
    with pytest.raises(TypeError, match="P is required"):
        deq.ridge(powerlaw)
    with pytest.raises(TypeError, match="deq.Spectrum"):
        deq.ridge([1, 2, 3], P=10)
    with pytest.raises(deq.InputError, match="optimal-lambda"):
        deq.ridge(powerlaw, P=10, lam=0.1, optimal_lambda=True)
    with pytest.raises(ValueError, match="1-D"):
        deq.ridge(powerlaw, P=[[10, 20]])
    with pytest.raises(deq.InputError, match="features: value -1"):
        deq.rf(powerlaw, P=10, features=-1)


def test_exception_hierarchy():
    assert issubclass(deq.InputError, deq.Error)
    assert issubclass(deq.InputError, ValueError)
    assert issubclass(deq.DivergenceError, deq.NumericalError)
    assert issubclass(deq.NumericalError, ArithmeticError)


def test_certify_against_mpfr(powerlaw):
    r = deq.certify("ridge", powerlaw, P=[100, 300], lam=[1e-4, 0.1],
                    noise=0.1)
    assert r["ncertified"] == 4
    assert r["maxrel"] < 1e-12


def test_releases_the_gil():
    # While a long solve runs in a thread, the main thread keeps running
    # Python code only if the extension released the GIL.
    import threading
    # exact sums over the 1e6 atoms: a solve of about a second that
    # compression cannot shorten
    big = deq.Spectrum.powerlaw(alpha=1.5, n=1000000, r=0.4).exact_sums()
    out = []
    t = threading.Thread(target=lambda: out.append(
        deq.ridge(big, P=np.geomspace(10, 1e5, 60), lam=1e-6)))
    spins = 0
    t.start()
    while t.is_alive():
        spins += 1
    t.join()
    assert len(out[0]) == 60
    assert spins > 1000


def test_threads_change_no_number(powerlaw):
    # 60 P values make several tiles of the continuation: the points are
    # bitwise the same on any thread count
    P = np.linspace(20, 2000, 60)
    one = deq.ridge(powerlaw, P=P, lam=[1e-4, 0.1], threads=1)
    three = deq.ridge(powerlaw, P=P, lam=[1e-4, 0.1], threads=3)
    cols = list(one.columns[:-1])
    assert np.array_equal(one[cols].to_numpy(), three[cols].to_numpy())
    assert "threads" in deq.ridge.__doc__
    with pytest.raises(Exception, match="threads"):
        deq.ridge(powerlaw, P=100, threads=-1)
