"""Parameters (``dnpmbl.params``): validation, Table I's units and the field-scan rule."""

from __future__ import annotations

import math

import pytest
import scipy.constants

import dnpmbl
from dnpmbl.params import HBAR_OVER_KB, TWO_PI


def _good(n=3):
    params = dnpmbl.Parameters.from_units(n)
    u_ij, d_i = dnpmbl.realization_couplings(params, 0, 0)
    return params, u_ij, d_i


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_spins=1), "n_spins"),
        (dict(n_spins=3.0), "n_spins"),
        (dict(t1e=0.0), "t1e"),
        (dict(t2e=-1e-6), "t2e"),
        (dict(beta=0.0), "beta"),
        (dict(beta=-1.0), "beta"),
        (dict(u=-1.0), "u"),
        (dict(d=-1.0), "d"),
        (dict(omega_1=-1.0), "omega_1"),
        (dict(omega_e=0.0), "omega_e"),
        (dict(beta=float("nan")), "beta"),
        (dict(u=float("inf")), "u"),
        (dict(omega_n=float("nan")), "omega_n"),
    ],
)
def test_parameters_reject(kwargs, name):
    """Invalid parameters raise ValueError naming the parameter."""
    params, _, _ = _good()
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        params.with_(**kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(n_spins=1), "n_spins"),
        (dict(t1e_s=0.0), "t1e_s"),
        (dict(t2e_s=-1.0), "t2e_s"),
        (dict(beta_per_kelvin=0.0), "beta_per_kelvin"),
        (dict(b_tesla=0.0), "b_tesla"),
        (dict(b_tesla=float("nan")), "b_tesla"),
        (dict(u_mhz=-2.0), "u"),
        (dict(d_mhz=-0.1), "d"),
    ],
)
def test_from_units_rejects(kwargs, name):
    """``Parameters.from_units`` rejects bad input with a ValueError naming it."""
    kwargs = dict(kwargs)
    n = kwargs.pop("n_spins", 3)
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        dnpmbl.Parameters.from_units(n, **kwargs)


def test_units_table_one():
    """``from_units`` defaults reproduce Table I (corrected): w = 2 pi f, beta in seconds,
    ``beta hbar w_e = 3.74`` and electron polarization ``tanh(3.74/2) = 0.954``."""
    p = dnpmbl.Parameters.from_units(12)
    assert p.omega_e == pytest.approx(TWO_PI * 93.9e9, rel=1e-15)
    assert p.delta_omega_e == pytest.approx(TWO_PI * 54e6, rel=1e-15)
    assert p.omega_n == pytest.approx(TWO_PI * 20e6, rel=1e-15)
    assert p.omega_1 == pytest.approx(TWO_PI * 25e3, rel=1e-15)
    assert p.u == pytest.approx(TWO_PI * 15e6, rel=1e-15)
    assert p.d == pytest.approx(TWO_PI * 1e6, rel=1e-15)
    assert (p.t1e, p.t2e) == (1.0, 1e-6)
    assert HBAR_OVER_KB == pytest.approx(scipy.constants.hbar / scipy.constants.k, rel=1e-12)
    assert p.beta == pytest.approx(0.83 * 7.6382e-12, rel=1e-5)
    assert p.beta * p.omega_e == pytest.approx(3.74, abs=0.005)
    assert math.tanh(p.beta * p.omega_e / 2) == pytest.approx(0.954, abs=0.0005)
    assert p.microwave_frequency(-0.5) == pytest.approx(p.omega_e - p.delta_omega_e / 2, rel=1e-15)


@pytest.mark.parametrize("b", [1.0, 3.35, 6.7, 9.0])
def test_field_scan_rule(b):
    """At field B, w_e, dw_e, w_n and the microwave offset ``w_MW - w_e`` scale as
    B / 3.35 T; U, D, w_1, T1e, T2e and beta do not change."""
    ref = dnpmbl.Parameters.from_units(8, u_mhz=15.0, d_mhz=0.7)
    p = dnpmbl.Parameters.from_units(8, u_mhz=15.0, d_mhz=0.7, b_tesla=b)
    s = b / 3.35
    for name in ("omega_e", "delta_omega_e", "omega_n"):
        assert getattr(p, name) == pytest.approx(s * getattr(ref, name), rel=1e-14), name
    for name in ("u", "d", "omega_1", "t1e", "t2e", "beta", "n_spins"):
        assert getattr(p, name) == getattr(ref, name), name
    for offset in (-1.5, -0.5, 0.25):
        assert p.microwave_frequency(offset) - p.omega_e == pytest.approx(
            s * (ref.microwave_frequency(offset) - ref.omega_e), rel=1e-12
        )


def test_parameters_round_trip():
    """``as_dict`` / ``from_dict`` round-trip exactly; unknown or missing keys raise."""
    p = dnpmbl.Parameters.from_units(7, u_mhz=3.0, b_tesla=4.2)
    assert dnpmbl.Parameters.from_dict(p.as_dict()) == p
    with pytest.raises(ValueError, match="unknown"):
        dnpmbl.Parameters.from_dict({**p.as_dict(), "foo": 1})
    data = p.as_dict()
    del data["beta"]
    with pytest.raises(ValueError, match="missing"):
        dnpmbl.Parameters.from_dict(data)
