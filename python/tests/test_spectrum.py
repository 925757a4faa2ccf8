"""Spectra and correlation models built from Python."""
import math

import numpy as np
import pytest

import deq


def test_powerlaw_atoms():
    s = deq.Spectrum.powerlaw(alpha=2.0, n=50, r=0.5, amp=3.0, scale=2.0)
    k = np.arange(1, 51)
    assert np.allclose(s.eigenvalues, 2.0 * k ** -2.0, rtol=1e-15)
    assert np.allclose(s.target_powers, 3.0 * k ** -(1 + 2 * 2.0 * 0.5),
                       rtol=1e-15)
    assert np.all(s.multiplicities == 1)
    assert s.n == 50 and s.dim == 50 and s.exact
    assert math.isclose(s.trace, s.eigenvalues.sum(), rel_tol=1e-14)


def test_infinite_powerlaw_is_not_sampleable():
    s = deq.Spectrum.powerlaw(alpha=1.5, n=math.inf, r=0.4)
    assert math.isinf(s.dim) and not s.exact


def test_from_arrays_and_with_target():
    s = deq.Spectrum.from_arrays([4.0, 1.0], multiplicities=[2, 3])
    assert s.dim == 5 and s.signal == 0
    t = s.with_target(norm=5.0)
    # v_i = norm m_i s_i / dim
    assert np.allclose(t.target_powers, [5 * 2 * 4 / 5, 5 * 3 * 1 / 5])
    u = s.with_target(values=[0.5, 0.25])
    assert u.signal == 0.75
    assert s.signal == 0          # the original is unchanged
    f = u.to_frame()
    assert list(f.columns) == ["eigenvalue", "target_power", "multiplicity"]


def test_read_matches_arrays(tmp_path):
    p = tmp_path / "spec.txt"
    p.write_text("# eigenvalue target_power multiplicity\n2 0.5 3\n1 0.25\n")
    s = deq.Spectrum.read(str(p))
    assert np.array_equal(s.eigenvalues, [2.0, 1.0])
    assert np.array_equal(s.multiplicities, [3.0, 1.0])
    assert np.array_equal(s.target_powers, [0.5, 0.25])


def test_bad_spectra():
    with pytest.raises(deq.InputError, match="atom 1 .eigenvalue."):
        deq.Spectrum.from_arrays([1.0, -1.0])
    with pytest.raises(deq.InputError, match="2 values for 3"):
        deq.Spectrum.from_arrays([1.0, 2.0, 3.0], target_powers=[1.0, 2.0])
    with pytest.raises(deq.InputError, match="at least one"):
        deq.Spectrum.from_arrays([])
    with pytest.raises(deq.InputError, match="source exponent"):
        deq.Spectrum.powerlaw(alpha=1.5, n=10)
    with pytest.raises(deq.InputError):
        deq.Spectrum.powerlaw(alpha=0.5, n=math.inf, r=0.4)
    with pytest.raises(deq.InputError, match="loguniform"):
        deq.Spectrum.loguniform(10, 2.0, 1.0)
    with pytest.raises(deq.InputError, match="nope.txt"):
        deq.Spectrum.read("/nonexistent/nope.txt")
    with pytest.raises(TypeError):
        deq.Spectrum(42)


def test_truncated_file_names_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_text("1 0.5\n2 x\n")
    with pytest.raises(deq.InputError, match=":2:2:"):
        deq.Spectrum.read(str(p))


def test_corr_models():
    assert repr(deq.Corr.ar1(0.3)) == "Corr.ar1(rho=0.3)"
    with pytest.raises(deq.InputError, match="rho"):
        deq.Corr.ar1(1.0)
    with pytest.raises(deq.InputError, match="square"):
        deq.Corr.matrix(np.ones((2, 3)))
    with pytest.raises(deq.InputError, match="acf"):
        deq.Corr.acf([0.5, 0.2])
    K = 0.5 * np.eye(4) + 0.5
    deq.Corr.matrix(K)
    deq.Corr.blocks(4, 0.2)
    deq.Corr.iid()


def test_compressed_and_exact_sums():
    # 1e5-atom power law: the solvers sum over about 600 rule atoms; the
    # exact copy over every atom; every column agrees to 1e-13
    s = deq.Spectrum.powerlaw(alpha=1.5, n=100000, r=0.4)
    e = s.exact_sums()
    assert s.summed_atoms < 1000 and e.summed_atoms == s.n == e.n
    P = np.geomspace(10, 1e5, 30)
    a = deq.ridge(s, P=P, lam=[0, 1e-4], noise=0.1)
    b = deq.ridge(e, P=P, lam=[0, 1e-4], noise=0.1)
    for col in a.select_dtypes("number").columns:
        x, y = a[col].to_numpy(float), b[col].to_numpy(float)
        assert np.allclose(x, y, rtol=1e-13, atol=0), col
    # a new target keeps the setting
    assert e.with_target(norm=1.0).summed_atoms == e.n
