"""PostgreSQL advisory lock ids: every lock the project takes, in one place.

Ids are shared by every process on a database, so two uses of one id would block or
release each other. Never reuse or renumber an id: a worker still running the previous
release holds and checks locks under the old number during a deploy, and a changed id
would let two of them run what the lock keeps apart. Add new locks with fresh ids.
"""

from enum import IntEnum, unique


@unique  # a repeated id would silently make an alias
class AdvisoryLock(IntEnum):
    # (TRAINING_RUN, run id), held by the session training that run (recommendations).
    TRAINING_RUN = 7301
    # Held by the session fetching from the TMDB API (catalog), so that two jobs never
    # double the request rate.
    TMDB_ENRICHMENT = 7302
    # Held by the session computing the movie map (catalog.movie_map): one run at a time.
    MOVIE_MAP = 7310
