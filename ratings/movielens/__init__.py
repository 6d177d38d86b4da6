"""The MovieLens dataset importer.

- service: movielens_import, the entry point, and its reports.
"""
