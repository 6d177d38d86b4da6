"""Django's PostgreSQL backend with a health check that costs no round trip when the
connection is quiet.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` on every reused connection at the
first query of each request: a round trip to PostgreSQL for every request, about a
third of those a cached recommendation makes (docs/benchmarks.md, "Load"). A server
that drops a connection (restart, pg_terminate_backend, idle timeout) first sends an
error and closes the socket, so the client's socket turns readable, while a healthy
idle connection has nothing to read. So the socket is polled first, without waiting,
and only a readable or closed one gets Django's real check. A connection lost without
a word (a host gone from the network) is still found by the query that fails: that
request answers 503 and Django closes the connection at its end.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.health_check_enabled
            and not self.health_check_done
            and self.connection is not None
            and not self.connection.closed
            and not _has_input(self.connection.fileno())
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()


def _has_input(fd: int) -> bool:
    """Whether the server has said something (or hung up) on an idle connection."""
    poller = select.poll()  # not select(): descriptors past 1023 are fine
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))
