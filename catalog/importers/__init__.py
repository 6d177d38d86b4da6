"""Bulk importers of outside datasets into the catalogue.

sources.py turns a URL, zip or folder into a local folder; sql.py holds the
COPY-into-staging and set-based upsert helpers; each dataset has its own module.
"""
