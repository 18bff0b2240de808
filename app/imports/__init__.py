"""Imports of broker files: detection, formats, the preview and its confirmation (`routes.py` holds the blueprint)."""
