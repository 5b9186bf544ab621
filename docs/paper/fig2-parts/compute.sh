#!/usr/bin/env bash
# Fig. 2 of the paper config (config/config.yaml: N = 12, 100 realizations per point) in
# fifteen parts, each a complete DNP profile of one U on an interleaved grid of the 121
# microwave offsets (the *.yaml here): A-U2 on every fourth offset (about 2.5-3 h on a slow
# 2-core machine), the others on every eighth (15 or 16 offsets, about half that). One run
# directory per part under RUNS; a finished part's CSV, and its
# measured cost per rule (campaign.py record: jobs, core-seconds, peak memory), land in
# PARTS, to be committed at once (docs/paper/README.md). The same command after every stop:
# a part whose CSV is in PARTS is skipped, an interrupted one resumes.
#
#   docs/paper/fig2-parts/compute.sh SRC RUNS [PARTS]
#
# SRC: a checkout of the release that computes (kept outside the work tree, with its .venv);
# RUNS: where the run directories go (outside any checkout); PARTS: default, this folder.
# Then: python workflow/scripts/campaign.py assemble --parts PARTS --to docs/paper
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${1:?usage: compute.sh SRC RUNS [PARTS]}
runs=${2:?usage: compute.sh SRC RUNS [PARTS]}
parts=${3:-$here}
python=${PYTHON:-$src/.venv/bin/python}
mkdir -p "$runs" "$parts"
export OPENBLAS_NUM_THREADS=1
for unit in A-U2 A0-U15 A4-U15 B1-U2 B5-U2 B1-U15 B5-U15 C2-U2 C6-U2 C2-U15 C6-U15 D3-U2 D7-U2 D3-U15 D7-U15; do
  [ -f "$parts/$unit.csv" ] && continue
  echo "== $(date -u +%FT%TZ) part $unit ($(git -C "$src" rev-parse --short HEAD))"
  echo "$(date +%s) start $unit $(git -C "$src" rev-parse HEAD)" >> "$runs/pieces.log"
  "$python" -m snakemake --snakefile "$src/Snakefile" --directory "$runs/$unit" \
    --configfile "$src/config/config.yaml" "$here/$unit.yaml" --cores "${CORES:-$(nproc)}" \
    --rerun-incomplete --keep-going --scheduler greedy --show-failed-logs \
    results/figures/fig2.csv
  rc=$?
  echo "$(date +%s) end $unit rc=$rc" >> "$runs/pieces.log"
  [ $rc -eq 0 ] || exit $rc
  "$python" "$src/workflow/scripts/campaign.py" record --directory "$runs/$unit" -o "$parts/$unit.record.csv" || exit 1
  cp "$runs/$unit/results/figures/fig2.csv" "$parts/$unit.csv"
done
