"""Connection details users hit on Neo4j: unreachable servers (the real ``neo4j`` driver
against a closed port), refused credentials, unknown databases, servers older than 5.x, TLS
URLs and ``--database`` / ``$INNOGRAPH_NEO4J_DATABASE``. No server needed."""

from __future__ import annotations

import neo4j
import pytest
from typer.testing import CliRunner

from innograph.errors import StoreUnreachableError
from innograph.graph.neo4j_store import (Neo4jStore, check_server_version,
                                         explain_connect_error, parse_version)
from innograph.graph.store import is_neo4j_url, open_store

CLOSED = "127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("NEO4J_USER", "neo4j")
    monkeypatch.setenv("NEO4J_PASSWORD", "not-the-real-one")
    monkeypatch.delenv("INNOGRAPH_NEO4J_CONFIG", raising=False)


@pytest.mark.parametrize("scheme", ["bolt", "neo4j", "neo4j+s", "bolt+ssc"])
def test_unreachable_server_is_one_clear_line_from_the_real_driver(password, scheme):
    url = f"{scheme}://{CLOSED}"
    assert is_neo4j_url(url)
    with pytest.raises(StoreUnreachableError) as e:
        open_store(url, connection_timeout=2.0)
    msg = str(e.value)
    assert msg.startswith(f"cannot reach Neo4j at {url}: ServiceUnavailable")
    assert "\n" not in msg and "not-the-real-one" not in msg
    assert isinstance(e.value.__cause__, neo4j.exceptions.ServiceUnavailable)


def test_cli_prints_the_line_and_exits_2(password, monkeypatch):
    from innograph.cli import app

    monkeypatch.setenv("INNOGRAPH_NEO4J_DATABASE", "innovation")
    r = CliRunner().invoke(app, ["stats", "--db", f"bolt://{CLOSED}"])
    assert r.exit_code == 2
    assert f"cannot reach Neo4j at bolt://{CLOSED}" in r.output


def test_auth_and_unknown_database_errors_are_named():
    auth = neo4j.exceptions.AuthError("The client is unauthorized due to authentication failure.")
    msg = explain_connect_error("neo4j+s://x.databases.neo4j.io", auth, user="alice")
    assert msg.startswith("Neo4j at neo4j+s://x.databases.neo4j.io refused the credentials "
                          "of user 'alice'")
    # built the way the driver builds it from the server's failure metadata
    missing = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Database.DatabaseNotFound", message="Graph not found: innovation")
    assert isinstance(missing, neo4j.exceptions.ClientError)
    assert explain_connect_error("bolt://h:7687", missing, database="innovation") == (
        "Neo4j at bolt://h:7687 has no database 'innovation': check --database / "
        "$INNOGRAPH_NEO4J_DATABASE (SHOW DATABASES lists them)")
    bad = neo4j.exceptions.ConfigurationError("bad scheme")
    assert explain_connect_error("bolt+x://h", bad) == (
        "cannot use the Neo4j URL bolt+x://h: bad scheme")


def test_real_driver_rejects_a_bad_scheme_with_a_clear_line(password):
    with pytest.raises(StoreUnreachableError, match=r"^cannot use the Neo4j URL bolt\+x://h"):
        Neo4jStore.connect("bolt+x://h:7687", connection_timeout=1.0)


@pytest.mark.parametrize("text,expected", [
    ("5.26.1", (5, 26, 1)), ("4.4.30", (4, 4, 30)), ("2025.01.0", (2025, 1, 0)),
    ("5.13-aura", (5, 13)), ("5.26.0-enterprise", (5, 26, 0))])
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_server_version_check_over_dbms_components_rows():
    def row(v):
        return [{"name": "Neo4j Kernel", "versions": [v], "edition": "community"}]

    assert check_server_version(row("5.26.1")) == (5, 26, 1)
    assert check_server_version(row("2025.03.0")) == (2025, 3, 0)
    with pytest.raises(StoreUnreachableError,
                       match=r"^Neo4j at bolt://old:7687 is version 4\.4\.30; innograph needs "
                             r"Neo4j 5 or later"):
        check_server_version(row("4.4.30"), "bolt://old:7687")
    with pytest.raises(StoreUnreachableError, match="did not report its version"):
        check_server_version([])
