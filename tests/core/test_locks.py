from core.locks import AdvisoryLock


def test_advisory_lock_ids_never_change():
    # Deployed workers hold and look for these numbers: renumbering one is a bug.
    assert {lock.name: lock.value for lock in AdvisoryLock} == {
        "TRAINING_RUN": 7301,
        "TMDB_ENRICHMENT": 7302,
        "MOVIE_MAP": 7310,
    }
