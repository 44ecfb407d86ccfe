"""The embedded Kùzu store: key-diffed upserts, edges, property writes, locking, read-only."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pyarrow as pa
import pytest

from innograph.errors import ReadOnlyQueryError, StoreLockedError
from innograph.graph.store import open_store


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "g.db"))
    yield s
    s.close()


def test_upsert_nodes_inserts_new_and_counts_changed(store):
    c = store.upsert_nodes("Paper", pa.table({"id": ["a", "b", "a"], "title": ["x", "y", "z"]}))
    assert (c.inserted, c.updated) == (2, 0)  # the duplicate "a" keeps its first row
    c = store.upsert_nodes("Paper", pa.table({"id": ["a", "b"], "title": ["x", "y2"]}))
    assert (c.inserted, c.updated) == (0, 1)
    rows = store.read_table("MATCH (p:Paper) RETURN p.id AS id, p.title AS t ORDER BY id").to_pylist()
    assert rows == [{"id": "a", "t": "x"}, {"id": "b", "t": "y2"}]


def test_null_does_not_erase_on_upsert_but_does_on_set_properties(store):
    store.upsert_nodes("Paper", pa.table({"id": ["a"], "title": ["x"], "year": [2001]}))
    store.upsert_nodes("Paper", pa.table({"id": ["a"], "title": pa.array([None], pa.string())}))
    assert store.read_table("MATCH (p:Paper) RETURN p.title").column(0).to_pylist() == ["x"]
    store.set_properties("Paper", pa.table({"id": ["a"], "title": pa.array([None], pa.string())}))
    assert store.read_table("MATCH (p:Paper) RETURN p.title").column(0).to_pylist() == [None]


def test_fill_only_never_replaces_a_stored_value(store):
    store.upsert_nodes("Applicant", pa.table({"id": ["acme"], "name": ["Acme"], "region": ["CA"]}))
    c = store.upsert_nodes("Applicant", pa.table({"id": ["acme"], "region": ["TX"]}), overwrite=False)
    assert c.updated == 0
    assert store.read_table("MATCH (a:Applicant) RETURN a.region").column(0).to_pylist() == ["CA"]


def test_edges_are_not_doubled_on_rerun(store):
    store.upsert_nodes("Paper", pa.table({"id": ["a", "b"]}))
    store.upsert_nodes("Keyword", pa.table({"name": ["k1", "k2"]}))
    e = pa.table({"src": ["a", "a", "b"], "dst": ["k1", "k2", "k1"], "source": ["input"] * 3})
    assert store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", e).inserted == 3
    assert store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", e).inserted == 0
    assert store.count("HAS_KEYWORD") == 3


def test_similar_to_is_unique_per_method_and_delete_by_method(store):
    store.upsert_nodes("Paper", pa.table({"id": ["a"]}))
    store.upsert_nodes("Patent", pa.table({"id": ["P"]}))
    e = pa.table({"src": ["a", "a"], "dst": ["P", "P"], "score": [0.5, 0.4], "method": ["exact", "index"]})
    assert store.upsert_edges("SIMILAR_TO", "Paper", "Patent", e).inserted == 2
    assert store.delete_edges("SIMILAR_TO", "Paper", "Patent", {"method": "index"}) == 1
    assert store.read_table("MATCH ()-[e:SIMILAR_TO]->() RETURN e.method").column(0).to_pylist() == ["exact"]


def test_unknown_property_is_refused(store):
    with pytest.raises(KeyError, match="no properties"):
        store.upsert_nodes("Paper", pa.table({"id": ["a"], "titel": ["x"]}))


def test_read_only_store_refuses_writes(tmp_path):
    path = str(tmp_path / "g.db")
    open_store(path).close()
    ro = open_store(path, read_only=True)
    try:
        with pytest.raises(ReadOnlyQueryError):
            ro.run_read("CREATE (p:Paper {id: 'x'})")
        with pytest.raises(ReadOnlyQueryError):
            ro.run_read("MATCH (p:Paper) SET p.title = 'x'")
    finally:
        ro.close()


def test_second_writer_gets_store_locked(tmp_path):
    """Another process holding the store for writing → a clear StoreLockedError, no corruption."""
    path = str(tmp_path / "g.db")
    code = textwrap.dedent(f"""
        import sys, time
        from innograph.graph.store import open_store
        s = open_store({path!r})
        print("open", flush=True)
        sys.stdin.readline()
        s.close()
    """)
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreLockedError, match="locked by another process"):
            open_store(path)
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    s = open_store(path)  # the store is intact once the writer is gone
    assert s.count("Paper") == 0
    s.close()


def test_readers_share_a_store_and_exclude_writers(tmp_path):
    """Documented behaviour: read-only opens share the store; a writer is refused while readers
    hold it, and a reader is refused while a writer holds it (both with StoreLockedError)."""
    path = str(tmp_path / "g.db")
    s = open_store(path)
    s.upsert_nodes("Paper", pa.table({"id": ["a"]}))
    s.close()
    hold = textwrap.dedent(f"""
        import sys
        from innograph.graph.store import open_store
        s = open_store({path!r}, read_only=sys.argv[1] == "ro")
        print("open", flush=True)
        sys.stdin.readline()
        s.close()
    """)

    def holder(mode):
        p = subprocess.Popen([sys.executable, "-c", hold, mode], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "open"
        return p

    def release(p):
        p.stdin.write("\n")
        p.stdin.flush()
        p.wait(timeout=60)

    r1 = holder("ro")
    try:
        r2 = open_store(path, read_only=True)  # a second reader at the same time
        assert r2.count("Paper") == 1
        r2.close()
        with pytest.raises(StoreLockedError):
            open_store(path)
    finally:
        release(r1)
    w = holder("rw")
    try:
        with pytest.raises(StoreLockedError):
            open_store(path, read_only=True)
    finally:
        release(w)


# ------------------------------------------------- per-source edge deletion (issue 5)
def _keyword_edges(store) -> list[tuple]:
    t = store.read_table("MATCH (d)-[e:HAS_KEYWORD]->(k:Keyword) RETURN label(d) + ':' + d.id "
                         "AS d, k.name AS k, e.source AS s, coalesce(e.model, '-') AS m")
    return sorted(tuple(r.values()) for r in t.to_pylist())


def _keyword_graph(store) -> None:
    store.upsert_nodes("Paper", pa.table({"id": [f"a{i}" for i in range(5)]}))
    store.upsert_nodes("Patent", pa.table({"id": ["a0", "P"]}))  # a Patent keyed like a Paper
    store.upsert_nodes("Keyword", pa.table({"name": ["k1", "k2"]}))
    src = [f"a{i}" for i in range(5) for _ in range(2)]
    store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", pa.table({
        "src": src, "dst": ["k1", "k2"] * 5, "source": ["keybert"] * 10,
        "model": ["m1", "m2"] * 5}))
    store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", pa.table({
        "src": ["a0", "a1"], "dst": ["k1", "k1"], "source": ["input"] * 2}))
    store.upsert_edges("HAS_KEYWORD", "Patent", "Keyword", pa.table({
        "src": ["a0", "P"], "dst": ["k1", "k1"], "source": ["keybert"] * 2}))


def test_delete_edges_from_touches_only_the_given_sources_and_props(store, monkeypatch):
    from innograph.graph import kuzu_store

    _keyword_graph(store)
    before = _keyword_edges(store)
    monkeypatch.setattr(kuzu_store, "KEY_BATCH", 2)  # 4 keys → 2 statements
    n = store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword",
                                ["a0", "a1", "a3", "nobody", "a0"], where={"source": "keybert"})
    assert n == 6
    gone = {(f"Paper:{d}", k, "keybert", m) for d in ("a0", "a1", "a3")
            for k, m in (("k1", "m1"), ("k2", "m2"))}
    assert _keyword_edges(store) == sorted(set(before) - gone)  # input edges, Patent a0 stay
    assert store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", pa.array(["a2", "a4"]),
                                   where={"source": "keybert", "model": "m2"}) == 2
    assert ("Paper:a2", "k1", "keybert", "m1") in _keyword_edges(store)
    assert store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", [], {"source": "x"}) == 0
    assert store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["a0"]) == 1  # the input one
    with pytest.raises(KeyError, match="no property"):
        store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["a1"], where={"sorce": "x"})
    with pytest.raises(KeyError, match="does not join"):
        store.delete_edges_from("HAS_KEYWORD", "Keyword", "Paper", ["a1"])


def test_transaction_rolls_back_every_write_inside_on_error(store):
    _keyword_graph(store)
    before, stats = _keyword_edges(store), store.stats()
    with pytest.raises(RuntimeError, match="boom"):
        with store.transaction():
            store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["a0", "a1"])
            store.upsert_nodes("Keyword", pa.table({"name": ["k3"]}))
            with store.transaction():  # joins the outer one
                store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", pa.table({
                    "src": ["a0"], "dst": ["k3"], "source": ["keybert"]}))
            assert ("Paper:a0", "k3", "keybert", "-") in _keyword_edges(store)  # sees its writes
            raise RuntimeError("boom")
    assert _keyword_edges(store) == before and store.stats() == stats
    with store.transaction():
        store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["a0"])
    assert not [e for e in _keyword_edges(store) if e[0] == "Paper:a0"]
    assert ("Patent:a0", "k1", "keybert", "-") in _keyword_edges(store)


def test_store_made_before_new_columns_is_migrated_and_copy_keeps_columns_apart(tmp_path):
    """An older store lacks properties the schema gained since (simulated by dropping
    Patent.abstract and .locarno_pred and HAS_KEYWORD.score, from the middle of their tables):
    opening it adds them as the last columns, and COPY (which maps columns by position) still
    puts every value in its own column."""
    import kuzu

    path = str(tmp_path / "old.db")
    s = open_store(path)
    s.upsert_nodes("Patent", pa.table({"id": ["p1"], "title": ["old"], "year": [2001]}))
    s.close()
    db = kuzu.Database(path)
    conn = kuzu.Connection(db)
    for col in ("abstract", "locarno_pred"):
        conn.execute(f"ALTER TABLE Patent DROP {col}")
    conn.execute("ALTER TABLE HAS_KEYWORD DROP score")
    del conn, db

    s = open_store(path)
    try:
        cols = [c for c, _ in s._columns("Patent")]
        assert cols[-2:] == ["abstract", "locarno_pred"]
        assert [c for c, _ in s._columns("HAS_KEYWORD")][-1] == "score"
        s.upsert_nodes("Patent", pa.table({"id": ["p2"], "title": ["new"], "year": [2002],
                                           "locarno_pred": ["14"], "locarno_prob": [0.5],
                                           "abstract": ["text"]}))
        s.upsert_nodes("Keyword", pa.table({"name": ["k"]}))
        s.upsert_edges("HAS_KEYWORD", "Patent", "Keyword", pa.table({
            "src": ["p2"], "dst": ["k"], "score": [0.25], "source": ["keybert"],
            "model": ["m"], "rank": pa.array([3], pa.int64())}))
        with s.transaction():  # the LOAD FROM … CREATE path names its columns too
            s.upsert_edges("HAS_KEYWORD", "Patent", "Keyword", pa.table({
                "src": ["p1"], "dst": ["k"], "score": [0.75], "source": ["input"],
                "model": ["x"], "rank": pa.array([1], pa.int64())}))
        rows = s.read_table("MATCH (p:Patent) RETURN p.id AS id, p.title AS t, p.year AS y, "
                            "p.abstract AS a, p.locarno_pred AS l, p.locarno_prob AS pr "
                            "ORDER BY id").to_pylist()
        assert rows == [{"id": "p1", "t": "old", "y": 2001, "a": None, "l": None, "pr": None},
                        {"id": "p2", "t": "new", "y": 2002, "a": "text", "l": "14", "pr": 0.5}]
        edges = s.read_table("MATCH (p:Patent)-[e:HAS_KEYWORD]->(:Keyword) RETURN p.id AS id, "
                             "e.score AS s, e.source AS src, e.model AS m, e.rank AS r "
                             "ORDER BY id").to_pylist()
        assert edges == [{"id": "p1", "s": 0.75, "src": "input", "m": "x", "r": 1},
                         {"id": "p2", "s": 0.25, "src": "keybert", "m": "m", "r": 3}]
    finally:
        s.close()
