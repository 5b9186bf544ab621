"""The model (``dnpmbl.model``): disorder drawn as common random numbers with the right
statistics, Zeeman shifts, and coupling validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dnpmbl
from dnpmbl.model import check_couplings
from dnpmbl.params import TWO_PI


def test_couplings_common_random_numbers():
    """Couplings are keyed by (seed, N, r) only: the same key gives identical arrays; U, D
    and B only rescale them (``U_ij = U / sqrt(N) z_ij``, ``D_i = D / sqrt(N) z_i``, B not at
    all); another r, seed or N gives different ones."""
    n = 6
    p1 = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0)
    p2 = dnpmbl.Parameters.from_units(n, u_mhz=2.0, d_mhz=0.3, b_tesla=5.0)
    p3 = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0, b_tesla=1.2)
    u1, d1 = dnpmbl.realization_couplings(p1, 42, 3)
    u1b, d1b = dnpmbl.realization_couplings(p1, 42, 3)
    assert np.array_equal(u1, u1b) and np.array_equal(d1, d1b)
    u3, d3 = dnpmbl.realization_couplings(p3, 42, 3)
    assert np.array_equal(u1, u3) and np.array_equal(d1, d3)  # B does not enter
    z_u, z_d = dnpmbl.standard_couplings(42, n, 3)
    for p, (u, d) in ((p1, (u1, d1)), (p2, dnpmbl.realization_couplings(p2, 42, 3))):
        np.testing.assert_allclose(u, p.u / math.sqrt(n) * z_u, rtol=1e-15, atol=0)
        np.testing.assert_allclose(d, p.d / math.sqrt(n) * z_d, rtol=1e-15, atol=0)
    assert np.array_equal(z_u, z_u.T) and np.all(np.diag(z_u) == 0)
    for other in (dnpmbl.standard_couplings(42, n, 4), dnpmbl.standard_couplings(43, n, 3)):
        assert not np.any(other[0][np.triu_indices(n, 1)] == z_u[np.triu_indices(n, 1)])
        assert not np.any(other[1] == z_d)
    z7, _ = dnpmbl.standard_couplings(42, 7, 3)
    assert not np.any(z7[:n, :n][np.triu_indices(n, 1)] == z_u[np.triu_indices(n, 1)])


def test_coupling_statistics():
    """``U_ij ~ N(0, U^2/N)`` and ``D_i ~ N(0, D^2/N)``: over 400 realizations of N = 5
    (4000 pairs, 2000 sites) the sample mean and variance of ``U_ij sqrt(N)/U`` and
    ``D_i sqrt(N)/D`` match 0 and 1 within 4 standard errors."""
    n = 5
    p = dnpmbl.Parameters.from_units(n, u_mhz=15.0, d_mhz=1.0)
    iu = np.triu_indices(n, 1)
    pairs, sites = [], []
    for r in range(400):
        u, d = dnpmbl.realization_couplings(p, 7, r)
        pairs.append(u[iu] * math.sqrt(n) / p.u)
        sites.append(d * math.sqrt(n) / p.d)
    for x in (np.concatenate(pairs), np.concatenate(sites)):
        assert abs(x.mean()) < 4 / math.sqrt(x.size)
        assert abs(x.var() - 1.0) < 4 * math.sqrt(2.0 / x.size)


@pytest.mark.parametrize(
    "n, expected",
    [
        (2, [-0.5, 0.5]),
        (3, [-2 / 3, 0.0, 2 / 3]),
        (4, [-0.75, -0.25, 0.25, 0.75]),
        (5, [-0.8, -0.4, 0.0, 0.4, 0.8]),
    ],
)
def test_zeeman_shifts(n, expected):
    """Footnote 37: ``Delta_i = dw_e (2i - N - 1) / N``, i = 1..N: values, spacing
    ``2 dw_e / N``, zero sum, antisymmetric under i -> N + 1 - i, in rad/s as given."""
    dw = TWO_PI * 54e6
    shifts = dnpmbl.zeeman_shifts(n, dw)
    np.testing.assert_allclose(shifts, dw * np.array(expected), rtol=1e-15, atol=1e-6)
    np.testing.assert_allclose(np.diff(shifts), 2 * dw / n, rtol=1e-14)
    assert abs(shifts.sum()) < 1e-6
    np.testing.assert_allclose(shifts, -shifts[::-1], rtol=0, atol=1e-6)


def test_zeeman_shifts_large_n():
    """For N = 12 the shifts fill [-dw_e, dw_e] with the outermost at ``dw_e (1 - 1/N)``."""
    shifts = dnpmbl.zeeman_shifts(12, 1.0)
    assert shifts[0] == pytest.approx(-11 / 12, rel=1e-15)
    assert shifts[-1] == pytest.approx(11 / 12, rel=1e-15)


def _good(n=3):
    params = dnpmbl.Parameters.from_units(n)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    return params, u_ij, d_i


def test_diagonalize_and_couplings_reject():
    """``diagonalize`` and ``check_couplings`` validate shapes and symmetry as well;
    ``standard_couplings`` rejects negative or non-integer keys, naming them."""
    params, u, d = _good()
    with pytest.raises(ValueError, match="u_ij"):
        dnpmbl.diagonalize(params, u[:2, :2], d)
    with pytest.raises(ValueError, match="d_i"):
        dnpmbl.diagonalize(params, u, np.zeros(4))
    asym = u.copy()
    asym[1, 2] *= 1.5
    with pytest.raises(ValueError, match="symmetric"):
        check_couplings(3, asym, d)
    for args, name in (((-1, 3, 0), "base_seed"), ((0, 3, -2), "realization"), ((0, 2.5, 0), "n_spins")):
        with pytest.raises(ValueError, match=name):
            dnpmbl.standard_couplings(*args)
    with pytest.raises(ValueError, match="offset"):
        params.microwave_frequency(float("nan"))
