"""Exact comparison of result tables, for the tests and for CI.

``python tests/tablecompare.py A B`` exits non-zero unless two workflow directories hold
equal numerical tables (CI compares a local run with a SLURM run this way).
"""

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def _same_value(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (x != x and y != y)  # exact, with NaN equal to NaN
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same_value(a, b) for a, b in zip(x, y))
    return x == y


def tables_equal(a: pa.Table, b: pa.Table) -> bool:
    """Exact equality of two tables (same columns, types and values), NaN equal to NaN.

    ``pyarrow.Table.equals`` counts NaN as different from itself, and the tables of this
    workflow hold NaN where a quantity is not computed.
    """
    if a.schema.names != b.schema.names or a.num_rows != b.num_rows:
        return False
    for name in a.schema.names:
        if not a.schema.field(name).type.equals(b.schema.field(name).type):
            return False
        ca, cb = a.column(name), b.column(name)
        if ca.equals(cb):
            continue
        if not all(_same_value(x, y) for x, y in zip(ca.to_pylist(), cb.to_pylist())):
            return False
    return True


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
