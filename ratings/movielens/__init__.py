"""The MovieLens dataset importer.

- parsing: one row's fields parsed (titles and years, genres, ids, scores, timestamps).
- layouts: the dataset layouts (files, separators, encodings), finding one, reading rows.
- writers: staging, the SQL writers per kind of file, and each file's report.
- service: movielens_import, the entry point, and the import report.
"""
