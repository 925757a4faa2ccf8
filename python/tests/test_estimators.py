"""Estimators on data against their definitions, computed here with
numpy from the hat matrix (an independent reference)."""
import numpy as np
import pytest

import deq


def data(P=40, N=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((P, N)) * np.linspace(0.5, 2.0, N)
    y = X @ rng.standard_normal(N) + 3.0 + 0.3 * rng.standard_normal(P)
    return X, y


def reference(X, y, lam):
    """Train error, df, GCV and LOO of ridge with an unpenalised
    intercept: penalty P lam on the centred design."""
    P = X.shape[0]
    Xc = X - X.mean(axis=0)
    H = Xc @ np.linalg.solve(Xc.T @ Xc + P * lam * np.eye(X.shape[1]), Xc.T)
    H += np.ones((P, P)) / P
    r = y - H @ y
    train = r @ r / P
    df = np.trace(H)
    return train, df, train / (1 - df / P) ** 2, \
        np.mean((r / (1 - np.diag(H))) ** 2)


def test_gcv_matches_the_definitions():
    X, y = data()
    lam = np.array([1e-3, 0.1, 1.0])
    df = deq.gcv(X, y, lam)
    assert list(df.columns) == ["lambda", "E_tr", "df1", "gcv", "loo",
                                "corrgcv", "kappa_K", "status"]
    for i, l in enumerate(lam):
        train, d, g, loo = reference(X, y, l)
        assert np.isclose(df["E_tr"][i], train, rtol=1e-12)
        assert np.isclose(df["df1"][i], d, rtol=1e-12)
        assert np.isclose(df["gcv"][i], g, rtol=1e-12)
        assert np.isclose(df["loo"][i], loo, rtol=1e-12)
    assert df["corrgcv"].isna().all()


def test_corrgcv_with_iid_K_equals_gcv():
    X, y = data()
    K = deq.Spectrum.iso(X.shape[0])
    df = deq.gcv(X, y, [0.01, 0.1], K=K)
    assert np.allclose(df["corrgcv"], df["gcv"], rtol=1e-12)
    df2 = deq.gcv(X, y, [0.01, 0.1], K=np.eye(X.shape[0]))
    assert np.allclose(df2["corrgcv"], df["gcv"], rtol=1e-12)


def test_ridge_gcv_estimator():
    X, y = data(P=60)
    lambdas = np.geomspace(1e-4, 10, 21)
    m = deq.RidgeGCV(lambdas=lambdas, criterion="loo").fit(X, y)
    ref = [reference(X, y, l)[3] for l in lambdas]
    assert m.lambda_ == lambdas[int(np.argmin(ref))]
    assert m.alpha_ == 60 * m.lambda_
    assert np.allclose(m.loo_, ref, rtol=1e-12)
    # predictions: ridge with an intercept at lambda_
    Xc = X - X.mean(axis=0)
    w = np.linalg.solve(Xc.T @ Xc + 60 * m.lambda_ * np.eye(X.shape[1]),
                        Xc.T @ (y - y.mean()))
    Xt = np.random.default_rng(5).standard_normal((7, X.shape[1]))
    pred = (Xt - X.mean(axis=0)) @ w + y.mean()
    assert np.allclose(m.predict(Xt), pred, rtol=1e-10)
    r = y - m.predict(X)
    assert np.isclose(m.score(X, y),
                      1 - r @ r / ((y - y.mean()) ** 2).sum())
    assert m.get_params()["criterion"] == "loo"
    assert m.set_params(criterion="gcv") is m and m.criterion == "gcv"


def test_estimator_errors():
    X, y = data()
    with pytest.raises(deq.InputError, match="corrgcv needs K"):
        deq.RidgeGCV(criterion="corrgcv").fit(X, y)
    with pytest.raises(deq.InputError, match="criterion"):
        deq.RidgeGCV(criterion="aic").fit(X, y)
    with pytest.raises(RuntimeError, match="fit first"):
        deq.RidgeGCV().predict(X)
    with pytest.raises(deq.InputError, match="rows of X"):
        deq.gcv(X, y[:-1], [0.1])
    with pytest.raises(deq.InputError, match="lambda"):
        deq.gcv(X, y, [-1.0])
    Xn = X.copy()
    Xn[3, 2] = np.nan
    with pytest.raises(deq.InputError, match="row 3"):
        deq.gcv(Xn, y, [0.1])
    with pytest.raises(ValueError):
        deq.RidgeGCV().set_params(alpha=1)
