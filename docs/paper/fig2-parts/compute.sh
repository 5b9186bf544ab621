#!/usr/bin/env bash
# Fig. 2 of the paper config (config/config.yaml: N = 12, 100 realizations per point) in
# nine parts, each a complete DNP profile of one U on an interleaved grid of the 121
# microwave offsets (the *.yaml here): grids A, B, C and D take offsets 0, 1, 2 and 3 of
# every four. A part on a whole grid (30 or 31 offsets) takes about 3 h on a slow 2-core
# machine; U = 15 MHz on grid A is split in two (A0-U15, A4-U15: every eighth offset).
# One run directory per part under RUNS; a finished part's CSV, its measured cost per rule
# (campaign.py record: jobs, core-seconds, peak memory) and its pieces (start, end, wall
# time, commit, cores of each call that computed it) land in PARTS, to be committed at once
# (docs/paper/README.md). The same command after every stop:
# a part whose CSV is in PARTS is skipped, an interrupted one resumes.
#
#   docs/paper/fig2-parts/compute.sh SRC RUNS [PARTS]
#
# SRC: a checkout of the release that computes (kept outside the work tree, with its .venv);
# RUNS: where the run directories go (outside any checkout); PARTS: default, this folder.
# How far: python workflow/scripts/campaign.py parts --parts PARTS --directory RUNS
# Then: python workflow/scripts/campaign.py assemble --parts PARTS --to docs/paper
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: compute.sh SRC RUNS [PARTS]}
runs=${2:?usage: compute.sh SRC RUNS [PARTS]}
parts=${3:-$here}
python=${PYTHON:-$src/.venv/bin/python}
cores=${CORES:-$(nproc)}
[[ $cores =~ ^[1-9][0-9]*$ ]] || { echo "compute.sh: CORES must be a positive integer, got '$cores'" >&2; exit 2; }
mkdir -p "$runs" "$parts"
export OPENBLAS_NUM_THREADS=1
# OpenBLAS picks its kernels by the CPU, and kernels of another width sum in another order:
# on an AVX-512 machine OpenBLAS's own kernels gave P_n up to ~1e-11 away from its Haswell
# kernels' (docs/paper/kernels.csv), and the Haswell kernels reproduce the first seven
# parts' values. Every part uses those kernels, whatever machine it runs on (they need
# AVX2), so that parts agree at the offset they share to rounding (D-U2 bit for bit in its
# P_n statistics, D-U15 to a relative 8e-16).
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
# One compute.sh per RUNS at a time. A Snakemake lock left in a part's run directory then
# comes from a run that was killed (the end of a session): it is removed before resuming,
# unless a process of that run (Snakemake or one of its jobs) is still alive.
exec 9>"$runs/compute.lock"
flock -n 9 || { echo "compute.sh: another one is running on $runs" >&2; exit 1; }
for unit in A-U2 A0-U15 A4-U15 B-U2 B-U15 C-U2 C-U15 D-U2 D-U15; do
  [ -f "$parts/$unit.csv" ] && continue
  echo "== $(date -u +%FT%TZ) part $unit ($(git -C "$src" rev-parse --short HEAD))"
  echo "$(date +%s) start $unit $(git -C "$src" rev-parse HEAD)" >> "$runs/pieces.log"
  mkdir -p "$runs/$unit"
  if [ -d "$runs/$unit/.snakemake/locks" ] && [ -n "$(ls -A "$runs/$unit/.snakemake/locks")" ]; then
    if pgrep -f -- "$runs/$unit( |/|\$)" > /dev/null; then
      echo "compute.sh: processes of an earlier run of $unit are alive; stop them first:" >&2
      pgrep -a -f -- "$runs/$unit( |/|\$)" >&2
      exit 1
    fi
    "$python" -m snakemake --snakefile "$src/Snakefile" --directory "$runs/$unit" \
      --configfile "$src/config/config.yaml" "$here/$unit.yaml" --unlock --quiet all || exit 1
  fi
  printf '{"commit": "%s", "cores": %s, "start": %s}\n' "$(git -C "$src" rev-parse HEAD)" \
    "$cores" "$(date +%s)" >> "$runs/$unit/campaign.jsonl"
  "$python" -m snakemake --snakefile "$src/Snakefile" --directory "$runs/$unit" \
    --configfile "$src/config/config.yaml" "$here/$unit.yaml" --cores "$cores" \
    --rerun-incomplete --keep-going --scheduler greedy --show-failed-logs \
    results/figures/fig2.csv
  rc=$?
  echo "$(date +%s) end $unit rc=$rc" >> "$runs/pieces.log"
  [ $rc -eq 0 ] || exit $rc
  "$python" "$src/workflow/scripts/campaign.py" record --directory "$runs/$unit" -o "$parts/$unit.record.csv" || exit 1
  "$python" - "$src" "$runs/$unit" "$parts/$unit.pieces.csv" <<'PY' || exit 1
import csv, sys, time
sys.path.insert(0, sys.argv[1])
from dnpmbl.pipeline.campaign import pieces  # each piece ends at its last file written
utc = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
with open(sys.argv[3], "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["piece", "start_utc", "end_utc", "wall_s", "git_commit", "cores"])
    kept = [p for p in pieces(sys.argv[2]) if p["end"] > p["start"]]  # a call that wrote nothing is no piece
    for i, p in enumerate(kept, 1):
        out.writerow([i, utc(p["start"]), utc(p["end"]), round(p["end"] - p["start"]), p["commit"], p["cores"]])
PY
  cp "$runs/$unit/results/figures/fig2.csv" "$parts/$unit.csv"
done
