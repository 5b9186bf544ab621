"""The Snakemake workflow: dry runs of every config, and the smoke config end to end with
its tables checked for content."""

import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

import dnpmbl
from dnpmbl.pipeline.config import validate_config
from dnpmbl.pipeline.readers import params_from_row

from conftest import ROOT, exclusive, lock_of, run_snakemake, shared_run

SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = sorted((ROOT / "config").glob("*.yaml"))


def snakemake(workdir, *args, check=True, env=None):
    return run_snakemake(workdir, *args, check=check, env=env)


@pytest.mark.parametrize("config", CONFIGS, ids=[c.name for c in CONFIGS])
def test_dry_run_every_config(tmp_path, config):
    """Every shipped config plans: one ``all`` job, and one table and one drawing per figure
    it lists."""
    proc = snakemake(tmp_path, "-n", "--cores", "2", "--configfile", str(config))
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", proc.stdout, flags=re.M))
    figures = validate_config(yaml.safe_load(config.read_text()) or {}, SCHEMA)["figures"]
    assert counts.get("all") == "1", proc.stdout[-2000:]
    assert counts.get("table_figure") == counts.get("plot_figure") == str(len(figures)), proc.stdout[-2000:]
    assert int(counts["total"]) > 1 + 2 * len(figures)


def table(workdir, fig):
    return pd.read_csv(workdir / "results" / "figures" / f"{fig}.csv")


def test_smoke_produces_every_figure(smoke):
    for fig in ("fig2", "fig3", "fig4", "fig5"):
        for ext in ("pdf", "png", "csv"):
            path = smoke / "results" / "figures" / f"{fig}.{ext}"
            assert path.stat().st_size > 1000, path
    # No bulky ED products are left (a realization's one job writes none).
    assert not list((smoke / "results").glob("operators/**/*.npz"))


def test_smoke_fig2_table(smoke):
    t = table(smoke, "fig2")
    assert sorted(t["u_mhz"].unique()) == [2.0, 15.0]
    for _, rows in t.groupby("u_mhz"):
        np.testing.assert_allclose(np.sort(rows["offset"]), np.linspace(-1.5, 1.5, 7), atol=1e-9)
    for col in ("p_n_mean", "p_n_fm", "p_n_pe2_continuum"):
        assert np.all(np.isfinite(t[col])) and np.all(np.abs(t[col]) <= 1), col
    # Finite-N U^2 PE may have no solution where w_MW sits on a spin's line (N = 6, offset
    # +-1/2): recorded as NaN, never as a number outside [-1, 1].
    finite = t["p_n_pe2_finite"].dropna()
    assert len(finite) >= len(t) - 4 and np.all(np.abs(finite) <= 1)
    # Below w_e the nucleus polarizes positively, above negatively (FM, all U).
    assert np.all(t.loc[t["offset"] < -0.2, "p_n_fm"] > 0)
    assert np.all(t.loc[t["offset"] > 0.2, "p_n_fm"] < 0)
    assert t["n_realizations"].eq(3).all()
    for key in ("config_sha256", "git_commit", "dnpmbl_version"):
        assert t[key].nunique() == 1


def test_smoke_fig3_table(smoke):
    t = table(smoke, "fig3")
    left, right = t[t["panel"] == "U"], t[t["panel"] == "B"]
    assert sorted(left["u_mhz"]) == [2.0, 15.0, 30.0] and left["b_tesla"].eq(3.35).all()
    assert left["convention"].eq("scaled").all()
    np.testing.assert_allclose(left["offset"], -0.5)
    # fig3.b_scan_offset: both -- each field under each convention, the same realizations.
    scaled, fixed = right[right["convention"] == "scaled"], right[right["convention"] == "fixed"]
    assert len(right) == 6 and right["u_mhz"].eq(15.0).all()
    assert list(scaled["b_tesla"]) == list(fixed["b_tesla"]) == [2.5, 3.35, 5.0]
    np.testing.assert_allclose(scaled["offset"], -0.5)
    np.testing.assert_allclose(fixed["detuning_mhz"], -27.0)  # w_MW - w_e fixed in MHz
    np.testing.assert_allclose(fixed["offset"], [-0.67, -0.5, -0.335])
    assert fixed["n_realizations"].eq(3).all() and scaled["n_realizations"].eq(3).all()
    for col in ("p_n_mean", "p_n_mean_se", "p_n_fm", "p_n_fm_se", "p_n_pe"):
        assert np.all(np.isfinite(t[col])), col
    assert np.all(np.abs(t[["p_n_mean", "p_n_fm", "p_n_pe"]].to_numpy()) <= 1)
    # The shared point (3.35 T, 15 MHz) is the same numbers in both panels and conventions:
    # computed once.
    a = left[left["u_mhz"] == 15.0].iloc[0]
    for b in (scaled, fixed):
        b = b[b["b_tesla"] == 3.35].iloc[0]
        assert a["p_n_mean"] == b["p_n_mean"] and a["p_n_fm"] == b["p_n_fm"] and a["p_n_pe"] == b["p_n_pe"]
    assert len(list((smoke / "results" / "realizations" / "paper" / "N6").glob("B3.35/U15"))) == 1
    # Each realization file of a B-scan field holds both frequencies (one at b_ref).
    base = smoke / "results" / "realizations" / "paper" / "N6"
    for b, offsets in (("2.5", [-0.67, -0.5]), ("5", [-0.5, -0.335])):
        assert sorted(pq.read_table(base / f"B{b}" / "U15" / "r0000.parquet").column("offset").to_pylist()) == offsets


