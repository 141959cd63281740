"""Thin Dagster assets, one module per stage; each calls one function of the `newsintel` library."""
