"""``--ai-only`` on the analyses and on novelty: the scoped analysis of a full store equals the plain analysis
of a store that holds only the AI documents (the same synthetic corpus, filtered before
loading). Both stores are real Kùzu stores; the rule label is computed by ``classify rule``."""

from __future__ import annotations

import pandas as pd
import pytest

from innograph.graph import schema
from innograph.graph.store import open_store
from innograph.loaders.records import Document, RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.pipeline import analyze as az
from innograph.pipeline.classify import classify_rule
from innograph.pipeline.ingest import ingest
from innograph.pipeline.scope import ai_keys


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    base = tmp_path_factory.mktemp("aionly")
    records, _ = synthetic_corpus(seed=3, n_papers=120, n_patents=100, n_flows=8, n_novel=2)
    full = open_store(str(base / "full.db"))
    ingest(full, records, RejectLog(None))
    classify_rule(full)
    ai = {lab: ai_keys(full, lab) for lab in schema.DOCUMENT_LABELS}
    assert 0 < len(ai[schema.PATENT]) < 100 and 0 < len(ai[schema.PAPER]) < 120, \
        "the corpus must mix AI and non-AI documents for this test to mean anything"
    kept = [r for r in records if not isinstance(r, Document)
            or r.id in ai[schema.PAPER if r.kind == "paper" else schema.PATENT]]
    only = open_store(str(base / "only.db"))
    ingest(only, kept, RejectLog(None))
    classify_rule(only)
    yield full, only, base
    full.close()
    only.close()


def _same(a: az.AnalysisResult, b: az.AnalysisResult, tables: list[str]) -> None:
    for name in tables:
        x, y = a.tables[name].reset_index(drop=True), b.tables[name].reset_index(drop=True)
        assert len(x) > 0, f"table {name} is empty: the comparison would prove nothing"
        pd.testing.assert_frame_equal(x, y, check_dtype=False, obj=name)


def test_cooccurrence_ai_only_equals_the_ai_store(stores):
    full, only, base = stores
    a = az.analyze_cooccurrence(full, of="keyword", per_year=False, out=base / "a1",
                                ai_only=True)
    b = az.analyze_cooccurrence(only, of="keyword", per_year=False, out=base / "b1")
    c = az.analyze_cooccurrence(full, of="keyword", per_year=False, out=base / "c1")
    assert a.summary["ai_only"] is True and c.summary["ai_only"] is False
    _same(a, b, [a.main])
    assert len(c.tables[c.main]) != len(a.tables[a.main]) or \
        not c.tables[c.main].equals(a.tables[a.main]), "scope changed nothing"


def test_cooperation_ai_only_equals_the_ai_store(stores):
    full, only, base = stores
    a = az.analyze_cooperation(full, by="region", out=base / "a2", ai_only=True)
    b = az.analyze_cooperation(only, by="region", out=base / "b2")
    _same(a, b, ["ranking"])
    assert a.summary["documents"] == b.summary["documents"] < \
        az.analyze_cooperation(full, by="region", out=base / "c2").summary["documents"]


def _novelty(store, label):
    t = store.read_table(f"MATCH (d:{label}) RETURN d.id AS id, d.novelty AS novelty")
    return dict(zip(t.column("id").to_pylist(), t.column("novelty").to_pylist()))


def test_novelty_ai_only_equals_the_ai_store(stores, tmp_path):
    from innograph.pipeline.novelty import fit_novelty, score_novelty

    full, only, _ = stores
    opts = dict(dims=4, seed=0, max_iter=60, verbose=False)
    fa = fit_novelty(full, out_dir=tmp_path / "a", ai_only=True, **opts)
    fb = fit_novelty(only, out_dir=tmp_path / "b", **opts)
    assert fa["ai_only"] and (fa["documents"], fa["keywords"]) == (fb["documents"], fb["keywords"])
    sa = score_novelty(full, model=tmp_path / "a", ai_only=True, max_single_use=None)
    sb = score_novelty(only, model=tmp_path / "b", max_single_use=None)
    assert sa["documents"] == sb["documents"] and sa["scored"] == sb["scored"] > 0
    for label in schema.DOCUMENT_LABELS:
        a, b = _novelty(full, label), _novelty(only, label)
        ai = ai_keys(full, label)
        assert set(b) == ai
        for k in a:
            if k in ai:
                assert (a[k] is None) == (b[k] is None) and (
                    a[k] is None or abs(a[k] - b[k]) < 1e-6), (label, k, a[k], b[k])
            else:
                assert a[k] is None, f"non-AI {label} {k} was scored under --ai-only"
