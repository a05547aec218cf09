"""Real Milvus and PostgreSQL servers for the tests, on 127.0.0.1 only, each in a temp directory.

The code lives in ``bench/local_servers.py``, shared with ``bench.milvus_large`` (the Milvus
figures at a million passages start the same servers the tests do).
"""

from __future__ import annotations

from bench.common import free_port
from bench.local_servers import (
    PG_SYSTEM_USER,
    MilvusServer,
    PostgresServer,
    ServerUnavailable,
    remove_server_dir,
    temp_server_dir,
)

__all__ = [
    "PG_SYSTEM_USER",
    "MilvusServer",
    "PostgresServer",
    "ServerUnavailable",
    "free_port",
    "remove_server_dir",
    "temp_server_dir",
]
