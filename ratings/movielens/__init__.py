"""The MovieLens dataset importer.

- parsing: one row's fields parsed (titles and years, genres, ids, scores, timestamps).
- service: movielens_import, the entry point, and its reports.
"""
