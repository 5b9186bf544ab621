"""Imported first by every rule script: puts this checkout's ``dnpmbl`` first on the path
(so a conda env needs only the third-party packages) and sets the BLAS threads before
numpy is loaded."""

import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def blas_threads(threads: int) -> None:
    """Limit BLAS/OpenMP threads to the rule's ``threads`` (call before importing numpy), and
    apply :mod:`dnpmbl.runtime`'s process settings."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(int(threads))
    from dnpmbl import runtime  # importing dnpmbl quiets the BLAS pools before numpy loads

    runtime.retain_freed_memory()


def run(main, smk) -> None:
    """Run a rule script's ``main(smk)``. An input the rule cannot use or an output it
    cannot write (:class:`dnpmbl.pipeline.readers.DataFileError`,
    :class:`dnpmbl.files.OutputPathError`) ends the job with one line in its log, naming
    the file; anything else keeps its traceback (a bug)."""
    from dnpmbl.files import OutputPathError
    from dnpmbl.pipeline.readers import DataFileError

    try:
        main(smk)
    except (DataFileError, OutputPathError) as exc:
        import logging

        logging.getLogger("dnpmbl").error("%s: %s", type(exc).__name__, exc)
        sys.exit(1)
