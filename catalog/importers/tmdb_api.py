"""Fill in credits and posters from the TMDB API (v3) for movies that lack them.

One request per movie (`/3/movie/{id}?append_to_response=credits`), paced to
TMDB_REQUESTS_PER_SECOND; a 429 waits for its Retry-After and tries again. Each batch
is written in one transaction together with the movies' `credits_checked_at`, so a
stopped run loses at most the batch in flight and the next run starts after the
movies already asked about (found or not). A malformed answer is reported and left
for the next run; a network error, a refused key or a server error fails the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.importers.tmdb_credits import StagedCredit, credits_apply, credits_stage, movie_credits
from catalog.models import Credit, Movie
from core.locks import AdvisoryLock
from jobs.progress import Progress

# (connect, read) seconds.
REQUEST_TIMEOUT = (10, 30)
MAX_RETRIES = 5
# A longer Retry-After is not a rate limit but an outage: wait this long at most.
MAX_RETRY_AFTER_SECONDS = 60
# Movies fetched between two writes: the most a killed worker makes the next run repeat.
BATCH_SIZE = 20
_POSTER_MAX = Movie._meta.get_field("poster_path").max_length


class TmdbApiError(Exception):
    """TMDB cannot be used now (unreachable, key refused, server error); the run stops."""


class TmdbMalformedResponse(Exception):
    """One answer cannot be read; that movie is left for the next run."""


class RateLimiter:
    """At most `per_second` calls of wait() per second, evenly spaced."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")

    def wait(self) -> None:
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def pause(self, seconds: float) -> None:
        """The server asked for a break: no call before `seconds` from now."""
        self._next = max(self._next, self.clock() + seconds)


class TmdbClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        per_second: float,
        session: requests.Session | None = None,
    ) -> None:
        if not api_key:
            raise TmdbApiError("TMDB_API_KEY is not set; the TMDB API cannot be used.")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.limiter = RateLimiter(per_second)
        self.session = session or requests.Session()

    @classmethod
    def from_settings(cls) -> TmdbClient:
        return cls(
            api_key=settings.TMDB_API_KEY,
            base_url=settings.TMDB_API_BASE_URL,
            per_second=settings.TMDB_REQUESTS_PER_SECOND,
        )

    def movie(self, tmdb_id: int) -> dict | None:
        """The movie with its credits, or None when TMDB does not know it (404)."""
        for _ in range(MAX_RETRIES + 1):
            self.limiter.wait()
            try:
                response = self.session.get(
                    f"{self.base_url}/3/movie/{tmdb_id}",
                    params={"api_key": self.api_key, "append_to_response": "credits"},
                    timeout=REQUEST_TIMEOUT,
                )
            except requests.RequestException as exc:
                # Not str(exc): it holds the URL, and so the key.
                raise TmdbApiError(
                    f"TMDB did not answer for movie {tmdb_id} ({type(exc).__name__}); "
                    "check the network and TMDB_API_BASE_URL."
                ) from None
            if response.status_code == 429:
                self.limiter.pause(_retry_after(response))
                continue
            if response.status_code == 404:
                return None
            if response.status_code == 401:
                raise TmdbApiError("TMDB refused the API key (HTTP 401); check TMDB_API_KEY.")
            if not response.ok:
                raise TmdbApiError(
                    f"TMDB answered HTTP {response.status_code} for movie {tmdb_id}."
                )
            try:
                body = response.json()
            except ValueError:
                raise TmdbMalformedResponse(f"movie {tmdb_id}: the answer is not JSON") from None
            return _checked_body(body, tmdb_id=tmdb_id)
        raise TmdbApiError(f"TMDB still limited the rate after {MAX_RETRIES} retries.")


def _retry_after(response: requests.Response) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _checked_body(body: object, *, tmdb_id: int) -> dict:
    credits = body.get("credits") if isinstance(body, dict) else None
    if not isinstance(credits, dict) or not all(
        isinstance(credits.get(key, []), list) for key in ("cast", "crew")
    ):
        raise TmdbMalformedResponse(f"movie {tmdb_id}: no credits object in the answer")
    return body


