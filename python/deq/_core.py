"""Arrays and tables at the boundary with libdeq (deq._deq)."""

import numpy as np
import pandas as pd

from . import _deq

#: The row status names of the command line's JSON output.
STATUS_NAMES = {0: "ok", 1: "invalid", 2: "domain", 3: "noconv",
                4: "diverge", 5: "nomem", 6: "io", 7: "parse", 8: "lapack",
                9: "unsupported"}


def doubles(values, name):
    """A contiguous 1-D float64 copy-free view of values where possible."""
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"{name}: want a number or a 1-D array, "
                         f"got shape {a.shape}")
    return a


def matrix(values, name):
    """A 2-D float64 array in column-major (Fortran) order, deq's layout."""
    a = np.asarray(values, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name}: want a 2-D array, got shape {a.shape}")
    return np.asfortranarray(a)


def frame(columns, rows, statuses, attrs=None):
    """A DataFrame of a libdeq table: columns named as the command line's,
    plus the row status ("ok", "diverge", ...)."""
    data = np.frombuffer(rows, dtype=np.float64).reshape(-1, len(columns))
    df = pd.DataFrame(data.copy(), columns=list(columns))
    df["status"] = [STATUS_NAMES.get(s, "unknown") for s in statuses]
    if attrs:
        df.attrs.update(attrs)
    return df
