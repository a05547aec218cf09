"""Session-wide Milvus and PostgreSQL servers for the distributed backend's tests.

Started once on 127.0.0.1 and stopped after the session. Where one cannot be started the tests that
need it skip with the reason, except on CI (``CI=true``), where that fails the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from server_support import (
    MilvusServer,
    PostgresServer,
    ServerUnavailable,
    remove_server_dir,
    temp_server_dir,
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the distributed backend's tests")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def milvus_server() -> Iterator[MilvusServer]:
    server = MilvusServer(temp_server_dir("citesearch-milvus-"))
    try:
        server.start()
    except ServerUnavailable as error:
        server.stop()
        remove_server_dir(server.data_dir)
        _unavailable(f"Milvus could not be started: {error}")
    yield server
    server.stop()
    remove_server_dir(server.data_dir)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(temp_server_dir("citesearch-pg-"))
    try:
        server.start()
    except (ServerUnavailable, OSError) as error:
        remove_server_dir(server.data_dir)
        _unavailable(f"PostgreSQL could not be started: {error}")
    yield server
    server.stop()
    remove_server_dir(server.data_dir)
