"""Stands in for a missing scipy: importing it fails, as where scipy is not installed."""

raise ModuleNotFoundError("No module named 'scipy' (tests/no_scipy hides it)", name="scipy")
