"""Installed as the package `fakepai.schemas` (pyproject's package-dir): a regular package, so
importlib.resources finds these JSON documents inside a wheel, a zip or an editable install."""
