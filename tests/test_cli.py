"""`python -m dnpmbl`: one realization recomputed from a JSON file."""

import json
import subprocess
import sys

import numpy as np
import pytest

import dnpmbl


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "dnpmbl", *args], capture_output=True, text=True, **kw)


def test_example_then_solve_matches_library(tmp_path):
    ex = run("example", "--n-spins", "5", "--u-mhz", "20", "--seed", "3", "--realization", "2", "--offset", "-0.5", "0.4")
    assert ex.returncode == 0, ex.stderr
    problem = tmp_path / "one.json"
    problem.write_text(ex.stdout)
    out = tmp_path / "out.json"
    states = tmp_path / "states.csv"
    res = run("solve", str(problem), "-o", str(out), "--states", str(states))
    assert res.returncode == 0, res.stderr
    got = json.loads(out.read_text())
    params = dnpmbl.Parameters.from_units(5, u_mhz=20.0)
    u, d = dnpmbl.realization_couplings(params, 3, 2)
    ref = dnpmbl.solve_realization(params, u, d, [params.microwave_frequency(-0.5), params.microwave_frequency(0.4)])
    np.testing.assert_allclose(got["p_n"], ref.p_n, rtol=1e-12)
    table = np.loadtxt(states, delimiter=",", skiprows=1)
    assert table.shape == (64, 6)
    np.testing.assert_allclose(table[:, 4:].T, ref.populations, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not valid JSON"),
        ('{"params": {}}', "missing key"),
        ('{"params": {"n_spins": 1}, "u_ij": [], "d_i": [], "omega_mw": 1}', "missing parameter"),
    ],
)
def test_bad_problem_files_fail_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    res = run("solve", str(path))
    assert res.returncode != 0
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_bad_couplings_named(tmp_path):
    ex = json.loads(run("example", "--n-spins", "4").stdout)
    ex["u_ij"][0][1] = 5.0  # asymmetric
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(ex))
    res = run("solve", str(path))
    assert res.returncode != 0 and "symmetric" in res.stderr and "Traceback" not in res.stderr


def test_solve_with_the_lu_solver_and_backend_errors(tmp_path):
    """The default (auto) solver is lu and gives the GTH numbers to 1e-10, and each result
    says what computed it; --backend gpu without a GPU stops with one line that names what
    is missing."""
    problem = tmp_path / "one.json"
    problem.write_text(run("example", "--n-spins", "6", "--offset", "-0.5", "1.0").stdout)
    gth = json.loads(run("solve", str(problem), "--stationary-solver", "gth").stdout)
    lu = json.loads(run("solve", str(problem)).stdout)
    np.testing.assert_allclose(lu["p_n"], gth["p_n"], rtol=0, atol=1e-10)
    assert (gth["backend"], gth["stationary_solver"], lu["stationary_solver"]) == ("cpu", "gth", "lu")
    assert all(-1e-12 <= x <= 0 for x in lu["most_negative_clipped"])
    from dnpmbl.backend import gpu_available

    if not gpu_available():
        res = run("solve", str(problem), "--backend", "gpu")
        assert res.returncode != 0 and "backend 'gpu'" in res.stderr and "Traceback" not in res.stderr
    res = run("solve", str(problem), "--backend", "gpu", "--stationary-solver", "gth")
    assert res.returncode != 0 and "pivoted LU only" in res.stderr and "Traceback" not in res.stderr
