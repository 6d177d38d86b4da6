"""`bench firstrun`'s yardstick: the time to encode the stack's documents alone.

Run by bench_firstrun in a process of its own, after the stack has stopped, with the
stack's MOVIEREC_DATA_DIR and environment: the same movies, the same documents, the same
backend and model files, and nothing else running. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "movierec.settings")
    from movierec.embedded import ensure_services

    ensure_services()
    import django

    django.setup()
    from catalog import embedding
    from catalog.documents import movie_document, movies_for_documents
    from catalog.models import Movie

    movie_ids = Movie.objects.values_list("pk", flat=True)
    documents = [movie_document(movie) for movie in movies_for_documents(movie_ids=movie_ids)]
    embedding.encode(documents[:8])  # the model loaded and warm: only encoding is timed
    started = time.monotonic()
    embedding.encode(documents)
    seconds = time.monotonic() - started
    print(json.dumps({"documents": len(documents), "seconds": seconds}))


if __name__ == "__main__":
    main()
