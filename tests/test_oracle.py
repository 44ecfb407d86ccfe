"""The oracle: every named query of ``innograph/cypher`` and every analysis of
``pipeline.analyze``, on the planted synthetic graph and on real shared data, compared
column by column with an independent computation.

The independent side reads the graph back in full with plain ``MATCH … RETURN`` (no
aggregation in the engine: Kùzu 0.11.3 has aggregation bugs, tests/test_kuzu_engine_bugs.py)
into pandas, and computes each table with pandas / networkx. Floats are compared with a
relative tolerance of 1e-9; NULL equals NULL and nothing else. Row order is checked against
each query's ORDER BY.

A new query in the library without an entry in ``ORACLES`` and ``CASES`` fails
``test_every_query_has_an_oracle``.
"""

from __future__ import annotations

import inspect
import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from innograph.graph import dialect, schema
from innograph.graph.store import Store, open_store
from innograph.loaders.arxiv import read_arxiv
from innograph.loaders.google_patents import read_google_patents
from innograph.loaders.records import RejectLog
from innograph.identity import normalize_keyword
from innograph.pipeline.classify import classify_rule
from innograph.pipeline.ingest import ingest
from innograph.pipeline.query import run_named_query

from .test_query_library import planted_query_store

# ============================================================================ graphs


