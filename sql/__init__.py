"""The SQL views, one per file, each with its YAML contract beside it (newsintel/models.py reads them).

A package only so that the folder ships inside the wheel as `newsintel.sql` (pyproject.toml maps it there)
and `importlib.resources` finds it in an installed copy and in an editable one alike.
"""
