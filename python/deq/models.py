"""Every model of libdeq's model interface (deq/model.h) as a Python
function, generated from the library's own type objects: the parameters,
their ranges and their help come from the descriptors, so a model added
to the library appears here with no new code.

Names: a parameter's Python keyword is its command-line name with '-'
replaced by '_', except ``lambda`` which is ``lam``.  Grid parameters
take a number or a 1-D array; the result has one row per grid point,
row-major over the grid parameters in the model's order (as the command
line prints them)."""

import math

import numpy as np

from . import _deq
from ._core import doubles, frame
from .spectrum import Corr, Spectrum


def keyword(name):
    """The Python keyword of a parameter name."""
    return "lam" if name == "lambda" else name.replace("-", "_")


def describe(model):
    """The model's type object as a dict (params, columns, Monte Carlo)."""
    return _deq.model_info(model)


def model_names():
    """Every model type libdeq registers."""
    return list(_deq.model_names())


def _object(p, value):
    kind = p["kind"]
    if kind == "spectrum":
        if not isinstance(value, Spectrum):
            raise TypeError(f"{keyword(p['name'])}: want a deq.Spectrum")
        return value._c
    if kind == "corr":
        if not isinstance(value, Corr):
            raise TypeError(f"{keyword(p['name'])}: want a deq.Corr")
        return value._c
    if kind == "list":
        return doubles(value, keyword(p["name"]))
    if kind == "views":
        return _members(p, value)
    if kind == "table":
        try:
            import pandas as pd
            frame = pd.DataFrame(value)
        except Exception as e:
            raise TypeError(f"{keyword(p['name'])}: want a DataFrame (or a "
                            "dict of columns)") from e
        return ([str(c) for c in frame.columns],
                np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).ravel())
    if kind == "text":
        if not isinstance(value, str):
            raise TypeError(f"{keyword(p['name'])}: want a str")
        return value
    if kind == "spectra":
        out = []
        for v in value:
            if v is not None and not isinstance(v, Spectrum):
                raise TypeError(f"{keyword(p['name'])}: want a list of "
                                "deq.Spectrum or None (identity)")
            out.append(None if v is None else v._c)
        return out
    raise _deq.UnsupportedError(
        f"{keyword(p['name'])}: parameters of kind {kind} are not supported "
        "from Python yet")


def _members(p, value):
    """Ensemble members: a list of dicts with `subset` (0-based coordinate
    indices) or `fraction` (with `seed`), and optional `eta` and `lam`
    (the member's own ridge)."""
    out = []
    for k, m in enumerate(value):
        if not isinstance(m, dict):
            raise TypeError(f"{keyword(p['name'])}: member {k + 1} is not a "
                            "dict")
        unknown = set(m) - {"subset", "fraction", "seed", "eta", "lam"}
        if unknown:
            raise TypeError(f"{keyword(p['name'])}: member {k + 1}: unknown "
                            f"key(s) {', '.join(sorted(unknown))}")
        d = {"fraction": m.get("fraction"), "seed": m.get("seed"),
             "eta": m.get("eta"), "lambda": m.get("lam")}
        if m.get("subset") is not None:
            sub = np.asarray(m["subset"])
            if sub.ndim != 1 or not np.issubdtype(sub.dtype, np.integer):
                raise TypeError(f"{keyword(p['name'])}: member {k + 1}: "
                                "subset must be a 1-D array of integers")
            d["subset"] = np.ascontiguousarray(sub, dtype=np.int64)
        out.append(d)
    return out


def _arguments(info, kwargs, mc=False):
    """(x, objs, axes, given) for _deq.model_run from keyword values.
    Monte Carlo settings (the simulated dimension) are keywords of
    deq.mc.<model> only."""
    params = info["params"]
    names = {keyword(p["name"]): i for i, p in enumerate(params)
             if mc or not p["mc_only"]}
    unknown = sorted(set(kwargs) - set(names))
    if unknown:
        raise TypeError(f"{info['name']}() got unexpected keyword(s) "
                        f"{', '.join(unknown)}; it takes "
                        f"{', '.join(names)}")
    x, objs, axes, given = [], [], [], bytearray(len(params))
    for i, p in enumerate(params):
        key = keyword(p["name"])
        value = kwargs.get(key)
        xv, obj, axis = p["default"], None, None
        if value is not None:
            kind = p["kind"]
            if kind == "flag":
                xv = 1.0 if value else 0.0
                given[i] = 1 if value else 0
            elif kind == "choice":
                if value not in p["choices"]:
                    raise _deq.InputError(f"{key}: want one of "
                                          f"{', '.join(p['choices'])}")
                xv = float(p["choices"].index(value))
                given[i] = 1
            elif kind in ("real", "count"):
                given[i] = 1
                if p["grid"]:
                    axis = doubles(value, key)
                else:
                    if np.ndim(value) != 0:
                        raise TypeError(f"{key}: takes one value, not a grid")
                    xv = float(value)
            else:
                obj = _object(p, value)
                given[i] = 1
        if p["grid"] and axis is None:
            axis = np.array([p["default"]], dtype=np.float64)
        x.append(xv)
        objs.append(obj)
        axes.append(axis)
    return x, objs, axes, bytes(given)


