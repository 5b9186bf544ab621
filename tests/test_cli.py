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


# --- reliability: outputs, problem files, standard output --------------------------------


def _problem(tmp_path, **changes):
    """A problem file of N = 4 (solved in well under a second), with keys changed."""
    data = json.loads(run("example", "--n-spins", "4").stdout)
    data.update(changes)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    return path


def _one_line_error(res, *words):
    lines = res.stderr.strip().splitlines()
    assert res.returncode != 0 and len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    assert "Traceback" not in res.stderr and all(w in lines[0] for w in words), (words, lines[0])


def test_outputs_are_written_to_regular_files_or_new_paths_only(tmp_path):
    """A FIFO, a device, a directory, a link to a FIFO or a read-only file given as -o or
    --states is refused by name and stays what it was (renaming onto /dev/full used to
    turn the device node into a regular file; a FIFO's reader waited forever)."""
    import os
    import stat

    problem = _problem(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    protected = tmp_path / "protected.json"
    protected.write_text("keep")
    protected.chmod(0o444)
    for option, path, kind in (
        ("-o", fifo, "a FIFO"),
        ("--states", tmp_path / "link", "a FIFO"),
        ("--states", "/dev/null", "a character device"),
        ("-o", folder, "a directory"),
        ("-o", protected, "a read-only file"),
    ):
        before = os.stat(path).st_mode
        _one_line_error(run("solve", str(problem), option, str(path)), str(path), kind)
        assert os.stat(path).st_mode == before
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and protected.read_text() == "keep"
    # A link to a regular file: the file is replaced, the link stays a link; a replaced
    # file keeps its permissions.
    target = tmp_path / "target.json"
    target.write_text("old")
    target.chmod(0o600)
    (tmp_path / "to_target").symlink_to(target)
    assert run("solve", str(problem), "-o", str(tmp_path / "to_target")).returncode == 0
    assert (tmp_path / "to_target").is_symlink() and json.loads(target.read_text())["p_n"]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600


def test_outputs_are_checked_before_anything_is_computed(tmp_path):
    """The problem has asymmetric couplings: an output error reported instead of the
    couplings' shows that the outputs were checked first."""
    bad = json.loads(run("example", "--n-spins", "4").stdout)
    bad["u_ij"][0][1] = 5.0
    problem = tmp_path / "bad.json"
    problem.write_text(json.dumps(bad))
    (tmp_path / "file").write_text("")
    cases = [
        (["-o", str(tmp_path / "same"), "--states", str(tmp_path / "same")], "the same file"),
        (["-o", str(problem)], "is the problem file"),
        (["--states", str(tmp_path / "file" / "s.csv")], "Not a directory"),
        (["-o", str(tmp_path / ("x" * 300))], "too long"),
        (["-o", ""], "empty path"),
        (["-o", "-", "--states", "-"], "both name standard output"),
    ]
    for args, words in cases:
        _one_line_error(run("solve", str(problem), *args), words)
    import os

    os.link(problem, tmp_path / "hard.json")
    _one_line_error(run("solve", str(problem), "-o", str(tmp_path / "hard.json")), "is the problem file")
    # Standard output closed and no -o: refused before solving too.
    res = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m dnpmbl solve {problem} >&-"], capture_output=True, text=True
    )
    _one_line_error(res, "standard output is closed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "file", "hard.json"]


@pytest.mark.parametrize(
    "content, words",
    [
        (None, "is a directory"),
        (bytes(range(256)) * 4, "not UTF-8"),
        ('{"params": "caf\xe9"}'.encode("latin-1"), "not UTF-8"),
        (("[" * 100000 + "]" * 100000).encode(), "nested too deeply"),
        (('{"params": ' + "9" * 5000 + "}").encode(), "not valid JSON"),
    ],
    ids=["directory", "binary", "latin-1", "deep", "huge-integer"],
)
def test_unreadable_problem_files_fail_with_one_line(tmp_path, content, words):
    path = tmp_path / "problem"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    _one_line_error(run("solve", str(path)), str(path), words)


def test_a_device_is_no_problem_file_and_stdin_is_one():
    _one_line_error(run("solve", "/dev/zero"), "is a character device")
    example = run("example", "--n-spins", "4").stdout
    res = run("solve", "-", input=example)
    assert res.returncode == 0 and json.loads(res.stdout)["p_n"], res.stderr


def test_closed_pipe_or_full_device_on_stdout_is_one_line(tmp_path):
    """`... | head` closing the pipe, or stdout on a full device, ends in one line."""
    import os

    problem = _problem(tmp_path)
    for args in (["solve", str(problem)], ["example", "--n-spins", "4"]):
        proc = subprocess.Popen([sys.executable, "-m", "dnpmbl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.close()  # the reader is gone before anything is written
        proc.wait()
        res = subprocess.CompletedProcess(args, proc.returncode, "", proc.stderr.read())
        _one_line_error(res, "the reader closed the pipe")
        if os.path.exists("/dev/full"):
            with open("/dev/full", "w") as full:
                res = subprocess.run([sys.executable, "-m", "dnpmbl", *args], stdout=full, stderr=subprocess.PIPE, text=True)
            _one_line_error(res, "No space left on device")


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("omega_mw", True, "key omega_mw: expected a number, got true/false"),
        ("omega_mw", "1e11", "key omega_mw: expected a number, got a string"),
        ("omega_mw", [[1e11]], "key omega_mw[0]"),
        ("d_i", [True, 1.0, 1.0, 1.0], "key d_i[0]"),
        ("u_ij", [[0.0, 1.0], [1.0]], "key u_ij"),
        ("params", {"t1e": True}, "key params.t1e"),
    ],
)
def test_booleans_texts_and_ragged_lists_are_not_numbers(tmp_path, key, value, words):
    """`"omega_mw": true` used to be solved at 1 rad/s."""
    data = json.loads(run("example", "--n-spins", "4").stdout)
    data[key] = {**data["params"], **value} if key == "params" else value
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    _one_line_error(run("solve", str(path)), words)


def test_example_refuses_what_solve_could_not_take():
    _one_line_error(run("example", "--n-spins", "100000"), "--n-spins 100000: from 2 to 14")
    _one_line_error(run("example", "--offset", "-1e6"), "not a positive frequency")
    assert run("example", "--offset", "-1e-1").returncode == 0  # a negative number, not an option


def test_the_bath_z_channel_goes_through_the_problem_file(tmp_path):
    """``example --no-bath-z-channel`` writes ``bath_z_channel: false`` and ``solve`` solves
    that model (the library's P_n); a problem file without the key is the paper model, and
    a value that is not true or false is refused by name."""
    ex = run("example", "--n-spins", "4", "--no-bath-z-channel")
    assert ex.returncode == 0, ex.stderr
    data = json.loads(ex.stdout)
    assert data["params"]["bath_z_channel"] is False
    off = dnpmbl.Parameters.from_dict(data["params"])
    expected = dnpmbl.solve_realization(off, data["u_ij"], data["d_i"], data["omega_mw"]).p_n
    path = tmp_path / "off.json"
    path.write_text(json.dumps(data))
    res = run("solve", str(path))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["p_n"] == pytest.approx(expected.tolist(), rel=1e-12, abs=0.0)
    del data["params"]["bath_z_channel"]
    path.write_text(json.dumps(data))
    on = json.loads(run("solve", str(path)).stdout)["p_n"]
    paper = dnpmbl.solve_realization(off.with_(bath_z_channel=True), data["u_ij"], data["d_i"], data["omega_mw"])
    assert on == pytest.approx(paper.p_n.tolist(), rel=1e-12, abs=0.0)
    assert on != pytest.approx(expected.tolist(), rel=1e-6)
    data["params"]["bath_z_channel"] = 0
    path.write_text(json.dumps(data))
    _one_line_error(run("solve", str(path)), "key params.bath_z_channel: expected true or false")
