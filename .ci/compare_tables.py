"""Exit non-zero unless two workflow directories hold equal numerical tables."""

import sys
from pathlib import Path

import pyarrow.parquet as pq

from dnpmbl.pipeline.io import tables_equal


def tables(root):
    base = Path(root) / "results"
    return {str(p.relative_to(base)): p for p in sorted(base.rglob("*.parquet"))}


def main(a, b):
    ta, tb = tables(a), tables(b)
    if sorted(ta) != sorted(tb):
        print("different sets of tables:", sorted(set(ta) ^ set(tb))[:10])
        return 1
    bad = [name for name in ta if not tables_equal(pq.read_table(ta[name]), pq.read_table(tb[name]))]
    for fig in ("fig2", "fig3", "fig4", "fig5"):
        csv = f"results/figures/{fig}.csv"
        if (Path(a) / csv).read_text() != (Path(b) / csv).read_text():
            bad.append(csv)
    if bad:
        print("tables differ:", bad[:10])
        return 1
    print(f"{len(ta)} Parquet tables and 4 figure tables identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
