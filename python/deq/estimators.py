"""Risk estimators on a data set (deq/estimate.h): training error, GCV,
exact leave-one-out and CorrGCV from one thin SVD, and a
scikit-learn-compatible estimator built on them.

Conventions (as everywhere in deq): X has P rows (samples) and N columns
(features); the ridge minimises (1/P)|y - b - X w|^2 + lambda |w|^2
(lambda normalised by P: scikit-learn's alpha is P * lambda), with an
unpenalised intercept b when intercept=True."""

import numpy as np

from . import _deq
from ._core import doubles, frame, matrix
from .spectrum import Corr, Spectrum

_COLUMNS = ("lambda", "E_tr", "df1", "gcv", "loo", "corrgcv", "kappa_K")


def _K_spectrum(K, P, plan, lam):
    """The spectrum of the sample correlation for CorrGCV, or None."""
    if K is None:
        return None
    if isinstance(K, Spectrum):
        return K._c
    if isinstance(K, str) and K == "ar1":
        rho = plan.ar1_rho(float(np.median(lam)))
        return _deq.corr_K("ar1", P, rho, None)
    if isinstance(K, tuple) and len(K) == 2 and K[0] == "ar1":
        return _deq.corr_K("ar1", P, float(K[1]), None)
    if isinstance(K, tuple) and len(K) == 2 and K[0] == "acf":
        return _deq.corr_K("acf", P, 0.0, doubles(K[1], "acf"))
    K = np.asarray(K, dtype=np.float64)
    if K.ndim == 2:
        return _deq.corr_K("matrix", P, 0.0,
                           np.asfortranarray(K).ravel(order="F"))
    raise TypeError("K: want None, a deq.Spectrum of K's eigenvalues, "
                    "'ar1' (rho estimated from the residuals), ('ar1', rho), "
                    "('acf', values) or a P x P matrix")


def _plan(X, y, intercept, standardize):
    X = matrix(X, "X")
    y = doubles(y, "y")
    P, N = X.shape
    if y.shape[0] != P:
        raise _deq.InputError(f"y has {y.shape[0]} values for {P} rows of X")
    return _deq.estimate_plan(X.ravel(order="F"), P, N, y, bool(intercept),
                              bool(standardize)), P, N


def gcv(X, y, lam, intercept=True, standardize=False, K=None):
    """Training error, df1, GCV, exact leave-one-out and CorrGCV of ridge
    on (X, y) for each lambda in lam (>= 0, normalised by P).  K (for
    CorrGCV): see RidgeGCV.  Returns a DataFrame with the columns of
    deq gcv: lambda, E_tr, df1, gcv, loo, corrgcv, kappa_K, status."""
    lam = doubles(lam, "lam")
    plan, P, _ = _plan(X, y, intercept, standardize)
    rows, st = plan.execute(lam, _K_spectrum(K, P, plan, lam))
    return frame(_COLUMNS, rows, st)


class RidgeGCV:
    """Ridge regression with the ridge chosen by GCV, exact leave-one-out
    or CorrGCV over a grid, scikit-learn compatible (fit, predict, score,
    get_params, set_params) without scikit-learn being required.

    lambdas: the grid (normalised by P; scikit-learn's alpha = P lambda).
    criterion: "gcv", "loo" or "corrgcv" (needs K).
    K: the sample correlation for CorrGCV: a deq.Spectrum of its
    eigenvalues, "ar1" (rho estimated from the residuals), ("ar1", rho),
    ("acf", values) or a P x P matrix.

    After fit: lambda_ (the chosen ridge), alpha_ (= P lambda_), cv_
    (DataFrame of every criterion over the grid), gcv_, loo_, corrgcv_
    (arrays over the grid), n_features_in_."""

    def __init__(self, lambdas=None, criterion="gcv", intercept=True,
                 standardize=False, K=None):
        self.lambdas = lambdas
        self.criterion = criterion
        self.intercept = intercept
        self.standardize = standardize
        self.K = K

    _PARAMS = ("lambdas", "criterion", "intercept", "standardize", "K")

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ValueError(f"RidgeGCV has no parameter {k}")
            setattr(self, k, v)
        return self

    def fit(self, X, y):
        if self.criterion not in ("gcv", "loo", "corrgcv"):
            raise _deq.InputError("criterion: want gcv, loo or corrgcv")
        if self.criterion == "corrgcv" and self.K is None:
            raise _deq.InputError("criterion corrgcv needs K")
        lam = doubles(np.logspace(-6, 2, 50) if self.lambdas is None
                      else self.lambdas, "lambdas")
        plan, P, N = _plan(X, y, self.intercept, self.standardize)
        rows, st = plan.execute(lam, _K_spectrum(self.K, P, plan, lam))
        cv = frame(_COLUMNS, rows, st)
        score = cv[self.criterion].to_numpy()
        finite = np.isfinite(score)
        if not finite.any():
            raise _deq.NumericalError(f"{self.criterion} is not finite at any "
                                      "lambda of the grid")
        best = int(np.argmin(np.where(finite, score, np.inf)))
        self._plan = plan
        self.cv_ = cv
        self.gcv_ = cv["gcv"].to_numpy()
        self.loo_ = cv["loo"].to_numpy()
        self.corrgcv_ = cv["corrgcv"].to_numpy()
        self.lambda_ = float(lam[best])
        self.alpha_ = P * self.lambda_
        self.n_features_in_ = N
        return self

    def predict(self, X):
        if not hasattr(self, "_plan"):
            raise RuntimeError("RidgeGCV: call fit first")
        X = matrix(X, "X")
        if X.shape[1] != self.n_features_in_:
            raise _deq.InputError(f"X has {X.shape[1]} features; fitted with "
                                  f"{self.n_features_in_}")
        out = self._plan.predict(self.lambda_, X.ravel(order="F"), X.shape[0])
        return np.frombuffer(out, dtype=np.float64).copy()

    def score(self, X, y):
        """R^2 of the predictions (scikit-learn's regressor score)."""
        y = doubles(y, "y")
        r = y - self.predict(X)
        return 1.0 - float(r @ r) / float(((y - y.mean()) ** 2).sum())

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._PARAMS)
        return f"RidgeGCV({args})"