def run(model, mode="grid", trials=0, seed=0, threads=0, prec=256, **kwargs):
    """Run a model by name: mode "grid" (the theory), "mc" (Monte Carlo)
    or "certify" (the MPFR twin)."""
    info = _deq.model_info(model)
    x, objs, axes, given = _arguments(info, kwargs, mode == "mc")
    return info, _deq.model_run(model, x, objs, axes, given, mode,
                                int(trials), int(seed), int(threads),
                                int(prec))


def _signature_doc(info, mc):
    lines = [info["summary"] + ".", ""]
    if info.get("reference"):
        lines += [f"Reference: {info['reference']}.", ""]
    lines.append("Parameters (keyword, * = required, [grid] = number or 1-D "
                 "array):")
    for p in info["params"]:
        if p["mc_only"] and not mc:
            continue
        star = "*" if p["required"] else " "
        grid = " [grid]" if p["grid"] else ""
        lines.append(f"  {star}{keyword(p['name'])}{grid}: {p['help']}")
    if mc:
        lines += ["  trials: number of trials (>= 2)",
                  "  seed: the seed (results are bitwise identical for any "
                  "thread count)",
                  "  threads: 0 = one per core"]
    else:
        lines.append("  threads: 0 = one per core (the points are bitwise "
                     "identical for any thread count)")
    if mc:
        cols = info["mc_columns"] + [f"{q}_mc, {q}_se, {q}_z"
                                     for q, _ in info["mc_quantities"]]
        lines += ["", "Returns a DataFrame with columns " + ", ".join(cols)
                  + ", status."]
    else:
        lines += ["", "Returns a DataFrame with columns:"]
        lines += [f"  {c}: {h}" for c, h in info["columns"]]
        lines.append("  status: ok, or diverge where the exact value is "
                     "infinite (an interpolation peak)")
    return "\n".join(lines)


def _first_spectrum(info):
    for p in info["params"]:
        if p["kind"] == "spectrum":
            return keyword(p["name"])
    return None


def theory_function(model):
    """deq.<model>(spectrum, **params) -> DataFrame."""
    info = _deq.model_info(model)
    first = _first_spectrum(info)

    def f(*args, threads=0, **kwargs):
        if args:
            if len(args) > 1 or first is None or first in kwargs:
                raise TypeError(f"{model}() takes only keyword arguments "
                                f"after {first}")
            kwargs[first] = args[0]
        info_, (cols, rows, st) = run(model, "grid", threads=threads,
                                      **kwargs)
        return frame(cols, rows, st, {"model": model})

    f.__name__ = f.__qualname__ = model.replace("-", "_")
    f.__doc__ = _signature_doc(info, False)
    return f


def mc_function(model):
    """deq.mc.<model>(spectrum, trials=, seed=, threads=, **params)."""
    info = _deq.model_info(model)
    first = _first_spectrum(info)

    def f(*args, trials=100, seed=1, threads=0, **kwargs):
        if args:
            if len(args) > 1 or first is None or first in kwargs:
                raise TypeError(f"mc.{model}() takes only keyword arguments "
                                f"after {first}")
            kwargs[first] = args[0]
        info_, (cols, rows, st) = run(model, "mc", trials, seed, threads,
                                      **kwargs)
        return frame(cols, rows, st, {"model": model, "trials": int(trials),
                                      "seed": int(seed),
                                      "threads": int(threads),
                                      "z_dof": int(trials) - 1})

    f.__name__ = f.__qualname__ = model.replace("-", "_")
    f.__doc__ = _signature_doc(info, True)
    return f


def certify(model, *args, prec=256, **kwargs):
    """Recompute every point with the model's MPFR twin at prec bits and
    return the largest relative difference over all columns:
    dict(maxrel, ncertified, worst_row, worst_column)."""
    info = _deq.model_info(model)
    first = _first_spectrum(info)
    if args:
        kwargs[first] = args[0]
    _, (maxrel, n, row, col) = run(model, "certify", prec=prec, **kwargs)
    return {"maxrel": maxrel, "ncertified": n, "worst_row": row,
            "worst_column": col}
