"""Bulk importers of outside datasets into the catalogue.

sources.py turns a URL, zip or folder into a local folder; sql.py holds the
COPY-into-staging and set-based upsert helpers; tmdb.py imports TMDB metadata,
tmdb_credits.py TMDB cast and crew, and tmdb_api.py fetches what the files lack from
the TMDB API.
The MovieLens importer uses both helpers but lives in ratings/movielens/, since it
writes ratings and their users too.
"""