def _edges(store: Store, rel: str, a: str, b: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        store.upsert_edges(rel, a, b, pa.Table.from_pylist(rows))


def build_planted(path: str | Path) -> Store:
    """The query tests' planted store, plus what makes the oracle's cases sharp:

    - ``index`` SIMILAR_TO edges beside the ``exact`` ones (some to the same patent, some to
      another), every score distinct;
    - KeyBERT HAS_KEYWORD edges doubling some input keywords (a document may carry a keyword
      twice, once per source) and adding new ones;
    - ``classify rule`` run (``ai_rule`` on every document), then a classifier label
      ``is_ai`` on every fifth document, set to the opposite of its rule label so that the
      final label (is_ai, else the rule) differs from both;
    - novelty on every third document only (the others NULL), from the query tests.

    ``path``: a Kùzu folder, or a Neo4j URL.
    """
    store, docs, truth, by_id, scores, _ = planted_query_store(str(path))
    papers = sorted(d.id for d in docs if d.kind == "paper")
    patents = sorted(d.id for d in docs if d.kind == "patent")
    rows = []
    for i, p in enumerate(papers[:40]):
        t = (truth.flows[p] if i % 2 == 0 and p in truth.flows
             else patents[(7 * i) % len(patents)])
        rows.append({"src": p, "dst": t, "score": 0.2 + i / 997, "rank": 1, "method": "index"})
    _edges(store, "SIMILAR_TO", "Paper", "Patent", rows)
    kw_rows: dict[str, list[dict[str, Any]]] = {"Paper": [], "Patent": []}
    for i, d in enumerate(docs):
        if i % 4 == 0 and d.keywords:  # the same keyword again, from KeyBERT
            kw_rows[d.label].append({"src": d.id, "dst": normalize_keyword(d.keywords[0]),
                                     "score": 0.5, "source": "keybert", "model": "m", "rank": 1})
        if i % 6 == 0:  # a keyword the document did not have
            other = docs[(i * 13 + 5) % len(docs)]
            if other.keywords:
                kw_rows[d.label].append({"src": d.id, "dst": normalize_keyword(other.keywords[-1]),
                                         "score": 0.4, "source": "keybert", "model": "m",
                                         "rank": 2})
    for label, rws in kw_rows.items():
        new = sorted({r["dst"] for r in rws} - set(
            store.read_table("MATCH (k:Keyword) RETURN k.name AS name").column("name").to_pylist()))
        if new:
            store.upsert_nodes("Keyword", pa.table({"name": new}))
        _edges(store, "HAS_KEYWORD", label, "Keyword", rws)
    classify_rule(store)
    for label in ("Paper", "Patent"):
        t = store.read_table(f"MATCH (d:{label}) RETURN d.id AS id, d.ai_rule AS r "
                             "ORDER BY id").to_pylist()
        pick = [r for i, r in enumerate(t) if i % 5 == 0]
        store.set_properties(label, pa.table({"id": [r["id"] for r in pick],
                                              "is_ai": pa.array([not r["r"] for r in pick],
                                                                pa.bool_())}))
    return store


def build_real(path: Path, shared_data: Path) -> Store:
    """Real shared data through the loaders: the Google Patents "neural network" and
    "baseball" sets and the arXiv 2023 listing with affiliations, then ``classify rule``.

    The real files carry no keywords, flows or novelty, so the test adds them, in ways that
    do not matter to the oracle (which reads whatever is stored): keywords = each title's
    lower-cased words of 7+ letters (input source), plus a KeyBERT copy of the first one on
    every third document; flows = each paper to the patent sharing most such words (ties by
    id), score the Jaccard overlap, method ``exact``, and every fourth paper a second
    ``index`` flow; novelty = a function of the title length on two documents in three.
    """
    store = open_store(str(path))
    rej = RejectLog(None)
    for name in ("google-patents-neural-network.csv", "google-patents-baseball.csv"):
        ingest(store, read_google_patents(shared_data / "patents" / name), rej)
    ingest(store, read_arxiv(shared_data / "papers" / "arxiv-2023-with-affiliations.csv"), rej)
    docs = {}
    for label in ("Paper", "Patent"):
        for r in store.read_table(f"MATCH (d:{label}) RETURN d.id AS id, d.title AS title "
                                  "ORDER BY id").to_pylist():
            words = sorted({w for w in (r["title"] or "").lower().replace("-", " ").split()
                            if len(w) >= 7 and w.isalpha()})
            docs[(label, r["id"])] = (words, len(r["title"] or ""))
    names = sorted({w for ws, _ in docs.values() for w in ws})
    store.upsert_nodes("Keyword", pa.table({"name": names}))
    for label in ("Paper", "Patent"):
        rows = []
        for i, ((lab, did), (ws, _)) in enumerate(docs.items()):
            if lab != label:
                continue
            rows += [{"src": did, "dst": w, "score": None, "source": "input", "model": None,
                      "rank": None} for w in ws]
            if ws and i % 3 == 0:
                rows.append({"src": did, "dst": ws[0], "score": 0.3, "source": "keybert",
                             "model": "m", "rank": 1})
        _edges(store, "HAS_KEYWORD", label, "Keyword", rows)
    pat = {did: set(ws) for (lab, did), (ws, _) in docs.items() if lab == "Patent" and ws}
    by_word: dict[str, list[str]] = {}
    for did, ws in pat.items():
        for w in ws:
            by_word.setdefault(w, []).append(did)
    sim = []
    for i, ((lab, did), (ws, _)) in enumerate(docs.items()):
        if lab != "Paper" or not ws:
            continue
        cand: dict[str, int] = {}
        for w in ws:
            for t in by_word.get(w, ()):
                cand[t] = cand.get(t, 0) + 1
        if not cand:
            continue
        ranked = sorted(cand, key=lambda t: (-cand[t], t))
        for method, t in (("exact", ranked[0]),) + ((("index", ranked[-1]),) if i % 4 == 0 else ()):
            score = cand[t] / len(set(ws) | pat[t]) + i * 1e-7  # distinct scores
            sim.append({"src": did, "dst": t, "score": score, "rank": 1, "method": method})
    _edges(store, "SIMILAR_TO", "Paper", "Patent", sim)
    for label in ("Paper", "Patent"):
        ids = [did for (lab, did), (_, n) in docs.items() if lab == label and n % 3]
        store.set_properties(label, pa.table({
            "id": ids, "novelty": [docs[(label, i)][1] / 7.0 for i in ids]}))
    classify_rule(store)
    return store


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    store = build_planted(tmp_path_factory.mktemp("oracle") / "planted.db")
    yield store
    store.close()


@pytest.fixture(scope="module")
def real(tmp_path_factory, shared_data):
    store = build_real(tmp_path_factory.mktemp("oracle") / "real.db", shared_data)
    yield store
    store.close()


# ====================================================================== read-back
@dataclass
class Snapshot:
    """The graph read back in full, one plain ``MATCH … RETURN`` per table."""

    docs: pd.DataFrame  # kind, id, title, year, is_ai, ai_rule, novelty, ai (final)
    sim: pd.DataFrame  # paper, patent, score, method
    kw: pd.DataFrame  # doc, keyword, source
    paff: pd.DataFrame  # paper, institution (id)
    inst: pd.DataFrame  # id, name, region
    loc: pd.DataFrame  # kind (Institution | Applicant | Author), src, country
    appl: pd.DataFrame  # applicant, patent
    applicant: pd.DataFrame  # id, name, region
    graph: nx.Graph  # every node and relationship, undirected (for paths)
    names: dict[Any, Any]  # graph node -> coalesce(name, id, code)


def _read(store: Store, q: str) -> pd.DataFrame:
    return store.read_table(q).to_pandas()


def read_back(store: Store) -> Snapshot:
    docs = pd.concat([_read(store, f"MATCH (d:{lab}) RETURN '{lab}' AS kind, d.id AS id, "
                                   "d.title AS title, d.year AS year, d.is_ai AS is_ai, "
                                   "d.ai_rule AS ai_rule, d.novelty AS novelty")
                      for lab in ("Paper", "Patent")], ignore_index=True)
    docs["ai"] = [schema.final_ai(a, b) for a, b in zip(docs["is_ai"], docs["ai_rule"])]
    docs["year"] = docs["year"].astype("Int64")
    sim = _read(store, "MATCH (p:Paper)-[s:SIMILAR_TO]->(t:Patent) RETURN p.id AS paper, "
                       "t.id AS patent, s.score AS score, s.method AS method")
    kw = pd.concat([_read(store, f"MATCH (d:{lab})-[h:HAS_KEYWORD]->(k:Keyword) RETURN d.id AS "
                                 "doc, k.name AS keyword, h.source AS source")
                    for lab in ("Paper", "Patent")], ignore_index=True)
    paff = _read(store, "MATCH (p:Paper)-[:AFFILIATED_WITH]->(i:Institution) "
                        "RETURN p.id AS paper, i.id AS institution")
    inst = _read(store, "MATCH (i:Institution) RETURN i.id AS id, i.name AS name, "
                        "i.region AS region")
    loc = pd.concat([_read(store, f"MATCH (a:{lab})-[:LOCATED_IN]->(c:Country) RETURN "
                                  f"'{lab}' AS kind, a.id AS src, c.code AS country")
                     for lab in ("Institution", "Applicant", "Author")], ignore_index=True)
    appl = _read(store, "MATCH (a:Applicant)-[:APPLIED_FOR]->(t:Patent) "
                        "RETURN a.id AS applicant, t.id AS patent")
    applicant = _read(store, "MATCH (a:Applicant) RETURN a.id AS id, a.name AS name, "
                             "a.region AS region")
    G = nx.Graph()
    names: dict[Any, Any] = {}
    for spec in schema.NODES.values():
        cols = [c for c in ("name", "id", "code") if c in spec.columns]
        f = _read(store, f"MATCH (n:{spec.label}) RETURN n.{spec.key} AS k, "
                  + ", ".join(f"n.{c} AS {c}" for c in cols))
        for r in f.to_dict("records"):
            G.add_node((spec.label, r["k"]))
            names[(spec.label, r["k"])] = next((r[c] for c in cols if r[c] is not None), None)
    for r in schema.RELS.values():
        for a, b in r.pairs:
            ka, kb = schema.node(a).key, schema.node(b).key
            e = _read(store, f"MATCH (x:{a})-[:{r.type}]->(y:{b}) RETURN x.{ka} AS x, y.{kb} AS y")
            G.add_edges_from(((a, x), (b, y)) for x, y in e.itertuples(index=False, name=None))
    return Snapshot(docs, sim, kw, paff, inst, loc, appl, applicant, G, names)


# ======================================================================= oracles
def _method(sim: pd.DataFrame, method: str) -> pd.DataFrame:
    return sim if method == "any" else sim[sim["method"] == method]


def _flows(s: Snapshot, method: str = "any") -> pd.DataFrame:
    """SIMILAR_TO edges with both years and the lag."""
    y = s.docs.set_index("id")["year"]
    f = _method(s.sim, method).copy()
    f["paper_year"] = f["paper"].map(y).astype("Int64")
    f["patent_year"] = f["patent"].map(y).astype("Int64")
    f["lag_years"] = f["patent_year"] - f["paper_year"]
    return f


def _mean(x: pd.Series) -> float | None:
    x = x.dropna()
    return float(x.astype(float).mean()) if len(x) else None


def o_documents_by_year(s: Snapshot, p: dict) -> pd.DataFrame:
    g = s.docs.groupby(["year", "kind"], dropna=False)
    ai_docs = g["ai"].agg(lambda v: sum(_norm(x) is True for x in v))
    out = pd.DataFrame({"docs": g.size(), "ai_docs": ai_docs}).reset_index()
    return out.sort_values(["year", "kind"])


def o_flow_paths(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s)
    f = f[(f["paper_year"] >= p["year_from"]) & (f["paper_year"] <= p["year_to"])]
    ai = s.docs.set_index("id")["ai"]
    if p["ai"]:
        f = f[[_norm(ai[x]) is (p["ai"] == "true") for x in f["paper"]]]
    if p["country"]:
        c = s.loc[s.loc["kind"] == "Institution"]
        insts = set(c.loc[c["country"] == p["country"], "src"])
        papers = set(s.paff.loc[s.paff["institution"].isin(insts), "paper"])
        f = f[f["paper"].isin(papers)]
    if p["institution"]:
        ids = set(s.inst.loc[s.inst["name"] == p["institution"], "id"])
        f = f[f["paper"].isin(set(s.paff.loc[s.paff["institution"].isin(ids), "paper"]))]
    if p["keyword"]:
        has = set(s.kw.loc[s.kw["keyword"] == p["keyword"], "doc"])
        f = f[f["paper"].isin(has) & f["patent"].isin(has)]
    f = f.sort_values(["score", "paper", "patent"], ascending=[False, True, True])
    return f[["paper", "paper_year", "patent", "patent_year", "lag_years", "score",
              "method"]].head(p["limit"])


def o_flows_by_ai_label(s: Snapshot, p: dict) -> pd.DataFrame:
    ai = s.docs.set_index("id")["ai"]
    f = _method(s.sim, p["method"]).copy()
    f["paper_is_ai"] = [_norm(ai[x]) for x in f["paper"]]
    f["patent_is_ai"] = [_norm(ai[x]) for x in f["patent"]]
    f["paper_is_ai"] = f["paper_is_ai"].astype(object)
    f["patent_is_ai"] = f["patent_is_ai"].astype(object)
    g = f.groupby(["paper_is_ai", "patent_is_ai"], dropna=False)
    out = pd.DataFrame({"flows": g.size(), "mean_score": g["score"].mean()}).reset_index()
    return out.sort_values("flows", ascending=False, kind="stable")


def o_flows_by_country(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s, p["method"])[["paper", "patent", "lag_years"]]
    f = f.drop_duplicates(["paper", "patent"])
    ic = s.loc[s.loc["kind"] == "Institution"][["src", "country"]]
    pc = s.paff.merge(ic, left_on="institution", right_on="src")[["paper", "country"]]
    ac = s.loc[s.loc["kind"] == "Applicant"][["src", "country"]]
    tc = s.appl.merge(ac, left_on="applicant", right_on="src")[["patent", "country"]]
    m = (f.merge(pc.rename(columns={"country": "paper_country"}), on="paper")
          .merge(tc.rename(columns={"country": "patent_country"}), on="patent")
          .drop_duplicates(["paper", "patent", "paper_country", "patent_country"]))
    g = m.groupby(["paper_country", "patent_country"])
    out = pd.DataFrame({"flows": g.size(),
                        "mean_lag_years": g["lag_years"].agg(_mean)}).reset_index()
    return out.sort_values(["flows", "paper_country", "patent_country"],
                           ascending=[False, True, True])


def o_flows_by_institution(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s, p["method"])
    m = f.merge(s.paff, on="paper").merge(s.inst, left_on="institution", right_on="id")
    g = m.groupby("institution")
    out = pd.DataFrame({"institution": g["name"].first(), "flows": g.size(),
                        "patents": g["patent"].nunique(),
                        "mean_lag_years": g["lag_years"].agg(_mean)}).reset_index(drop=True)
    out = out.sort_values(["flows", "institution"], ascending=[False, True])
    return out.head(p["limit"])


def o_flows_by_keyword(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s, p["method"])
    dk = s.kw[["doc", "keyword"]].drop_duplicates()
    m = (f.merge(dk.rename(columns={"doc": "paper"}), on="paper")
          .merge(dk.rename(columns={"doc": "patent"}), on=["patent", "keyword"]))
    g = m.groupby("keyword")
    out = pd.DataFrame({"flows": g.size(),
                        "mean_lag_years": g["lag_years"].agg(_mean)}).reset_index()
    out = out.sort_values(["flows", "keyword"], ascending=[False, True])
    return out.head(p["limit"])


def o_flows_by_year(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s, p["method"])
    f = f[f["score"] >= p["min_score"]]
    g = f.groupby("paper_year", dropna=False)
    out = pd.DataFrame({"flows": g.size(), "mean_lag_years": g["lag_years"].agg(_mean),
                        "mean_score": g["score"].mean()}).reset_index()
    return out.rename(columns={"paper_year": "year"}).sort_values("year")


def o_institution_path(s: Snapshot, p: dict) -> pd.DataFrame:
    a = [n for n in s.graph if n[0] == "Institution" and s.names[n] == p["from"]]
    b = [n for n in s.graph if n[0] == "Institution" and s.names[n] == p["to"]]
    best = None
    for x, y in itertools.product(a, b):
        try:
            d = nx.shortest_path_length(s.graph, x, y)
        except nx.NetworkXNoPath:
            continue
        if 1 <= d <= 8 and (best is None or d < best):
            best = d
    if best is None:
        return pd.DataFrame({"hops": pd.Series(dtype="Int64"), "path": pd.Series(dtype=object)})
    return pd.DataFrame({"hops": [best], "path": [None]})  # the path itself: _check_path


def o_keyword_bridges(s: Snapshot, p: dict) -> pd.DataFrame:
    dk = s.kw[["doc", "keyword"]].drop_duplicates().merge(
        s.docs[["id", "kind", "year"]], left_on="doc", right_on="id")
    side = {}
    for kind in ("Paper", "Patent"):
        g = dk[dk["kind"] == kind].groupby("keyword")
        side[kind] = pd.DataFrame({"n": g.size(), "first": g["year"].min()})
    m = side["Paper"].join(side["Patent"], lsuffix="_p", rsuffix="_t", how="inner")
    m = m[(m["n_p"] >= p["min_each"]) & (m["n_t"] >= p["min_each"])]
    out = pd.DataFrame({"keyword": m.index, "papers": m["n_p"].values, "patents": m["n_t"].values,
                        "bridge": np.minimum(m["n_p"].values, m["n_t"].values),
                        "first_paper_year": m["first_p"].values,
                        "first_patent_year": m["first_t"].values})
    return out.sort_values(["bridge", "keyword"], ascending=[False, True]).head(p["limit"])


def o_novelty_by_country(s: Snapshot, p: dict) -> pd.DataFrame:
    nov = s.docs.dropna(subset=["novelty"]).set_index("id")["novelty"]
    ic = s.loc[s.loc["kind"] == "Institution"][["src", "country"]]
    pc = s.paff.merge(ic, left_on="institution", right_on="src")[["paper", "country"]]
    ac = s.loc[s.loc["kind"] == "Applicant"][["src", "country"]]
    tc = s.appl.merge(ac, left_on="applicant", right_on="src")[["patent", "country"]]
    parts = []
    for kind, f, col in (("Paper", pc, "paper"), ("Patent", tc, "patent")):
        f = f[f[col].isin(nov.index)].drop_duplicates()
        f = f.assign(novelty=f[col].map(nov))
        g = f.groupby("country")
        o = pd.DataFrame({"kind": kind, "docs": g.size(), "mean_novelty": g["novelty"].mean(),
                          "max_novelty": g["novelty"].max()}).reset_index()
        parts.append(o.sort_values(["mean_novelty", "country"], ascending=[False, True]))
    return pd.concat(parts, ignore_index=True)[["country", "kind", "docs", "mean_novelty",
                                                "max_novelty"]]


def o_novelty_by_year(s: Snapshot, p: dict) -> pd.DataFrame:
    d = s.docs.dropna(subset=["novelty"])
    g = d.groupby(["year", "kind"], dropna=False)
    out = pd.DataFrame({"docs": g.size(), "mean_novelty": g["novelty"].mean(),
                        "min_novelty": g["novelty"].min(),
                        "max_novelty": g["novelty"].max()}).reset_index()
    return out.sort_values(["year", "kind"])


def o_shared_keywords(s: Snapshot, p: dict) -> pd.DataFrame:
    dk = s.kw[["doc", "keyword"]].drop_duplicates()
    mine = set(dk.loc[dk["doc"] == p["id"], "keyword"])
    o = dk[dk["keyword"].isin(mine) & (dk["doc"] != p["id"])]
    g = o.groupby("doc")
    out = pd.DataFrame({"shared": g.size(),
                        "keywords": g["keyword"].agg(lambda v: sorted(v))}).reset_index()
    meta = s.docs.set_index("id")
    out = pd.DataFrame({"kind": [meta.at[i, "kind"] for i in out["doc"]], "id": out["doc"],
                        "title": [meta.at[i, "title"] for i in out["doc"]],
                        "year": [meta.at[i, "year"] for i in out["doc"]],
                        "shared": out["shared"], "keywords": out["keywords"]})
    return out.sort_values(["shared", "id"], ascending=[False, True]).head(p["limit"])


def o_top_flows(s: Snapshot, p: dict) -> pd.DataFrame:
    f = _flows(s, p["method"])
    t = s.docs.set_index("id")["title"]
    f = f.assign(paper_title=f["paper"].map(t), patent_title=f["patent"].map(t))
    f = f.sort_values(["score", "paper"], ascending=[False, True]).head(p["k"])
    return f[["paper", "paper_title", "paper_year", "patent", "patent_title", "patent_year",
              "lag_years", "score"]]


def o_top_keywords_per_year(s: Snapshot, p: dict) -> pd.DataFrame:
    dk = s.kw[["doc", "keyword"]].drop_duplicates().merge(
        s.docs[["id", "kind", "year"]], left_on="doc", right_on="id")
    dk = dk.dropna(subset=["year"])
    g = dk.groupby(["year", "kind", "keyword"])
    out = g.size().rename("docs").reset_index()
    out = out[out["docs"] >= p["min_docs"]]
    return out.sort_values(["year", "kind", "docs", "keyword"],
                           ascending=[True, True, False, True])


ORACLES: dict[str, Callable[[Snapshot, dict], pd.DataFrame]] = {
    "documents_by_year": o_documents_by_year,
    "flow_paths": o_flow_paths,
    "flows_by_ai_label": o_flows_by_ai_label,
    "flows_by_country": o_flows_by_country,
    "flows_by_institution": o_flows_by_institution,
    "flows_by_keyword": o_flows_by_keyword,
    "flows_by_year": o_flows_by_year,
    "institution_path": o_institution_path,
    "keyword_bridges": o_keyword_bridges,
    "novelty_by_country": o_novelty_by_country,
    "novelty_by_year": o_novelty_by_year,
    "shared_keywords": o_shared_keywords,
    "top_flows": o_top_flows,
    "top_keywords_per_year": o_top_keywords_per_year,
}

#: The ORDER BY of each query: (columns, ascending); the rows must come in this order.
#: (novelty_by_country orders within each UNION part: checked per kind.)
ORDER: dict[str, tuple[list[str], list[bool]]] = {
    "documents_by_year": (["year", "kind"], [True, True]),
    "flow_paths": (["score", "paper", "patent"], [False, True, True]),
    "flows_by_ai_label": (["flows"], [False]),
    "flows_by_country": (["flows", "paper_country", "patent_country"], [False, True, True]),
    "flows_by_institution": (["flows", "institution"], [False, True]),
    "flows_by_keyword": (["flows", "keyword"], [False, True]),
    "flows_by_year": (["year"], [True]),
    "institution_path": ([], []),
    "keyword_bridges": (["bridge", "keyword"], [False, True]),
    "novelty_by_country": (["kind", "mean_novelty", "country"], [True, False, True]),
    "novelty_by_year": (["year", "kind"], [True, True]),
    "shared_keywords": (["shared", "id"], [False, True]),
    "top_flows": (["score", "paper"], [False, True]),
    "top_keywords_per_year": (["year", "kind", "docs", "keyword"], [True, True, False, True]),
}


# ===================================================================== comparison
def _is_null(v: Any) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return bool(isinstance(v, float) and math.isnan(v))
    except TypeError:
        return False


def _norm(v: Any) -> Any:
    """One comparable form: NULL → None, numpy scalars → Python, lists sorted."""
    if _is_null(v):
        return None
    if isinstance(v, (list, tuple, np.ndarray)):
        return sorted(_norm(x) for x in v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    return v


def _same(a: Any, b: Any) -> bool:
    a, b = _norm(a), _norm(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    return [tuple(_norm(v) for v in r) for r in df[columns].itertuples(index=False, name=None)]


def _sort_key(row: tuple) -> tuple:
    return tuple((v is None, str(type(v)), str(v) if isinstance(v, list) else v) for v in row)


def compare(name: str, got: pd.DataFrame, want: pd.DataFrame, columns: list[str],
            where: str = "") -> None:
    """Same columns, same rows (every value; floats to 1e-9; NULL = NULL), in ORDER BY order
    of query ``name``; ``where`` names the graph and parameters in messages."""
    where = f"{where} {name}"
    assert list(got.columns) == columns, f"{where}: columns {list(got.columns)} != {columns}"
    g, w = _rows(got, columns), _rows(want, columns)
    assert len(g) == len(w), f"{where}: {len(g)} rows, oracle {len(w)}"
    gs, ws = sorted(g, key=_sort_key), sorted(w, key=_sort_key)
    for rg, rw in zip(gs, ws):
        bad = [c for c, a, b in zip(columns, rg, rw) if not _same(a, b)]
        assert not bad, f"{where}: columns {bad} differ: got {rg}, oracle {rw}"
    cols, asc = ORDER[name]
    for i in range(1, len(g)):
        a, b = g[i - 1], g[i]
        for c, up in zip(cols, asc):
            x, y = a[columns.index(c)], b[columns.index(c)]
            if _same(x, y) or x is None or y is None:
                continue
            assert (x < y) if up else (x > y), f"{where}: rows {i - 1}, {i} out of ORDER BY {c}"
            break


# ========================================================================== cases
def _cases(s: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Parameter sets per query, chosen from the graph (a country, an institution, a keyword
    and a document that exist), each with every parameter filled (defaults from the header)."""
    f = _flows(s)
    some = f.sort_values(["score", "paper"], ascending=[False, True])
    paper = some["paper"].iloc[0] if len(some) else ""
    ic = s.loc[s.loc["kind"] == "Institution"]
    country = sorted(ic["country"])[0] if len(ic) else "XX"
    inst = (s.paff.merge(s.inst, left_on="institution", right_on="id")
            .merge(f[["paper"]], on="paper"))
    inst_name = sorted(inst["name"].dropna())[len(inst) // 2] if len(inst) else "none"
    dk = s.kw[["doc", "keyword"]].drop_duplicates()
    shared = f.merge(dk.rename(columns={"doc": "paper"}), on="paper").merge(
        dk.rename(columns={"doc": "patent"}), on=["patent", "keyword"])
    keyword = shared["keyword"].value_counts().index[0] if len(shared) else "none"
    busiest = dk["doc"].value_counts().index[0]
    yrs = sorted(f["paper_year"].dropna().unique())
    y0, y1 = (int(yrs[len(yrs) // 3]), int(yrs[2 * len(yrs) // 3])) if yrs else (0, 9999)
    insts = s.inst.merge(s.paff, left_on="id", right_on="institution")["name"].dropna()
    inames = sorted(set(insts))
    fp = {"year_from": 0, "year_to": 9999, "country": "", "institution": "", "keyword": "",
          "ai": "", "limit": 100000}
    return {
        "documents_by_year": [{}],
        "flow_paths": [fp, {**fp, "limit": 5}, {**fp, "year_from": y0, "year_to": y1},
                       {**fp, "country": country}, {**fp, "institution": inst_name},
                       {**fp, "keyword": keyword}, {**fp, "ai": "true"}, {**fp, "ai": "false"},
                       {**fp, "ai": "true", "year_from": y0, "country": country}],
        "flows_by_ai_label": [{"method": m} for m in ("any", "exact", "index")],
        "flows_by_country": [{"method": m} for m in ("any", "exact", "index")],
        "flows_by_institution": [{"method": "any", "limit": 100000},
                                 {"method": "exact", "limit": 7}],
        "flows_by_keyword": [{"method": "any", "limit": 100000},
                             {"method": "index", "limit": 100000}, {"method": "any", "limit": 3}],
        "flows_by_year": [{"method": m, "min_score": ms} for m in ("any", "exact", "index")
                          for ms in (-1.0, 0.3)],
        "institution_path": ([{"from": inames[0], "to": inames[-1], "max_hops": 8},
                              {"from": inames[1], "to": inames[len(inames) // 2], "max_hops": 8}]
                             if len(inames) > 2 else []),
        "keyword_bridges": [{"min_each": 1, "limit": 100000}, {"min_each": 2, "limit": 100000},
                            {"min_each": 1, "limit": 10}],
        "novelty_by_country": [{}],
        "novelty_by_year": [{}],
        "shared_keywords": [{"id": paper, "limit": 100000}, {"id": busiest, "limit": 100000},
                            {"id": busiest, "limit": 4}],
        "top_flows": [{"k": 100000, "method": "any"}, {"k": 5, "method": "exact"},
                      {"k": 5, "method": "index"}],
        "top_keywords_per_year": [{"min_docs": 1}, {"min_docs": 2}],
    }


def _no_tie_at_limit(name: str, full: pd.DataFrame, n: int) -> None:
    """A LIMIT case is only a fair comparison when the row at the cut is not tied."""
    cols, _ = ORDER[name]
    if len(full) > n > 0:
        a, b = full.iloc[n - 1][cols].tolist(), full.iloc[n][cols].tolist()
        assert [_norm(x) for x in a] != [_norm(x) for x in b], f"{name}: tie at LIMIT {n}"


def _check_path(s: Snapshot, row: dict[str, Any], p: dict[str, Any]) -> None:
    """The returned path: starts and ends at the two institutions, has hops+1 names, and
    each consecutive pair of names belongs to adjacent nodes of the graph."""
    path = row["path"]
    assert path[0] == p["from"] and path[-1] == p["to"] and len(path) == row["hops"] + 1
    by_name: dict[Any, list] = {}
    for n, nm in s.names.items():
        by_name.setdefault(nm, []).append(n)
    frontier = set(n for n in by_name[path[0]] if n[0] == "Institution")
    for nm in path[1:]:
        frontier = {m for m in by_name.get(nm, []) if any(s.graph.has_edge(f, m) for f in frontier)}
        assert frontier, f"institution_path: no edge reaches {nm!r} in {path}"


def run_oracle(store: Store, which: str) -> dict[str, int]:
    """Every query, every case, against the oracle; returns the rows compared per query.
    Every mismatch is collected, then all are reported in one failure."""
    s = read_back(store)
    lib = dialect.query_library()
    cases = _cases(s)
    compared: dict[str, int] = {}
    failures: list[str] = []
    for name, q in lib.items():
        for p in cases[name]:
            try:
                got = run_named_query(store, name, {k: str(v) for k, v in p.items()}).to_pandas()
                want = ORACLES[name](s, p)
                limit = p.get("limit", p.get("k"))
                if limit is not None:
                    _no_tie_at_limit(name, ORACLES[name](s, {**p, "limit": 10**9, "k": 10**9}),
                                     limit)
                if name == "institution_path":
                    assert len(got) == len(want), f"{which} {name} {p}: {got} vs {want}"
                    if len(got):
                        assert int(got["hops"].iloc[0]) == int(want["hops"].iloc[0]), (which, p)
                        _check_path(s, got.iloc[0].to_dict(), p)
                else:
                    compare(name, got, want, q.columns, f"{which} {p}")
            except AssertionError as e:
                failures.append(str(e).splitlines()[0])
                continue
            compared[name] = compared.get(name, 0) + len(got)
    assert not failures, "\n".join(failures)
    return compared


# ========================================================================== tests
def test_every_query_has_an_oracle():
    lib = dialect.query_library()
    assert set(lib) == set(ORACLES), (
        f"queries without an oracle: {sorted(set(lib) - set(ORACLES))}; "
        f"oracles without a query: {sorted(set(ORACLES) - set(lib))}")
    assert set(ORDER) == set(lib)


def test_every_query_matches_the_oracle_on_the_planted_graph(planted):
    compared = run_oracle(planted, "planted")
    # every query was compared on rows (an empty result proves little)
    empty = sorted(n for n, k in compared.items() if k == 0)
    assert not empty, f"no rows compared for {empty}"


def test_every_query_matches_the_oracle_on_real_data(real):
    compared = run_oracle(real, "real")
    # the real files have no applicants' countries: the country joins are empty there
    empty = sorted(n for n, k in compared.items() if k == 0)
    assert set(empty) <= {"flows_by_country", "novelty_by_country", "institution_path"}, empty


def test_after_classify_rule_only_the_ai_columns_use_the_rule_label(real):
    """The README's workflow gives only the rule label: the AI columns must show it."""
    s = read_back(real)
    assert s.docs["is_ai"].isna().all() and s.docs["ai_rule"].notna().all()
    n_ai = int(sum(_norm(v) is True for v in s.docs["ai"]))
    assert 0 < n_ai < len(s.docs)
    by_year = run_named_query(real, "documents_by_year").to_pandas()
    compare("documents_by_year", by_year, o_documents_by_year(s, {}),
            dialect.query_library()["documents_by_year"].columns, "real, rule only")
    assert int(by_year["ai_docs"].astype(int).sum()) == n_ai
    labels = run_named_query(real, "flows_by_ai_label").to_pandas()
    assert {_norm(v) for v in labels["paper_is_ai"]} == {True, False}
    ai_flows = run_named_query(real, "flow_paths", {"ai": "true", "limit": "100000"}).to_pandas()
    want = o_flow_paths(s, {"year_from": 0, "year_to": 9999, "country": "", "institution": "",
                            "keyword": "", "ai": "true", "limit": 100000})
    assert len(want) > 0
    compare("flow_paths", ai_flows, want, dialect.query_library()["flow_paths"].columns,
            "real, rule only, ai=true")


def test_documents_by_year_right_on_a_freshly_loaded_store(tmp_path, shared_data):
    """Issue 14: on the Google Patents set just loaded (no label at all), the counts per
    year were off by one in four years. Compared with the documents read back."""
    store = open_store(str(tmp_path / "g.db"))
    try:
        ingest(store, read_google_patents(
            shared_data / "patents" / "google-patents-neural-network.csv"), RejectLog(None))
        s = read_back(store)
        assert s.docs["is_ai"].isna().all() and s.docs["ai_rule"].isna().all()
        got = run_named_query(store, "documents_by_year").to_pandas()
        compare("documents_by_year", got, o_documents_by_year(s, {}),
                dialect.query_library()["documents_by_year"].columns, "fresh real")
        assert int(got["docs"].sum()) == 3522
    finally:
        store.close()


# ===================================================================== analyses
# The analyses of pipeline.analyze against the same read-back, computed here with pandas /
# networkx from the plain rows. Louvain communities depend on the algorithm's random order,
# so they are not recomputed: the oracle checks the modularity and the number of the
# communities the analysis reports, and everything else in full.


@dataclass
class More:
    """Rows the analyses need beyond ``Snapshot``."""

    authored: pd.DataFrame  # author, paper, position
    author_inst: pd.DataFrame  # author, institution
    paper_meta: pd.DataFrame  # id, cited, categories, venue, impact (null: no venue)


def read_more(store: Store) -> More:
    authored = _read(store, "MATCH (a:Author)-[r:AUTHORED]->(p:Paper) RETURN a.id AS author, "
                            "p.id AS paper, r.position AS position")
    author_inst = _read(store, "MATCH (a:Author)-[:AFFILIATED_WITH]->(i:Institution) "
                               "RETURN a.id AS author, i.id AS institution")
    meta = _read(store, "MATCH (p:Paper) RETURN p.id AS id, p.cited AS cited, "
                        "p.categories AS categories")
    venue = _read(store, "MATCH (p:Paper)-[:PUBLISHED_IN]->(v:Venue) RETURN p.id AS id, "
                         "v.name AS venue, v.impact AS impact")
    return More(authored, author_inst, meta.merge(venue, on="id", how="left"))


def _years(s: Snapshot) -> pd.Series:
    return s.docs.set_index("id")["year"]


def _actors(s: Snapshot, m: More, documents: str) -> pd.DataFrame:
    """document, year, actor: patents' applicants, or papers' institutions (their own
    affiliations and their authors')."""
    if documents == "patent":
        f = s.appl.rename(columns={"patent": "document", "applicant": "actor"})
    else:
        a = s.paff.rename(columns={"paper": "document", "institution": "actor"})
        b = m.authored.merge(m.author_inst, on="author").rename(
            columns={"paper": "document", "institution": "actor"})
        f = pd.concat([a, b[["document", "actor"]]]).drop_duplicates()
    f = f[["document", "actor"]].copy()
    f["year"] = f["document"].map(_years(s))
    return f


def _units(s: Snapshot, m: More, documents: str, by: str) -> pd.DataFrame:
    f = _actors(s, m, documents)
    if by == "region":
        reg = pd.concat([s.applicant[["id", "region"]], s.inst[["id", "region"]]])
        return f.merge(reg.rename(columns={"id": "actor", "region": "unit"}), on="actor",
                       how="left")
    c = s.loc[s.loc["kind"].isin(["Applicant", "Institution"])][["src", "country"]]
    return f.merge(c.rename(columns={"src": "actor", "country": "unit"}), on="actor",
                   how="left")


def _gini(x: np.ndarray) -> float:
    """Mean absolute difference / (2 · mean): the locational Gini, computed another way."""
    n, mu = len(x), x.mean() if len(x) else 0.0
    if n == 0 or mu == 0:
        return float("nan")
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * n * n * mu))


def check_cooperation(store: Store, s: Snapshot, m: More, by: str, documents: str,
                      tmp: Path) -> int:
    from innograph.pipeline.analyze import analyze_cooperation

    res = analyze_cooperation(store, by=by, documents=documents, out=tmp)
    f = _units(s, m, documents, by)
    n_act = f.groupby("document")["actor"].nunique()
    co = set(n_act[n_act >= 2].index)
    u = f.dropna(subset=["unit"])
    # per unit and year
    rows = []
    for (unit, year), g in u.dropna(subset=["year"]).groupby(["unit", "year"]):
        docs = set(g["document"])
        rows.append({"unit": unit, "year": int(year), "documents": len(docs),
                     "co_documents": len(docs & co), "degree": len(docs & co) / len(docs)})
    want = pd.DataFrame(rows, columns=["unit", "year", "documents", "co_documents", "degree"])
    got = res.tables["by_year"]
    _cmp_frames("cooperation by_year", got, want, ["unit", "year"])
    # ranking: per unit over all years, ranked; then the (all) row
    rows = []
    for unit, g in u.groupby("unit"):
        docs = set(g["document"])
        rows.append({"unit": unit, "documents": len(docs), "co_documents": len(docs & co),
                     "degree": len(docs & co) / len(docs)})
    want = pd.DataFrame(rows, columns=["unit", "documents", "co_documents", "degree"])
    want = want.sort_values(["degree", "documents", "unit"], ascending=[False, False, True])
    want.insert(0, "rank", range(1, len(want) + 1))
    alld = set(u["document"])
    total = pd.DataFrame([{"rank": None, "unit": "(all)", "documents": len(alld),
                           "co_documents": len(alld & co),
                           "degree": len(alld & co) / len(alld) if alld else None}])
    want = pd.concat([want, total], ignore_index=True) if len(want) else total
    got = res.tables["ranking"]
    _cmp_frames("cooperation ranking", got, want, ["unit"])
    assert got["unit"].tolist() == want["unit"].tolist(), "cooperation ranking order"
    # differences across units per year (co_documents; a unit without documents is 0)
    units = sorted(u["unit"].unique(), key=str)
    years = sorted(int(y) for y in u["year"].dropna().unique())
    rows = []
    for y in years:
        x = np.array([len(set(u[(u["unit"] == un) & (u["year"] == y)]["document"]) & co)
                      for un in units], dtype=float)
        std = float(np.std(x, ddof=1)) if len(x) > 1 else float("nan")
        rows.append({"year": y, "n_units": len(x), "total": x.sum(), "mean": x.mean(),
                     "range": x.max() - x.min(), "std": std,
                     "cv": std / x.mean() if x.mean() else float("nan"), "gini": _gini(x)})
    want = pd.DataFrame(rows, columns=["year", "n_units", "total", "mean", "range", "std",
                                       "cv", "gini"])
    _cmp_frames("cooperation differences", res.tables["differences"], want, ["year"])
    return len(res.tables["by_year"])


def _cmp_frames(what: str, got: pd.DataFrame, want: pd.DataFrame, keys: list[str],
                columns: list[str] | None = None) -> None:
    """Every column of ``want`` (or ``columns``) equal in ``got``, rows matched on ``keys``."""
    cols = columns or list(want.columns)
    assert len(got) == len(want), f"{what}: {len(got)} rows, oracle {len(want)}\n{got}\n{want}"
    g = {tuple(_norm(v) for v in k): r for k, r in zip(
        got[keys].itertuples(index=False, name=None), got[cols].itertuples(index=False, name=None))}
    for k, r in zip(want[keys].itertuples(index=False, name=None),
                    want[cols].itertuples(index=False, name=None)):
        k = tuple(_norm(v) for v in k)
        assert k in g, f"{what}: row {k} missing"
        bad = [c for c, a, b in zip(cols, g[k], r) if not _same(a, b)]
        assert not bad, f"{what} {k}: columns {bad} differ: got {g[k]}, oracle {r}"


def _clique_graph(f: pd.DataFrame, item: str) -> nx.Graph:
    """Weighted graph from (document, item) rows: an edge per pair of items sharing a
    document, weight = shared documents; node attribute ``documents``."""
    f = f[["document", item]].dropna().drop_duplicates()
    G = nx.Graph()
    for it, g in f.groupby(item):
        G.add_node(it, documents=g["document"].nunique())
    for _, g in f.groupby("document"):
        for a, b in itertools.combinations(sorted(set(g[item]), key=str), 2):
            w = G.get_edge_data(a, b, {"weight": 0})["weight"]
            G.add_edge(a, b, weight=w + 1)
    return G


def _burt_effective_size(G: nx.Graph) -> dict[Any, float]:
    """Burt's weighted effective size, written out: e(u) = sum over neighbours v of
    1 - sum_w p_uw m_vw, p_uw = w_uw / sum_x w_ux, m_vw = w_vw / max_x w_vx (nan when
    isolated). (networkx 3.6's whole-graph weighted path has a bug; see analytics.)"""
    w = {u: {v: float(d["weight"]) for v, d in G[u].items() if v != u} for u in G}
    out = {}
    for u in G:
        tot = sum(w[u].values())
        if not tot:
            out[u] = float("nan")
            continue
        e = 0.0
        for v in w[u]:
            mx = max(w[v].values())
            e += 1 - sum(w[u][x] / tot * w[v].get(x, 0.0) / mx for x in w[u] if x != v)
        out[u] = e
    return out


def check_network(store: Store, s: Snapshot, m: More, nodes: str, tmp: Path) -> int:
    from innograph.pipeline.analyze import analyze_network

    res = analyze_network(store, nodes=nodes, out=tmp)
    documents = "paper" if nodes == "institution" else "patent"
    f = _actors(s, m, documents)
    G = _clique_graph(f, "actor")
    nd = res.tables["nodes"]
    comms = [set(g["node"]) for _, g in nd.groupby("community")]
    n, e = G.number_of_nodes(), G.number_of_edges()
    want = {"documents": f["document"].nunique(), "nodes": n, "edges": e,
            "density": 2 * e / (n * (n - 1)) if n > 1 else float("nan"),
            "components": nx.number_connected_components(G),
            "largest_component": max((len(c) for c in nx.connected_components(G)), default=0),
            "communities": len(comms),
            "modularity": nx.community.modularity(G, comms, weight="weight") if e else None,
            "total_weight": float(sum(d["weight"] for *_, d in G.edges(data=True)))}
    got = res.tables["summary"].iloc[0].to_dict()
    bad = {k: (got[k], v) for k, v in want.items() if not _same(got[k], v)}
    assert not bad, f"network summary differs: {bad}"
    assert sorted(set().union(*comms), key=str) == sorted(G, key=str)
    name = dict(zip(pd.concat([s.applicant["id"], s.inst["id"]]),
                    pd.concat([s.applicant["name"], s.inst["name"]])))
    rows = []
    bc, cl = nx.betweenness_centrality(G), nx.closeness_centrality(G)
    es, cs = _burt_effective_size(G), nx.constraint(G, weight="weight")
    for u in G:
        rows.append({"node": u, "documents": G.nodes[u]["documents"], "name": name.get(u),
                     "degree": G.degree(u), "strength": G.degree(u, weight="weight"),
                     "degree_centrality": G.degree(u) / (n - 1) if n > 1 else 1.0,
                     "betweenness": bc[u], "closeness": cl[u], "effective_size": es[u],
                     "constraint": cs[u]})
    want_nodes = pd.DataFrame(rows)
    _cmp_frames(f"network {nodes} nodes", nd, want_nodes, ["node"])
    assert nd["strength"].is_monotonic_decreasing
    return len(nd)


def _paper_countries(s: Snapshot, m: More) -> pd.DataFrame:
    """document, country, position: institutions' countries (no position), the authors'
    institutions' countries and the authors' own countries (with their position)."""
    ic = s.loc[s.loc["kind"] == "Institution"][["src", "country"]].rename(columns={"src": "i"})
    ac = s.loc[s.loc["kind"] == "Author"][["src", "country"]].rename(columns={"src": "author"})
    a = s.paff.merge(ic, left_on="institution", right_on="i")[["paper", "country"]]
    a["position"] = np.nan
    b = (m.authored.merge(m.author_inst, on="author")
         .merge(ic, left_on="institution", right_on="i")[["paper", "country", "position"]])
    c = m.authored.merge(ac, on="author")[["paper", "country", "position"]]
    f = pd.concat([a, b, c], ignore_index=True).rename(columns={"paper": "document"})
    f["position"] = pd.to_numeric(f["position"], errors="coerce")
    return f.drop_duplicates()


def check_countries(store: Store, s: Snapshot, m: More, tmp: Path) -> int:
    from innograph.pipeline.analyze import analyze_countries, load_population

    # countries from the graph's LOCATED_IN edges; where the analysis can also parse them
    # from affiliation text (issue 16), that parser is not re-implemented here
    opts = ({"countries": "graph"}
            if "countries" in inspect.signature(analyze_countries).parameters else {})
    res = analyze_countries(store, out=tmp, top=None, topics="keyword", top_topics=1000, **opts)
    pc = _paper_countries(s, m)
    pop = load_population()
    popmap = dict(zip(pop["code"].astype(str).str.upper(), pop["population"].astype(float)))
    meta = m.paper_meta.drop_duplicates("id").set_index("id")
    rows = []
    for c, g in pc.groupby("country"):
        docs = sorted(set(g["document"]))
        cited = meta.loc[docs, "cited"].dropna().astype(float)
        imp = meta.loc[docs, "impact"].dropna().astype(float)
        p = popmap.get(str(c).upper(), float("nan"))
        rows.append({"country": c, "documents": len(docs), "population": p,
                     "per_million": len(docs) / p * 1e6,
                     "mean_cited": cited.mean() if len(cited) else float("nan"),
                     "mean_impact": imp.mean() if len(imp) else float("nan")})
    want = pd.DataFrame(rows, columns=["country", "documents", "population", "per_million",
                                       "mean_cited", "mean_impact"])

    def mm(x: pd.Series) -> pd.Series:
        lo, hi = x.min(), x.max()
        return (x - lo) / (hi - lo) if hi > lo else x * float("nan")

    want["cited_norm"], want["impact_norm"] = mm(want["mean_cited"]), mm(want["mean_impact"])
    want["z"] = 0.5 * want["cited_norm"] + 0.5 * want["impact_norm"]
    want = want.sort_values(["documents", "country"], ascending=[False, True])
    want["rank"] = range(1, len(want) + 1)
    got = res.tables["countries"]
    _cmp_frames("countries", got, want, ["country"])
    assert got["country"].tolist() == want["country"].tolist()
    # co-authorship flows: first author's countries -> every other country on the paper
    first = pc.dropna(subset=["position"]).groupby("document")["position"].min()
    f = pc[pc["document"].isin(first.index)]
    is_first = f["position"].eq(f["document"].map(first))
    src = f[is_first][["document", "country"]].drop_duplicates()
    tgt = f[~is_first][["document", "country"]].drop_duplicates()
    rows = []
    for (sc, tc), g in src.merge(tgt, on="document", suffixes=("_s", "_t")).groupby(
            ["country_s", "country_t"]):
        if sc != tc:
            n_src = src[src["country"] == sc]["document"].nunique()
            rows.append({"source": sc, "target": tc, "documents": g["document"].nunique(),
                         "source_documents": n_src, "share": g["document"].nunique() / n_src})
    want = pd.DataFrame(rows, columns=["source", "target", "documents", "source_documents",
                                       "share"])
    _cmp_frames("countries flows", res.tables["flows"], want, ["source", "target"])
    # topic shares (every keyword: top_topics above the number of keywords)
    kw = s.kw[["doc", "keyword"]].drop_duplicates().rename(columns={"doc": "document"})
    pcd = pc[["document", "country"]].drop_duplicates()
    n_c = pcd.groupby("country")["document"].nunique()
    t = pcd.merge(kw, on="document")
    want = t.groupby(["country", "keyword"])["document"].nunique().rename("documents").reset_index()
    want = want.rename(columns={"keyword": "topic"})
    want["country_documents"] = want["country"].map(n_c)
    want["share"] = want["documents"] / want["country_documents"]
    _cmp_frames("countries topics", res.tables["topics"], want, ["country", "topic"])
    if "patents" in res.tables:  # the patent side and the lists (issue 16)
        _check_country_lists(res.tables, s, m, pc, popmap)
    return len(got)


def _check_country_lists(tables: dict[str, pd.DataFrame], s: Snapshot, m: More,
                         pc: pd.DataFrame, popmap: dict[str, float]) -> None:
    """patents per applicant country, the top 30 holders, the country-year series, the top
    30 journals and institutions (the part of an institution's country parsed from its name,
    where the graph has none, is not re-implemented: only graph countries are compared)."""
    ac = s.loc[s.loc["kind"] == "Applicant"][["src", "country"]]
    tc = s.appl.merge(ac, left_on="applicant", right_on="src")[["patent", "country"]]
    rows = [{"country": c, "documents": g["patent"].nunique(),
             "population": popmap.get(str(c).upper(), float("nan"))}
            for c, g in tc.groupby("country")]
    want = pd.DataFrame(rows, columns=["country", "documents", "population"])
    want["per_million"] = want["documents"] / want["population"] * 1e6
    want = want.sort_values(["documents", "country"], ascending=[False, True])
    want["rank"] = range(1, len(want) + 1)
    got = tables["patents"]
    _cmp_frames("countries patents", got, want, ["country"])
    assert got["country"].tolist() == want["country"].tolist()
    names = s.applicant.set_index("id")["name"]
    h = s.appl.groupby("applicant")["patent"].nunique().rename("patents").reset_index()
    h["name"] = h["applicant"].map(names)
    h["country"] = h["applicant"].map(
        ac.groupby("src")["country"].agg(lambda v: ";".join(sorted(set(v)))))
    h = h.sort_values(["patents", "name", "applicant"], ascending=[False, True, True]).head(30)
    h = h.rename(columns={"applicant": "actor"})
    h["rank"] = range(1, len(h) + 1)
    _cmp_frames("countries holders", tables["holders"], h, ["actor"])
    assert tables["holders"]["actor"].tolist() == h["actor"].tolist()
    years = _years(s)
    parts = []
    for kind, f in (("paper", pc.rename(columns={"document": "d"})),
                    ("patent", tc.rename(columns={"patent": "d"}))):
        f = f[["d", "country"]].drop_duplicates().assign(year=lambda x: x["d"].map(years))
        f = f.dropna(subset=["year"])
        g = f.groupby(["country", "year"])["d"].nunique().rename("documents").reset_index()
        parts.append(g.assign(kind=kind))
    want = pd.concat(parts, ignore_index=True)
    _cmp_frames("countries years", tables["years"], want, ["kind", "country", "year"])
    pv = m.paper_meta.dropna(subset=["venue"])
    j = pv.groupby("venue").agg(papers=("id", "nunique"), impact=("impact", "first"))
    j = j.reset_index().sort_values(["papers", "venue"], ascending=[False, True]).head(30)
    j["rank"] = range(1, len(j) + 1)
    _cmp_frames("countries journals", tables["journals"], j, ["venue"])
    f = _actors(s, m, "paper")
    inst = f.groupby("actor")["document"].nunique().rename("papers").reset_index()
    inst["name"] = inst["actor"].map(s.inst.set_index("id")["name"])
    inst = inst.sort_values(["papers", "name", "actor"], ascending=[False, True, True]).head(30)
    inst = inst.rename(columns={"actor": "institution"})
    inst["rank"] = range(1, len(inst) + 1)
    got = tables["institutions"]
    _cmp_frames("countries institutions", got, inst, ["institution"],
                ["rank", "institution", "name", "papers"])
    ic = (s.loc[s.loc["kind"] == "Institution"].groupby("src")["country"]
          .agg(lambda v: ";".join(sorted(set(v)))))
    for i, c in zip(got["institution"], got["country"]):
        if i in ic.index:
            assert c == ic[i], f"countries institutions {i}: country {c}, graph {ic[i]}"


def check_cooccurrence(store: Store, s: Snapshot, tmp: Path, max_terms: int | None) -> int:
    from innograph.pipeline.analyze import analyze_cooccurrence

    res = analyze_cooccurrence(store, of="keyword", out=tmp, max_terms=max_terms, top=5)
    assert (tmp / "cooccurrence_keyword.png").exists()
    kw = (s.kw[["doc", "keyword"]].drop_duplicates()
          .rename(columns={"doc": "document", "keyword": "term"}))
    kw["year"] = kw["document"].map(_years(s))
    periods = [("all", kw)] + [(str(int(y)), kw[kw["year"] == y])
                               for y in sorted(kw["year"].dropna().unique())]
    summary, clusters = res.tables["summary"], res.tables["clusters"]
    top = res.tables["top_terms"]
    n_rows = 0
    for label, f in periods:
        docs = f["document"].nunique()
        if max_terms is not None:  # the most frequent terms of the period, ties by name
            n = f.groupby("term")["document"].nunique()
            keep = sorted(n.index, key=lambda t: (-n[t], str(t)))[:max_terms]
            f = f[f["term"].isin(keep)]
        G = _clique_graph(f, "term")
        cl = clusters[clusters["period"] == label]
        comms = [set(g["term"]) for _, g in cl.groupby("cluster")]
        want = {"documents": docs, "terms": G.number_of_nodes(),
                "edges": G.number_of_edges(), "clusters": len(comms),
                "modularity": (nx.community.modularity(G, comms, weight="weight")
                               if G.number_of_edges() else None)}
        got = summary[summary["period"] == label].iloc[0].to_dict()
        bad = {k: (got[k], v) for k, v in want.items() if not _same(got[k], v)}
        assert not bad, f"cooccurrence summary {label}: {bad}"
        wt = pd.DataFrame([{"term": t, "count": G.nodes[t]["documents"],
                            "strength": G.degree(t, weight="weight")} for t in G])
        _cmp_frames(f"cooccurrence clusters {label}", cl, wt, ["term"])
        # the top terms of each cluster: the first 5 by count, strength, name
        for c, g in cl.groupby("cluster"):
            w = g.assign(_t=g["term"].astype(str)).sort_values(
                ["count", "strength", "_t"], ascending=[False, False, True]).head(5)
            tp = top[(top["period"] == label) & (top["cluster"] == c)].sort_values("rank")
            assert tp["term"].tolist() == w["term"].tolist(), (label, c)
            assert tp["count"].tolist() == w["count"].tolist(), (label, c)
        if label == "all":
            e = pd.DataFrame([{"source": min(a, b, key=str), "target": max(a, b, key=str),
                               "weight": d["weight"]} for a, b, d in G.edges(data=True)],
                             columns=["source", "target", "weight"])
            ge = res.tables["edges"].copy()
            ge[["source", "target"]] = [sorted((a, b), key=str)
                                        for a, b in zip(ge["source"], ge["target"])]
            _cmp_frames("cooccurrence edges", ge, e, ["source", "target"])
        n_rows += len(cl)
    return n_rows


def run_analyses(store: Store, tmp: Path, real_data: bool) -> dict[str, int]:
    s, m = read_back(store), read_more(store)
    out = {}
    if real_data:  # arXiv papers: institutions and their countries; patents have none
        out["cooperation"] = check_cooperation(store, s, m, "country", "paper", tmp / "c1")
        out["network"] = check_network(store, s, m, "institution", tmp / "n1")
    else:
        out["cooperation"] = (check_cooperation(store, s, m, "region", "patent", tmp / "c1")
                              + check_cooperation(store, s, m, "country", "paper", tmp / "c2"))
        out["network"] = (check_network(store, s, m, "applicant", tmp / "n1")
                          + check_network(store, s, m, "institution", tmp / "n2"))
    out["countries"] = check_countries(store, s, m, tmp / "k")
    # all terms on the planted graph; the default 100 most frequent per period on real data
    out["cooccurrence"] = check_cooccurrence(store, s, tmp / "o", 100 if real_data else None)
    return out


def test_every_analysis_has_an_oracle():
    from innograph.pipeline import analyze

    have = {n[len("analyze_"):] for n in dir(analyze)
            if n.startswith("analyze_") and callable(getattr(analyze, n))}
    checked = {"cooperation", "network", "countries", "cooccurrence"}
    assert have == checked, f"analyses without an oracle here: {sorted(have - checked)}"


def test_every_analysis_matches_the_oracle_on_the_planted_graph(planted, tmp_path):
    got = run_analyses(planted, tmp_path, real_data=False)
    assert all(v > 0 for v in got.values()), got


def test_every_analysis_matches_the_oracle_on_real_data(real, tmp_path):
    got = run_analyses(real, tmp_path, real_data=True)
    # the real files name institutions but no country or region: cooperation and countries
    # are empty there (and must be, as the oracle says); the other two have rows
    assert got["network"] > 0 and got["cooccurrence"] > 0, got


def test_cooccurrence_figure_with_isolated_terms(tmp_path):
    """Issue 14: ``analyze cooccurrence --of keyword`` crashed (KeyError in _draw_graph) when
    a term of the figure co-occurs with nothing: the layout leaves isolated terms out, and
    their labels must go with them. Tables and figure written, tables match the oracle."""
    from innograph.loaders.records import Document

    docs = [Document("paper", "A", "a", year=2020, keywords=["alpha", "beta"]),
            Document("paper", "B", "b", year=2020, keywords=["alpha", "beta", "delta"]),
            Document("patent", "C", "c", year=2021, keywords=["object detection"]),
            Document("patent", "D", "d", year=2021, keywords=["delta", "alpha"])]
    store = open_store(str(tmp_path / "g.db"))
    try:
        ingest(store, docs, RejectLog(None))
        s = read_back(store)
        assert check_cooccurrence(store, s, tmp_path / "out", None) > 0
        assert (tmp_path / "out" / "cooccurrence_keyword.png").stat().st_size > 0
    finally:
        store.close()


@pytest.mark.skipif(not os.environ.get("INNOGRAPH_TEST_NEO4J"),
                    reason="no live Neo4j: set INNOGRAPH_TEST_NEO4J (an EMPTY throwaway "
                           "database; credentials as for --db) to run the oracle on Neo4j")
def test_every_query_matches_the_oracle_on_neo4j():
    """The same oracle on a live Neo4j server (the named queries' @neo4j variants). The
    database must be empty: the test writes the planted graph into it and leaves it."""
    store = open_store(os.environ["INNOGRAPH_TEST_NEO4J"])
    try:
        assert not any(store.stats().values()), "INNOGRAPH_TEST_NEO4J is not empty"
        store.close()
        store = build_planted(os.environ["INNOGRAPH_TEST_NEO4J"])
        compared = run_oracle(store, "neo4j")
        assert all(v > 0 for v in compared.values()), compared
    finally:
        store.close()
