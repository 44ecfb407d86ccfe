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


def _server(version: str):
    """The driver boundary, answering the version query like a server of ``version``."""
    from innograph.graph.neo4j_store import COMPONENTS_QUERY

    from .neo4j_recorder import RecordingDriver

    return RecordingDriver(lambda q, p: [{"name": "Neo4j Kernel", "versions": [version],
                                          "edition": "community"}]
                           if q == COMPONENTS_QUERY else [])


def test_database_option_reaches_every_session(password, monkeypatch):
    drivers = []

    def driver(url, **kw):
        drivers.append((url, kw))
        return _server("5.26.1")

    monkeypatch.setattr(neo4j.GraphDatabase, "driver", driver)
    monkeypatch.delenv("INNOGRAPH_NEO4J_DATABASE", raising=False)
    store = open_store("neo4j+s://abc.databases.neo4j.io", database="innovation")
    assert store.database == "innovation" and store.server_version == (5, 26, 1)
    assert store.tx_rows == 1000  # live loads by default
    assert all(kw.get("database") == "innovation" for kw in store.driver.sessions)
    assert drivers[0][1]["auth"] == ("neo4j", "not-the-real-one")
    store.close()

    monkeypatch.setenv("INNOGRAPH_NEO4J_DATABASE", "fromenv")
    monkeypatch.setenv("INNOGRAPH_NEO4J_TX_ROWS", "77")
    store = open_store("bolt://h:7687")
    assert store.database == "fromenv" and store.tx_rows == 77
    assert all(kw.get("database") == "fromenv" for kw in store.driver.sessions)


def test_cli_global_options_reach_the_store(password, monkeypatch):
    from innograph import cli

    seen = {}
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda url, **kw: _server("5.26.1"))
    from innograph.graph import store as store_mod

    orig = store_mod.open_store

    def spy(url=None, read_only=False, **options):
        s = orig(url, read_only=read_only, **options)
        seen.update(database=s.database, tx_rows=s.tx_rows)
        return s

    monkeypatch.setattr(store_mod, "open_store", spy)
    r = CliRunner().invoke(cli.app, ["--database", "innovation", "--neo4j-tx-rows", "250",
                                     "stats", "--db", "bolt://h:7687"])
    assert r.exit_code == 0, r.output
    assert seen == {"database": "innovation", "tx_rows": 250}


def test_old_server_is_refused_on_connect(password, monkeypatch):
    monkeypatch.setattr(neo4j.GraphDatabase, "driver", lambda url, **kw: _server("4.4.30"))
    with pytest.raises(StoreUnreachableError, match=r"is version 4\.4\.30; innograph needs"):
        open_store("bolt://old:7687")
