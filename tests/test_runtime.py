"""Process settings of dnpmbl.runtime: the OpenBLAS spin timeout and glibc's retention of
freed memory (speed only: they must not change any number)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


from dnpmbl import runtime

ROOT = Path(__file__).resolve().parents[1]


def test_quiet_blas_pools_keeps_a_users_value(monkeypatch):
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT", raising=False)
    runtime.quiet_blas_pools()
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"] == "4"
    monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", "20")
    runtime.quiet_blas_pools()
    assert os.environ["OPENBLAS_THREAD_TIMEOUT"] == "20"


def _child(code: str, env_extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_import_sets_the_timeout_before_numpy_loads():
    """``import dnpmbl`` sets the timeout and loads no numpy (its names load on first use),
    so whatever loads numpy afterwards reads the setting."""
    code = (
        "import json, os, sys; import dnpmbl; "
        "state = {'timeout': os.environ.get('OPENBLAS_THREAD_TIMEOUT'), 'numpy': 'numpy' in sys.modules}; "
        "dnpmbl.diagonalize; state['numpy_after_use'] = 'numpy' in sys.modules; print(json.dumps(state))"
    )
    assert _child(code) == {"timeout": "4", "numpy": False, "numpy_after_use": True}


def test_retain_freed_memory_applies_on_glibc_and_changes_no_number():
    """In a fresh process: applied once (True), then a no-op; a realization solved before
    and after is bit-identical."""
    code = """
import json, sys
import numpy as np
import dnpmbl
from dnpmbl import runtime
p = dnpmbl.Parameters.from_units(4, u_mhz=15.0)
u, d = dnpmbl.realization_couplings(p, 1, 0)
w = [p.microwave_frequency(o) for o in (-0.5, 0.25)]
before = dnpmbl.solve_realization(p, u, d, w).populations
first = runtime.retain_freed_memory()
second = runtime.retain_freed_memory()
after = dnpmbl.solve_realization(p, u, d, w).populations
print(json.dumps({"first": first, "second": second, "retained": runtime.memory_retained(),
                  "same": bool(np.array_equal(before, after)),
                  "glibc": sys.platform.startswith("linux")}))
"""
    res = _child(code, {"OPENBLAS_NUM_THREADS": "1"})
    assert res["same"]
    if res["glibc"]:
        assert res["first"] is True and res["second"] is True and res["retained"] is True


def test_retain_is_off_until_asked():
    code = "import json; from dnpmbl import runtime; print(json.dumps(runtime.memory_retained()))"
    assert _child(code) is False