def test_smoke_fig3_draws_both_conventions(smoke):
    """The B panel of Fig. 3 names both conventions in its legend, the U panel none."""
    import matplotlib.pyplot as plt

    from dnpmbl.pipeline.readers import read_figure_table
    from dnpmbl.pipeline.plotting import draw

    figure = draw("fig3", read_figure_table(smoke / "results" / "tables" / "fig3.parquet", "fig3").to_pandas())
    u_panel, b_panel = figure.axes[:2]
    assert u_panel.get_legend() is None
    labels = [text.get_text() for text in b_panel.get_legend().get_texts()]
    assert labels == [r"$\omega_{MW}-\omega_e$ scaled with $\delta\omega_e$", r"$\omega_{MW}-\omega_e$ fixed in MHz"]
    plt.close(figure)


def test_smoke_fig4_table(smoke):
    t = table(smoke, "fig4")
    a, b = t[t["panel"] == "a"], t[t["panel"] == "b"]
    assert sorted(a["u_mhz"].unique()) == [2.0, 45.0]
    assert a.groupby("u_mhz").size().eq(70).all()  # C(8, 4) eigenstates of the N = 8 example
    assert np.all(np.abs(a["sz_spin"]) <= 0.5 + 1e-12)
    assert sorted(zip(b["n_spins"], b["u_mhz"])) == [(n, u) for n in (4, 6, 8) for u in (2.0, 45.0)]
    assert np.all(b["delta_m"] > 0) and np.all(b["delta_m"] < 1)


def test_smoke_fig5_table(smoke):
    t = table(smoke, "fig5")
    assert sorted(t["u_mhz"]) == [2.0, 15.0, 30.0]
    assert np.all(t["kl_mean"] >= 0) and np.all(np.isfinite(t["kl_mean_se"]))
    assert np.all(t["p_n_std"] >= 0)


def test_one_realization_recomputed_alone(smoke):
    """A per-realization file records parameters and couplings: recomputing from them alone
    gives the same numbers. Bit equality holds only at the same BLAS thread count (the
    rule ran with 1 thread, this process may use more, and BLAS sums in another order),
    so populations are compared to 1e-12 relative."""
    path = smoke / "results" / "realizations" / "paper" / "N6" / "B5" / "U15" / "r0001.parquet"
    rows = pq.read_table(path).to_pylist()
    row = rows[0]
    params = params_from_row(row)
    u_ij = np.array(row["u_ij_rad_s"]).reshape(params.n_spins, params.n_spins)
    d_i = np.array(row["d_i_rad_s"])
    result = dnpmbl.solve_realization(params, u_ij, d_i, [r["omega_mw_rad_s"] for r in rows])
    np.testing.assert_allclose(result.p_n, [r["p_n"] for r in rows], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.populations[0], row["populations"], rtol=1e-12, atol=0)
    # ... and the couplings are those of the seed scheme.
    u_ref, d_ref = dnpmbl.realization_couplings(params, row["seed"], row["realization"])
    np.testing.assert_array_equal(u_ij, u_ref)
    np.testing.assert_array_equal(d_i, d_ref)