@dataclass
class TmdbEnrichmentReport:
    fetched: int = 0
    not_found: int = 0
    failed: int = 0
    credits_changed: int = 0
    posters_added: int = 0
    remaining: int = 0
    timed_out: bool = False
    busy: bool = False
    problems: list[str] = field(default_factory=list)

    PRINTED_PROBLEMS: ClassVar[int] = 20

    def summary(self) -> str:
        if self.busy:
            return "Another TMDB fetch is running; this one did nothing."
        lines = [
            f"Asked TMDB about {self.fetched + self.not_found + self.failed} movies: "
            f"credits of {self.credits_changed} changed, {self.posters_added} posters added, "
            f"{self.not_found} unknown to TMDB, {self.failed} unreadable answers (retried on "
            f"the next run). {self.remaining} movies still to ask about."
        ]
        lines += [f"  {problem}" for problem in self.problems[: self.PRINTED_PROBLEMS]]
        return "\n".join(lines)


def movies_missing_tmdb_details() -> QuerySet[Movie]:
    """Movies with a TMDB id, no credits or no poster, that TMDB was not yet asked about."""
    return Movie.objects.filter(tmdb_id__isnull=False, credits_checked_at__isnull=True).filter(
        Q(poster_path="") | ~Exists(Credit.objects.filter(movie=OuterRef("pk")))
    )


def tmdb_enrich(
    *,
    client: TmdbClient,
    progress: Progress,
    deadline: float | None = None,
    limit: int | None = None,
) -> TmdbEnrichmentReport:
    """Ask TMDB about every movie missing details, in id order, until none is left, `limit`
    movies were asked about, or time.monotonic() passes `deadline` (then `timed_out`)."""
    report = TmdbEnrichmentReport()
    with _single_run() as acquired:
        if not acquired:
            report.busy = True
            return report
        total = movies_missing_tmdb_details().count()
        progress.stage("Fetching credits and posters from TMDB", total=total)
        after_id, asked = 0, 0
        while limit is None or asked < limit:
            size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - asked)
            batch = list(
                movies_missing_tmdb_details()
                .filter(pk__gt=after_id)
                .order_by("pk")
                .values_list("pk", "tmdb_id")[:size]
            )
            if not batch:
                break
            answers: dict[int, tuple[int, dict | None]] = {}
            try:
                for movie_id, tmdb_id in batch:
                    if deadline is not None and time.monotonic() >= deadline:
                        report.timed_out = True
                        break
                    after_id, asked = movie_id, asked + 1
                    try:
                        answers[movie_id] = (tmdb_id, client.movie(tmdb_id))
                    except TmdbMalformedResponse as exc:
                        report.failed += 1
                        report.problems.append(str(exc))
                    progress.advance()
            finally:
                # Also when TMDB fails mid-batch: what was fetched is kept.
                _answers_write(answers, report=report)
            if report.timed_out:
                break
        report.remaining = movies_missing_tmdb_details().count()
    return report


@contextmanager
def _single_run() -> Iterator[bool]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [int(AdvisoryLock.TMDB_ENRICHMENT)])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [int(AdvisoryLock.TMDB_ENRICHMENT)])


def _answers_write(
    answers: dict[int, tuple[int, dict | None]], *, report: TmdbEnrichmentReport
) -> None:
    """Store the batch's credits and posters, and mark its movies as asked, in one transaction."""
    if not answers:
        return
    credits: list[StagedCredit] = []
    posters: dict[int, str] = {}
    for movie_id, (tmdb_id, body) in answers.items():
        if body is None:
            report.not_found += 1
            continue
        report.fetched += 1
        problems: list[str] = []
        credits += movie_credits(
            movie_tmdb_id=tmdb_id,
            cast=[entry for entry in body["credits"].get("cast", []) if isinstance(entry, dict)],
            crew=[entry for entry in body["credits"].get("crew", []) if isinstance(entry, dict)],
            line=movie_id,
            problems=problems,
        )
        report.problems += [f"movie {tmdb_id}: {problem}; entry skipped" for problem in problems]
        poster = body.get("poster_path")
        if isinstance(poster, str) and poster.strip() and len(poster) <= _POSTER_MAX:
            posters[movie_id] = poster.strip()
    with transaction.atomic():
        with connection.cursor() as cursor:
            credits_stage(cursor, credits=credits)
            report.credits_changed += len(credits_apply(cursor).changed_movie_ids)
        now = timezone.now()
        for movie_id, poster in posters.items():
            # updated_at moves the catalogue version, so cached lists pick the poster up.
            report.posters_added += Movie.objects.filter(pk=movie_id, poster_path="").update(
                poster_path=poster, updated_at=now
            )
        Movie.objects.filter(pk__in=answers).update(credits_checked_at=now)
