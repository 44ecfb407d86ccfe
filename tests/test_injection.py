"""Names, titles and keywords with Cypher-looking text reach the store unchanged and never
alter a query (property-based, with hypothesis)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from innograph.graph.store import open_store
from innograph.loaders.records import Document, Org, Person, RejectLog
from innograph.identity import name_key, normalize_keyword, normalize_name
from innograph.pipeline.ingest import ingest

NASTY = ["'", '"', "`", "{", "}", "//", "/*", "*/", "DETACH DELETE", "$x", "\\", ";", ")", "(",
         "MATCH (n) DETACH DELETE n", "\n", "\u00e9", "\u4e2d", "--", "RETURN 1"]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=6)),
                      min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() and "\x00" not in s)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = open_store(str(tmp_path_factory.mktemp("inj") / "g.db"))
    yield s
    s.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=nasty_text, name=nasty_text, keyword=nasty_text, doc_id=nasty_text)
def test_nasty_values_round_trip_unchanged(store, title, name, keyword, doc_id):
    for label in ("Paper", "Patent", "Keyword", "Applicant", "Author"):
        store._conn.execute(f"MATCH (n:{label}) DETACH DELETE n")
    if True:
        ingest(store, [Document(kind="paper", id="guard", title="guard")], RejectLog(None))
        d = Document(kind="patent", id=doc_id, title=title, keywords=[keyword],
                     applicants=[Org(name=name)], authors=[Person(name=name)])
        ingest(store, [d], RejectLog(None))
        got = store.read_table("MATCH (p:Patent) RETURN p.id AS id, p.title AS t").to_pylist()
        assert got == [{"id": doc_id, "t": title}]
        kw = normalize_keyword(keyword)
        kws = store.read_table("MATCH (:Patent)-[:HAS_KEYWORD]->(k:Keyword) RETURN k.name").column(0).to_pylist()
        assert kws == ([kw] if kw else [])
        apps = store.read_table("MATCH (a:Applicant) RETURN a.name").column(0).to_pylist()
        assert apps == ([normalize_name(name)] if name_key(name) else [])
        # the unrelated node survived whatever the values said
        assert store.read_table("MATCH (p:Paper) RETURN p.id").column(0).to_pylist() == ["guard"]
        # a value used as a query parameter finds exactly its node
        r = store.read_table("MATCH (p:Patent) WHERE p.id = $id RETURN count(p)", {"id": doc_id})
        assert r.column(0).to_pylist() == [1]
        store.set_properties("Patent", pa.table({"id": [doc_id], "abstract": [title]}))
        r = store.read_table("MATCH (p:Patent) RETURN p.abstract").column(0).to_pylist()
        assert r == [title]