def test_report_builds(smoke):
    with exclusive(lock_of(smoke)):  # Snakemake in the shared run's folder: one at a time
        snakemake(smoke, "--configfile", str(ROOT / "config" / "smoke.yaml"), "--report", "results/report.html")
    html = (smoke / "results" / "report.html").read_text(errors="ignore")
    assert "fig3" in html
    # Captions render without docutils errors (|delta M| used to read as a substitution).
    assert "System Message" not in html and "Undefined substitution" not in html
    assert "fig4.png" in html and "fig5.csv" in html


def test_rerun_does_nothing(smoke):
    with exclusive(lock_of(smoke)):
        proc = snakemake(smoke, "-n", "--cores", "2", "--configfile", str(ROOT / "config" / "smoke.yaml"))
    assert "Nothing to be done" in proc.stdout + proc.stderr


def _realization_targets(n=6, b="5", u="15", count=3):
    return [f"results/realizations/paper/N{n}/B{b}/U{u}/r{r:04d}.parquet" for r in range(count)]


def test_workflow_realizations_are_the_library_solve_bit_for_bit(smoke):
    """The rule realization takes the path of ``python -m dnpmbl solve``
    (:func:`dnpmbl.solve_realization`): each smoke realization file holds, bit for bit, what
    it gives from the parameters, couplings, shifts, frequencies and solver the file
    records; the stages are logged and timed."""
    for target in _realization_targets():
        rows = pq.read_table(smoke / target).to_pylist()
        solver = json.loads(pq.read_schema(smoke / target).metadata[b"dnpmbl"])["stationary_solver"]
        params = params_from_row(rows[0])
        n = params.n_spins
        result = dnpmbl.solve_realization(
            params, np.reshape(rows[0]["u_ij_rad_s"], (n, n)), rows[0]["d_i_rad_s"], [r["omega_mw_rad_s"] for r in rows],
            shifts=rows[0]["zeeman_shifts_rad_s"], backend=dnpmbl.backend.get_backend("cpu", stationary=solver),
        )  # fmt: skip
        for column, values in (
            ("p_n", result.p_n), ("mean_energy_rad_s", result.mean_energy),
            ("mean_reduced_energy_rad_s", result.mean_reduced_energy),
            ("mean_magnetization", result.mean_magnetization), ("relative_residual", result.residual),
        ):  # fmt: skip
            assert [r[column] for r in rows] == values.tolist(), (target, column)
        assert [r["populations"] for r in rows] == result.populations.tolist(), target
        log = (smoke / target.replace("results/realizations", "logs/realization").replace(".parquet", ".log")).read_text()
        for stage in ("sector diagonalization", "transition strengths", f"{len(rows)} stationary states", "write tables"):
            assert f"{stage}: " in log, (target, stage)


def test_lu_solver_in_the_workflow_agrees_with_gth(smoke, tmp_path):
    """The production solver (lu, what auto picks) gives P_n within 1e-10 of the reference
    (stationary_solver: gth), and each file records which solver made it."""
    targets = _realization_targets(count=2)
    snakemake(
        tmp_path, *targets, "--cores", "2", "--configfile", str(ROOT / "config" / "smoke.yaml"),
        "--config", "stationary_solver=gth",
    )  # fmt: skip
    for target in targets:
        gth, lu = pq.read_table(tmp_path / target), pq.read_table(smoke / target)
        np.testing.assert_allclose(lu.column("p_n").to_numpy(), gth.column("p_n").to_numpy(), rtol=0, atol=1e-10)
        assert b'"stationary_solver": "gth"' in pq.read_schema(tmp_path / target).metadata[b"dnpmbl"]
        assert b'"stationary_solver": "lu"' in pq.read_schema(smoke / target).metadata[b"dnpmbl"]


