"""``models.classify.consensus`` (BERT_inner's set by the paper's four rules) and
``models.classify.stages`` (Table 4 / Fig. 3 against expert labels): hand-computed small
cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from innograph.models.classify import consensus as cs
from innograph.models.classify import stages as stg

T, F, N = True, False, None


def test_the_four_rules_by_hand():
    #         rule llm outer       expected rule           label
    cases = [(T, T, N, cs.AI_RULE_LLM, T),
             (T, T, F, cs.AI_RULE_LLM, T),        # outer does not matter for rule 1
             (F, T, T, cs.AI_LLM_OUTER, T),
             (F, T, F, cs.NON_AI_RULE_OUTER, F),  # literal: the LLM is not asked
             (F, N, F, cs.NON_AI_RULE_OUTER, F),
             (T, F, F, cs.NON_AI_LLM_OUTER, F),
             (T, F, T, None, F),                  # rule AI, LLM non-AI, outer AI: no rule
             (F, F, T, None, F),
             (F, T, N, None, F),                  # needs outer
             (N, T, T, None, F),                  # no rule label
             (T, N, F, None, F)]
    by, lab = cs.consensus_labels([c[0] for c in cases], [c[1] for c in cases],
                                  [c[2] for c in cases])
    assert by.tolist() == [c[3] for c in cases]
    assert lab.tolist() == [c[4] for c in cases]
    by2, _ = cs.consensus_labels([c[0] for c in cases], [c[1] for c in cases],
                                 [c[2] for c in cases], llm_veto=True)
    assert by2[3] is None and by2[4] == cs.NON_AI_RULE_OUTER


def test_balance_by_stratum_and_cap():
    # stratum G: 6 AI, 2 non-AI -> 2+2 ; H: 1 AI, 5 non-AI -> 1+1 ; A: only AI -> 0
    y = [T] * 6 + [F] * 2 + [T] + [F] * 5 + [T] * 3
    st = ["G"] * 8 + ["H"] * 6 + ["A"] * 3
    idx = cs.balance_by_stratum(y, st, seed=1)
    ya, sa = np.asarray(y)[idx], np.asarray(st)[idx]
    assert sum(ya & (sa == "G")) == 2 and sum(~ya & (sa == "G")) == 2
    assert sum(ya & (sa == "H")) == 1 and sum(~ya & (sa == "H")) == 1
    assert "A" not in set(sa)
    # cap 2 per class: G's 2 and H's 1 scale to 4/3 and 2/3 -> floors 1, 0; remainders give H
    idx = cs.balance_by_stratum(y, st, max_per_class=2, seed=1)
    assert len(idx) == 4 and sum(np.asarray(y)[idx]) == 2


def test_build_training_set_is_balanced_split_8_1_1_and_records_the_rule():
    rng = np.random.default_rng(0)
    n = 2000
    rule = rng.random(n) < 0.4
    llm = np.where(rng.random(n) < 0.7, rule ^ (rng.random(n) < 0.1), None)
    outer = rule ^ (rng.random(n) < 0.15)
    strata = rng.choice(list("ABGH"), n)
    out = cs.build_training_set(rule.tolist(), llm.tolist(), outer.tolist(), strata, seed=3)
    by, lab = cs.consensus_labels(rule.tolist(), llm.tolist(), outer.tolist())
    assert np.all(out["admitted_by"] == by[out["index"]])
    assert np.all(out["label"] == lab[out["index"]])
    for s in "ABGH":  # balanced inside every stratum, as large as the smaller class
        m = out["stratum"] == s
        adm = (strata == s) & (by != None)  # noqa: E711
        assert out["label"][m].sum() == (~out["label"][m]).sum() == min(
            int((lab & adm).sum()), int((~lab & adm).sum()))
    c = out["counts"]
    assert sum(c["chosen"].values()) == out["index"].size
    assert c["candidates"] == {r: int((by == r).sum()) for r in cs.RULES}
    tot = out["index"].size
    sizes = [sum(c["splits"][s].values()) for s in cs.SPLITS]
    assert sum(sizes) == tot
    assert abs(sizes[0] - 0.8 * tot) <= 8 and abs(sizes[1] - 0.1 * tot) <= 8
    for s in cs.SPLITS:  # each split balanced up to rounding
        assert abs(c["splits"][s]["ai"] - c["splits"][s]["non_ai"]) <= 4


def test_table4_by_hand():
    expert = [T, T, T, F, F, F, F, N]
    rule = [T, T, F, T, F, F, F, T]     # TP 2, FN 1, FP 1, TN 3
    llm = [T, N, T, F, F, N, F, F]      # 5 labelled: TP 2, TN 3
    t = stg.table4(expert, {"rule": rule, "llm": llm})
    r = t[t["process"] == "rule"].set_index("class")
    assert r["overall_accuracy"].iloc[0] == pytest.approx(5 / 7) and r["n"].iloc[0] == 7
    assert r.loc["AI", "precision"] == pytest.approx(2 / 3)
    assert r.loc["AI", "recall"] == pytest.approx(2 / 3)
    assert r.loc["Non-AI", "precision"] == pytest.approx(3 / 4)
    assert r.loc["Non-AI", "recall"] == pytest.approx(3 / 4)
    assert r.loc["Non-AI", "f1"] == pytest.approx(0.75) and r.loc["AI", "support"] == 3
    l_ = t[t["process"] == "llm"].set_index("class")
    assert l_["n"].iloc[0] == 5 and l_["overall_accuracy"].iloc[0] == 1.0
    assert list(t["class"][:2]) == ["Non-AI", "AI"]


def test_overlaps_by_hand():
    expert = [T, T, T, F, F, F]
    a = [T, T, F, F, T, F]
    b = [T, F, F, F, T, T]
    c = [T, T, F, T, T, F]
    o = stg.overlaps(expert, {"a": a, "b": b, "c": c}).set_index("stages")
    # a & b agree on 0, 2, 3, 4 -> 4/6; right on 0, 3 -> 2/4
    assert o.loc["a & b", "overlap_rate"] == pytest.approx(4 / 6)
    assert o.loc["a & b", "accuracy_in_overlap"] == pytest.approx(2 / 4)
    # a & c agree on 0, 1, 2, 4, 5 -> 5/6; right on 0, 1, 5 -> 3/5
    assert o.loc["a & c", "overlap_rate"] == pytest.approx(5 / 6)
    assert o.loc["a & c", "n_right"] == 3
    # all three agree on 0, 2, 4 -> 3/6; right on 0 -> 1/3
    assert o.loc["a & b & c", "overlap_rate"] == pytest.approx(0.5)
    assert o.loc["a & b & c", "accuracy_in_overlap"] == pytest.approx(1 / 3)
    assert list(o["k"]) == [2, 2, 2, 3]


def test_paper_table4_self_consistency_is_checked_not_matched():
    """Table 4 of the paper: F1 = 2PR/(P+R) holds for every row but Keywords + IPC / AI
    (0.801, 0.905 give 0.850, printed 0.856) -- the README says so."""
    rows = {("kw", "non"): (0.931, 0.855, 0.891), ("kw", "ai"): (0.801, 0.905, 0.856),
            ("llm", "non"): (0.946, 0.968, 0.957), ("llm", "ai"): (0.951, 0.919, 0.935),
            ("outer", "non"): (0.905, 0.826, 0.864), ("outer", "ai"): (0.774, 0.874, 0.821)}
    bad = {k for k, (p, r, f) in rows.items() if not math.isclose(2 * p * r / (p + r), f,
                                                                  abs_tol=0.0015)}
    assert bad == {("kw", "ai")}


def test_fig3_png(tmp_path):
    expert = [T, F, T, F]
    st = {"rule": [T, T, T, F], "llm": [T, F, F, F], "outer": [T, F, T, T]}
    p = stg.plot_fig3(stg.table4(expert, st), stg.overlaps(expert, st), tmp_path / "f.png")
    assert p.stat().st_size > 10_000
