"""The PostgreSQL backend's health check (runstrong/postgresql/base.py): a kept
connection is checked before a request's first query without sending one, and a
connection the server has cut is still replaced before that query.

Both passes run these, each on a PostgreSQL server of the test's own (one the
test may cut), since the SQLite pass has PostgreSQL installed too."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from runstrong import settings as project_settings
from runstrong.postgresql.base import DatabaseWrapper, quiet

from .faults.postgres import PrivatePostgres, private_postgres


@pytest.fixture(scope="module")
def server() -> Iterator[PrivatePostgres]:
    with private_postgres() as started:
        yield started


@pytest.fixture
def site_connection(
    server: PrivatePostgres, monkeypatch: pytest.MonkeyPatch, django_db_blocker: Any
) -> Iterator[DatabaseWrapper]:
    """A connection made from the production settings for this server's URL, as
    the site's workers make theirs (kept between requests, health-checked)."""
    monkeypatch.setenv("DATABASE_URL", server.url)
    handler = ConnectionHandler({"default": project_settings._database()})
    with django_db_blocker.unblock():
        connection = handler["default"]
        assert isinstance(connection, DatabaseWrapper)
        try:
            yield connection
        finally:
            connection.close()


def _last_statement(server: PrivatePostgres, pid: int) -> str:
    with psycopg.connect(server.url, autocommit=True) as admin:
        row = admin.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
    assert row is not None, "the site's connection is gone"
    return str(row[0])


def _ask(connection: DatabaseWrapper, sql: str) -> Any:
    """One statement on the site's connection, as a request's query is run."""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()


def _next_request(connection: DatabaseWrapper) -> None:
    """What Django does between two requests, up to the new request's first query:
    the end of the last (request_finished), then the check before the first query."""
    connection.close_if_unusable_or_obsolete()
    connection.close_if_health_check_failed()


def test_a_kept_connection_is_checked_without_sending_a_query(
    server: PrivatePostgres, site_connection: DatabaseWrapper
) -> None:
    _ask(site_connection, "SELECT 'the last request'")
    kept = site_connection.connection
    pid = kept.info.backend_pid

    _next_request(site_connection)

    assert site_connection.connection is kept
    # Django's own check would have sent SELECT 1 here.
    assert _last_statement(server, pid) == "SELECT 'the last request'"


def test_a_connection_the_server_cut_is_replaced_before_the_first_query(
    server: PrivatePostgres, site_connection: DatabaseWrapper
) -> None:
    _ask(site_connection, "SELECT 1")
    cut = site_connection.connection
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [cut.info.backend_pid])
    deadline = time.monotonic() + 10
    while quiet(cut) and time.monotonic() < deadline:
        time.sleep(0.01)  # the server's goodbye is on its way

    _next_request(site_connection)

    assert site_connection.connection is not cut
    assert _ask(site_connection, "SELECT 'after the cut'") == ("after the cut",)


def test_a_server_restarted_between_requests_costs_the_next_request_nothing(
    server: PrivatePostgres, site_connection: DatabaseWrapper
) -> None:
    _ask(site_connection, "SELECT 1")
    before = site_connection.connection
    server.stop("fast")
    server.start()

    _next_request(site_connection)

    assert site_connection.connection is not before
    assert _ask(site_connection, "SELECT 'after the restart'") == ("after the restart",)
