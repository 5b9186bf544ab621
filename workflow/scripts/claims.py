"""The paper's statements against the figure tables, and the measured run, as the README
shows them.

    python workflow/scripts/claims.py FOLDER            print the table for FOLDER/fig{2,3,4,5}.csv (missing: pending)
    python workflow/scripts/claims.py --readme README.md  rewrite every claims and record block in place

A claims block in the README is ``<!-- claims: FOLDER -->`` ... ``<!-- /claims -->``;
tests/test_claims.py fails when a block differs from what its folder's tables give. A
record block, ``<!-- record: FOLDER -->`` ... ``<!-- /record -->``, is the measured run of
a gallery folder (:func:`dnpmbl.pipeline.campaign.measured_run`: its stages' totals, its
Fig. 2 parts' records and pieces); tests/test_campaign.py holds it to them.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from dnpmbl.pipeline.campaign import measured_run, measured_run_markdown  # noqa: E402
from dnpmbl.pipeline.claims import claims_table, markdown  # noqa: E402

BLOCK = re.compile(r"(<!-- claims: (\S+) -->\n)(.*?)(<!-- /claims -->)", flags=re.S)
RECORD_BLOCK = re.compile(r"(<!-- record: (\S+) -->\n)(.*?)(<!-- /record -->)", flags=re.S)


def table_of(folder: Path) -> str:
    """The claims table of ``folder``'s fig2-fig5 CSVs; a missing one leaves its claims
    pending (a campaign publishes its figures one by one), all four missing is an error."""
    names = ("fig2", "fig3", "fig4", "fig5")
    tables = {name: pd.read_csv(folder / f"{name}.csv") if (folder / f"{name}.csv").exists() else None for name in names}
    if all(t is None for t in tables.values()):
        raise FileNotFoundError(f"{folder}: none of {', '.join(f'{n}.csv' for n in names)}")
    return markdown(claims_table(tables["fig3"], tables["fig4"], tables["fig5"], tables["fig2"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help="folder holding fig2.csv ... fig5.csv")
    parser.add_argument("--readme", help="rewrite the claims blocks of this file (folders relative to the repository)")
    args = parser.parse_args(argv)
    try:
        if args.readme:
            path = Path(args.readme)
            text = path.read_text()
            new = BLOCK.sub(lambda m: m.group(1) + table_of(ROOT / m.group(2)) + m.group(4), text)
            new = RECORD_BLOCK.sub(lambda m: m.group(1) + measured_run_markdown(measured_run(ROOT / m.group(2), root=ROOT)) + m.group(4), new)
            path.write_text(new)
            print(f"{path}: {len(BLOCK.findall(text))} claims block(s), {len(RECORD_BLOCK.findall(text))} record block(s) written")
        elif args.folder:
            sys.stdout.write(table_of(Path(args.folder)))
        else:
            parser.error("give a FOLDER or --readme")
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