def test_gpu_backend_plans_gpu_jobs(tmp_path):
    """backend: gpu plans one combined job per realization and asks each heavy job for a
    GPU (a dry run needs no GPU); --resources gpu=K caps the GPU jobs at once."""
    proc = snakemake(
        tmp_path, "-n", "--cores", "16", "--resources", "gpu=2", "--configfile", str(ROOT / "config" / "smoke.yaml"),
        "--config", "backend=gpu", "--printshellcmds",
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert "rule realization:" in out
    assert "gpu=1" in out
    proc = snakemake(tmp_path, "-n", "--cores", "2", "--configfile", str(ROOT / "config" / "smoke.yaml"))
    out = proc.stdout + proc.stderr
    assert "rule realization:" in out and "gpu=1" not in out


def test_gpu_backend_jobs_on_a_stand_in_for_cupy(smoke, tmp_path):
    """backend: gpu runs its combined realization jobs and Fig. 4 jobs end to end (here on
    tests/fake_cupy, numpy behind CuPy's interface; tests/test_gpu.py checks real GPUs) and
    gives the CPU jobs' P_n to 1e-10."""
    targets = _realization_targets(count=2) + ["results/eigenstates/N8/U2/r0000.parquet"]
    snakemake(
        tmp_path, *targets, "--cores", "2", "--resources", "gpu=1", "--configfile", str(ROOT / "config" / "smoke.yaml"),
        "--config", "backend=gpu", env={"PYTHONPATH": str(ROOT / "tests" / "fake_cupy")},
    )  # fmt: skip
    log = next(tmp_path.glob("logs/realization/paper/N6/B5/U15/r0000.log")).read_text()
    assert "backend gpu, solver lu" in log
    for target in targets[:2]:
        gpu, cpu = pq.read_table(tmp_path / target), pq.read_table(smoke / target)
        np.testing.assert_allclose(gpu.column("p_n").to_numpy(), cpu.column("p_n").to_numpy(), rtol=0, atol=1e-10)
        assert b'"backend": "gpu"' in pq.read_schema(tmp_path / target).metadata[b"dnpmbl"]
    eth = pq.read_table(tmp_path / targets[2]).column("energy_rad_s").to_numpy()
    ref = pq.read_table(smoke / targets[2]).column("energy_rad_s").to_numpy()
    np.testing.assert_allclose(eth, ref, rtol=0, atol=1e-9 * np.abs(ref).max())


def test_figure_pngs_are_at_least_300_dpi(smoke):
    """The PNGs are drawn at 300 dpi (widths 3.4 and 6.8 inches: >= 1020 and 2040 pixels)."""
    import struct

    for fig, inches in (("fig2", 3.4), ("fig3", 6.8), ("fig4", 6.8), ("fig5", 6.8)):
        with open(smoke / "results" / "figures" / f"{fig}.png", "rb") as fh:
            header = fh.read(24)
        width = struct.unpack(">I", header[16:20])[0]
        assert width >= 300 * inches - 2, (fig, width)


# --- Figures S1-S5 (config/beyond_smoke.yaml) -------------------------------------------------


@pytest.fixture(scope="session")
def beyond(tmp_path_factory):
    return shared_run(tmp_path_factory, "beyond", ROOT / "config" / "beyond_smoke.yaml")


def test_beyond_smoke_makes_s1_to_s5_and_nothing_of_the_paper(beyond):
    for fig in ("s1", "s2", "s3", "s4", "s5"):
        for ext in ("pdf", "png", "csv"):
            assert (beyond / "results" / "figures" / f"{fig}.{ext}").stat().st_size > 1000, (fig, ext)
    assert not list((beyond / "results" / "figures").glob("fig*"))
    assert not (beyond / "results" / "eigenstates").exists()


def test_beyond_variants_sit_side_by_side_and_record_their_model(beyond):
    """Each model's realizations live under its name and record it: the w_n variant differs
    from the paper model in w_n only, the random-Zeeman one in its shifts only (couplings
    are common random numbers across models)."""
    base = beyond / "results" / "realizations"
    assert sorted(p.name for p in base.iterdir()) == ["paper", "wn13.5", "zrandom"]
    rel = "N6/B3.35/U8/r0001.parquet"
    paper, wn, zr = (pq.read_table(base / m / rel).to_pylist()[0] for m in ("paper", "wn13.5", "zrandom"))
    assert (paper["model"], wn["model"], zr["model"]) == ("paper", "wn13.5", "zrandom")
    assert wn["omega_n_rad_s"] == pytest.approx(2e6 * np.pi * 13.5) and paper["omega_n_rad_s"] == pytest.approx(2e6 * np.pi * 20)
    assert paper["u_ij_rad_s"] == wn["u_ij_rad_s"] == zr["u_ij_rad_s"]
    assert paper["zeeman_shifts"] == wn["zeeman_shifts"] == "equal" and zr["zeeman_shifts"] == "random"
    assert paper["zeeman_shifts_rad_s"] == wn["zeeman_shifts_rad_s"] != zr["zeeman_shifts_rad_s"]
    np.testing.assert_allclose(paper["zeeman_shifts_rad_s"], dnpmbl.zeeman_shifts(6, paper["delta_omega_e_rad_s"]))
    # The random shifts of a realization are the same at every U.
    other_u = pq.read_table(base / "zrandom" / "N6/B3.35/U15/r0001.parquet").to_pylist()[0]
    assert other_u["zeeman_shifts_rad_s"] == zr["zeeman_shifts_rad_s"]


def test_beyond_tables(beyond):
    s1 = table(beyond, "s1")
    assert sorted(s1["n_spins"].unique()) == [4, 6] and sorted(s1["u_mhz"].unique()) == [2, 8, 15, 30]
    assert np.allclose(s1["ratio"], s1["p_n_mean"] / s1["p_n_fm"])
    assert (s1[["ratio_se", "p_n_std_se", "kl_mean_se"]] > 0).all().all() and (s1["kl_mean"] >= 0).all()
    s2 = table(beyond, "s2")
    assert sorted(s2["marker"].unique()) == ["kl", "level_statistics", "p_n_std", "ratio"]
    assert sorted(s2.loc[s2["marker"] == "level_statistics", "n_spins"]) == [4, 6, 8]
    assert ((s2["censored"] >= 0) & (s2["censored"] <= 1)).all()
    crossed = s2.dropna(subset=["u_c"])
    assert ((crossed["u_c"] >= 2) & (crossed["u_c"] <= 30)).all()
    s3 = table(beyond, "s3")
    assert set(s3["variant"]) == {"paper model, offset -0.5", "offset -0.3", "w_n = 13.5 MHz", "random Zeeman shifts"}
    assert (s3.groupby("variant")["u_c_ratio"].nunique(dropna=False) == 1).all()
    s4 = table(beyond, "s4")
    scaled, fixed = s4[s4["convention"] == "scaled"], s4[s4["convention"] == "fixed"]
    assert np.allclose(scaled["offset"], -0.5) and np.allclose(fixed["detuning_mhz"], -27.0)
    # at the reference field the two conventions are one point, computed once
    at_ref = s4[s4["b_tesla"] == 3.35]
    assert len(at_ref) == 2 and at_ref["p_n_mean"].nunique() == 1 and at_ref["p_n_pe"].nunique() == 1
    assert np.all(np.isfinite(s4["p_n_pe"]))
    s5 = table(beyond, "s5")
    assert list(s5.groupby("variant", sort=False).size().items()) == [("paper model", 5), ("random Zeeman shifts", 5)]
    assert np.allclose(s5["detuning_mhz"], np.tile(np.linspace(-27.0, 27.0, 5), 2))
    assert (s5["u_mhz"] == 2.0).all() and (s5["n_realizations"] == 3).all() and (s5["p_n_mean_se"] > 0).all()
    assert list(s5.groupby("variant", sort=False)["zeeman_shifts"].unique().map(list)) == [["equal"], ["random"]]
    # The paper model's realizations at (N = 6, U = 2 MHz) are S1's, widened to S5's offsets.
    rows = pq.read_table(beyond / "results" / "realizations" / "paper" / "N6" / "B3.35" / "U2" / "r0000.parquet")
    assert {-0.5, -0.25, 0.0, 0.25, 0.5} <= set(rows.column("offset").to_pylist())


def test_defaults_come_from_the_checkout_wherever_the_run_starts(tmp_path):
    """The Snakefile's config/config.yaml was read from the working directory: run from
    elsewhere (-s .../Snakefile --directory ...), a partial count mapping lost the
    checkout's defaults (N = 10 planned 10 eigenstate jobs instead of 200). The plan and
    the config's digest are now the same from the checkout and from anywhere."""
    import subprocess
    import sys

    override = tmp_path / "override.yaml"
    override.write_text('figures: [fig4]\nfig4: {n_spins: [4, 10], u_mhz: [2], realizations: {"4": 1}, example_n_spins: 4}\n')

    def plan(cwd, directory):
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(directory),
             "-n", "--cores", "1", "--configfile", str(override)],
            cwd=cwd, capture_output=True, text=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        counts = dict(line.split()[:2] for line in proc.stdout.splitlines() if line.split()[:1] in (["eigenstates"], ["total"]))
        return counts

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_checkout = plan(ROOT, tmp_path / "a")
    assert from_checkout == plan(elsewhere, tmp_path / "b") == plan(elsewhere, elsewhere)
    assert from_checkout["eigenstates"] == "201"  # 1 at N = 4, 200 at N = 10 (config/config.yaml)
