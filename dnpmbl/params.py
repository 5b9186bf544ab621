"""Physical parameters of the model (Table I, corrected in docs/physics.md section 2).

Inside the package every frequency is an angular frequency in rad/s and every time is in
seconds. The inverse temperature is stored as ``beta = hbar / (k_B T)`` in seconds, so that
``beta * omega`` is dimensionless. Conversions from the units a config uses (GHz, MHz, kHz,
tesla, 1/K) happen once, in :meth:`Parameters.from_units`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

TWO_PI = 2.0 * math.pi
#: hbar / k_B in kelvin seconds (CODATA 2018: 1.054571817e-34 / 1.380649e-23).
HBAR_OVER_KB = 1.054571817e-34 / 1.380649e-23

#: Reference field of Table I; the Zeeman frequencies below are given at this field.
B_REF_TESLA = 3.35

#: The physics of the paper's model (Table I, corrected: docs/physics.md section 2) in the
#: units a config states them: the defaults of :meth:`Parameters.from_units` and of the
#: config's ``physics`` (``workflow/schemas/config.schema.yaml``; the tests hold the two
#: equal). D is not given in the paper.
PHYSICS_DEFAULTS = {
    "t1e_s": 1.0,
    "t2e_s": 1.0e-6,
    "beta_per_kelvin": 0.83,
    "omega_e_ghz": 93.9,
    "delta_omega_e_mhz": 54.0,
    "omega_n_mhz": 20.0,
    "omega_1_khz": 25.0,
    "d_mhz": 1.0,
    "b_ref_tesla": B_REF_TESLA,
    "zeeman_shifts": "equal",
    "bath_z_channel": True,
}

#: Largest number of electron spins the exact solver accepts. The biggest magnetization
#: block of N = 16 with the nucleus is 2 * C(16, 8) = 25740 states: its eigenvectors alone
#: take 5.3 GB, and the transition strengths several times that. N = 14 (6864) is the
#: largest size whose stationary solve fits a 24 GiB machine.
MAX_SPINS_STATIONARY = 14


@dataclass(frozen=True)
class Parameters:
    """Parameters of Eq. (9) and of the master equation (Eqs. 11, 12, 16).

    Attributes
    ----------
    n_spins : int
        Number of electron spins N (>= 2).
    omega_e : float
        Mean electron Zeeman frequency w_e, rad/s.
    delta_omega_e : float
        Half width dw_e of the equally spaced Zeeman shifts (footnote 37), rad/s.
    omega_n : float
        Nuclear Zeeman frequency w_n, rad/s (H contains ``-w_n Iz``).
    omega_1 : float
        Microwave amplitude w_1 (Eq. 8), rad/s.
    u : float
        Dipolar scale U: ``U_ij ~ N(0, U^2 / N)``, rad/s.
    d : float
        Hyperfine scale D: ``D_i ~ N(0, D^2 / N)``, rad/s.
    t1e, t2e : float
        Electron relaxation time (bath rate, Eq. 12) and microwave line width time
        (Eq. 16), seconds.
    beta : float
        Lattice inverse temperature times hbar, seconds.
    bath_z_channel : bool
        Whether the lattice bath acts through ``Sz_j`` as well as ``Sx_j`` and ``Sy_j``
        (Eq. 12 sums alpha = x, y, z: True, the default). False keeps only the spin flips:
        no bath rates inside a magnetization sector (docs/physics.md section 3).
    """

    n_spins: int
    omega_e: float
    delta_omega_e: float
    omega_n: float
    omega_1: float
    u: float
    d: float
    t1e: float
    t2e: float
    beta: float
    bath_z_channel: bool = True

    def __post_init__(self):
        if not isinstance(self.bath_z_channel, bool):
            raise ValueError(f"bath_z_channel must be a bool, got {self.bath_z_channel!r}")
        if not isinstance(self.n_spins, int) or isinstance(self.n_spins, bool):
            raise ValueError(f"n_spins must be an integer, got {self.n_spins!r}")
        if self.n_spins < 2:
            raise ValueError(f"n_spins must be >= 2, got {self.n_spins}")
        for name in ("omega_e", "delta_omega_e", "omega_n", "omega_1", "u", "d", "t1e", "t2e", "beta"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        for name in ("omega_e", "t1e", "t2e", "beta"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        for name in ("delta_omega_e", "omega_n", "omega_1", "u", "d"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be non-negative, got {getattr(self, name)!r}")

    @classmethod
    def from_units(
        cls,
        n_spins: int,
        *,
        b_tesla: float = B_REF_TESLA,
        u_mhz: float = 15.0,
        d_mhz: float = PHYSICS_DEFAULTS["d_mhz"],
        omega_e_ghz: float = PHYSICS_DEFAULTS["omega_e_ghz"],
        delta_omega_e_mhz: float = PHYSICS_DEFAULTS["delta_omega_e_mhz"],
        omega_n_mhz: float = PHYSICS_DEFAULTS["omega_n_mhz"],
        omega_1_khz: float = PHYSICS_DEFAULTS["omega_1_khz"],
        t1e_s: float = PHYSICS_DEFAULTS["t1e_s"],
        t2e_s: float = PHYSICS_DEFAULTS["t2e_s"],
        beta_per_kelvin: float = PHYSICS_DEFAULTS["beta_per_kelvin"],
        b_ref_tesla: float = PHYSICS_DEFAULTS["b_ref_tesla"],
        bath_z_channel: bool = PHYSICS_DEFAULTS["bath_z_channel"],
    ) -> "Parameters":
        """Build parameters from frequencies f (w = 2 pi f) as a config states them, by
        default those of :data:`PHYSICS_DEFAULTS` (and U = 15 MHz).

        ``omega_e_ghz``, ``delta_omega_e_mhz`` and ``omega_n_mhz`` are given at the
        reference field ``b_ref_tesla`` and scale linearly with ``b_tesla`` (the field scan
        of Fig. 3 right); U, D, w_1, T1e, T2e and beta do not (docs/physics.md section 2).
        ``bath_z_channel`` is passed through (:class:`Parameters`).
        """
        for name, value in (("b_tesla", b_tesla), ("b_ref_tesla", b_ref_tesla)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        for name, value in (("beta_per_kelvin", beta_per_kelvin), ("t1e_s", t1e_s), ("t2e_s", t2e_s)):
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        scale = b_tesla / b_ref_tesla
        return cls(
            n_spins=n_spins,
            omega_e=TWO_PI * omega_e_ghz * 1e9 * scale,
            delta_omega_e=TWO_PI * delta_omega_e_mhz * 1e6 * scale,
            omega_n=TWO_PI * omega_n_mhz * 1e6 * scale,
            omega_1=TWO_PI * omega_1_khz * 1e3,
            u=TWO_PI * u_mhz * 1e6,
            d=TWO_PI * d_mhz * 1e6,
            t1e=float(t1e_s),
            t2e=float(t2e_s),
            beta=float(beta_per_kelvin) * HBAR_OVER_KB,
            bath_z_channel=bath_z_channel,
        )

    def microwave_frequency(self, offset: float) -> float:
        """Microwave frequency ``w_MW = w_e + offset * dw_e`` in rad/s.

        The offset is a fraction of dw_e, so it scales with B in the field scan. The paper's
        Figs. 3 and 5 do not state w_MW; docs/physics.md section 2 fixes the default offset to -1/2.
        """
        if not math.isfinite(offset):
            raise ValueError(f"microwave offset must be finite, got {offset!r}")
        return self.omega_e + offset * self.delta_omega_e

    def with_(self, **changes) -> "Parameters":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Parameters":
        """Inverse of ``as_dict``. A dict without ``bath_z_channel`` (written before the
        option existed) gives True, the model those versions computed."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
        data = {"bath_z_channel": True, **data}
        missing = names - set(data)
        if missing:
            raise ValueError(f"missing parameter(s): {', '.join(sorted(missing))}")
        return cls(**{k: (int(v) if k == "n_spins" and float(v).is_integer() else v) for k, v in data.items()})


def check_stationary_size(n_spins: int) -> None:
    """Raise ``ValueError`` if the exact stationary solve for N spins cannot fit in memory."""
    if n_spins > MAX_SPINS_STATIONARY:
        raise ValueError(
            f"n_spins = {n_spins} is too large for the exact stationary solve: the largest "
            f"magnetization block has {sector_dimension_max(n_spins)} states; the limit is "
            f"n_spins <= {MAX_SPINS_STATIONARY} (24 GiB of memory)"
        )


def sector_dimension_max(n_spins: int) -> int:
    """Largest block dimension ``2 C(N, N//2)`` of Eq. (9) with the nucleus."""
    return 2 * math.comb(n_spins, n_spins // 2)
