"""BERT_inner's training set by the DeepInnovationAI paper's consensus rules (issue 16.1).

Source: ``deepinnovationai-paper.txt``, "Inner Classifier (BERT_inner)". Three labels per
document: ``rule`` (Keywords + IPC, ``ai_rule``), ``llm`` (GPT-4 or another LLM,
``ai_label_llm``) and ``outer`` (BERT_outer's prediction). A document enters the set by one
of four provenance rules, applied literally:

==================  ==========  =============================================================
rule name           label       condition
==================  ==========  =============================================================
``ai_rule_llm``     AI          rule AI and LLM AI ("filtered by Keywords + IPC and confirmed
                                as AI by GPT-4")
``ai_llm_outer``    AI          rule non-AI, LLM AI and outer AI ("initially non-AI,
                                reclassified as AI after GPT-4 review and BERT_outer")
``non_ai_rule_outer`` non-AI    rule non-AI and outer non-AI ("confirmed non-AI by both
                                Keywords + IPC and BERT_outer"; the LLM is not asked)
``non_ai_llm_outer``  non-AI    rule AI, LLM non-AI and outer non-AI ("initially AI, then
                                non-AI by both GPT-4 and BERT_outer")
==================  ==========  =============================================================

A missing label fails every condition that needs it. The rules are disjoint: the first two
need rule AI / non-AI respectively, as do the last two. Read literally, ``non_ai_rule_outer``
admits a document the LLM called AI; ``consensus_labels(..., llm_veto=True)`` leaves those
out instead (the paper does not say; counted in the summary either way).

Then (``build_training_set``): balanced per stratum (the paper stratifies by IPC section:
within each stratum the same number of AI and non-AI samples, the smaller class's count,
optionally capped in total), and split 8:1:1 stratified by (stratum, label)
(``splits.stratified_split``). Pure: arrays in, arrays out; no store.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .inputs import known_labels
from .splits import stratified_split

AI_RULE_LLM = "ai_rule_llm"
AI_LLM_OUTER = "ai_llm_outer"
NON_AI_RULE_OUTER = "non_ai_rule_outer"
NON_AI_LLM_OUTER = "non_ai_llm_outer"
RULES = (AI_RULE_LLM, AI_LLM_OUTER, NON_AI_RULE_OUTER, NON_AI_LLM_OUTER)
RULE_LABEL = {AI_RULE_LLM: True, AI_LLM_OUTER: True, NON_AI_RULE_OUTER: False,
              NON_AI_LLM_OUTER: False}
SPLITS = ("train", "validation", "test")


def _tri(values: Sequence[Any] | None, n: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(known, value) boolean arrays from a sequence of True / False / None."""
    if values is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    v = list(values)
    if len(v) != n:
        raise ValueError(f"{name} has {len(v)} values, rule has {n}")
    return known_labels(v)


def consensus_labels(rule: Sequence[Any], llm: Sequence[Any] | None,
                     outer: Sequence[Any] | None, llm_veto: bool = False
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Which provenance rule admits each document, and its label.

    Parameters
    ----------
    rule, llm, outer : (n,) True (AI) / False (non-AI) / None (no label) per document;
        ``llm`` or ``outer`` may be None for "no such labels at all".
    llm_veto : leave out a ``non_ai_rule_outer`` document that the LLM labelled AI.

    Returns
    -------
    ``(admitted_by, label)``: (n,) object array of rule names (``RULES``) or None for
    documents no rule admits, and (n,) bool labels (False where not admitted).
    """
    rk, rv = _tri(rule, len(rule), "rule")
    n = rk.size
    lk, lv = _tri(llm, n, "llm")
    ok, ov = _tri(outer, n, "outer")
    conds = [
        (AI_RULE_LLM, rk & rv & lk & lv),
        (AI_LLM_OUTER, rk & ~rv & lk & lv & ok & ov),
        (NON_AI_RULE_OUTER, rk & ~rv & ok & ~ov & ~(llm_veto & lk & lv)),
        (NON_AI_LLM_OUTER, rk & rv & lk & ~lv & ok & ~ov),
    ]
    by = np.full(n, None, dtype=object)
    for name, c in conds:
        by[c & (by == None)] = name  # noqa: E711 (elementwise)
    label = np.array([RULE_LABEL[b] if b is not None else False for b in by], dtype=bool)
    return by, label


def balance_by_stratum(labels: Sequence[bool], strata: Sequence[Any],
                       max_per_class: int | None = None, seed: int = 42) -> np.ndarray:
    """Indices of a class-balanced sample, balanced inside every stratum.

    In each stratum ``s`` with ``a_s`` AI and ``b_s`` non-AI candidates, ``m_s = min(a_s,
    b_s)`` of each class are drawn (seeded, without replacement); strata with one class only
    contribute nothing. With ``max_per_class`` the ``m_s`` are scaled down to sum to at most
    that (largest remainders, so the strata keep their proportions). Returns sorted indices.
    """
    y = np.asarray(labels, dtype=bool)
    st = np.asarray(["" if s is None else str(s) for s in strata], dtype=object)
    if st.size != y.size:
        raise ValueError(f"{y.size} labels but {st.size} strata")
    names = sorted(set(st.tolist()))
    m = {s: int(min(np.sum((st == s) & y), np.sum((st == s) & ~y))) for s in names}
    total = sum(m.values())
    if max_per_class is not None and total > max_per_class:
        exact = {s: m[s] * max_per_class / total for s in names}
        floor = {s: int(np.floor(v)) for s, v in exact.items()}
        left = int(max_per_class) - sum(floor.values())
        for s in sorted(names, key=lambda s: (-(exact[s] - floor[s]), s))[:left]:
            floor[s] += 1
        m = floor
    rng = np.random.default_rng(seed)
    keep: list[np.ndarray] = []
    for s in names:
        for cls in (True, False):
            idx = np.flatnonzero((st == s) & (y == cls))
            if m[s]:
                keep.append(rng.choice(idx, size=m[s], replace=False))
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


def build_training_set(rule: Sequence[Any], llm: Sequence[Any] | None,
                       outer: Sequence[Any] | None, strata: Sequence[Any],
                       max_per_class: int | None = None, seed: int = 42,
                       fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                       llm_veto: bool = False) -> dict[str, Any]:
    """The consensus set: admitted, balanced per stratum, split 8:1:1.

    Parameters
    ----------
    rule, llm, outer : per-document labels (``consensus_labels``). strata : (n,) stratum
        per document (IPC section for patents). max_per_class : cap on each class's total.
    fractions : train / validation / test shares (the paper: 8:1:1).

    Returns
    -------
    dict: ``index`` (chosen document positions, sorted), ``label`` (their labels),
    ``admitted_by`` (their rule), ``split`` (``train`` | ``validation`` | ``test``),
    ``stratum``; ``counts`` ``{candidates: {rule: n}, chosen: {rule: n}, splits: {split:
    {ai, non_ai}}, not_admitted, llm_vetoed}``.
    """
    by, lab = consensus_labels(rule, llm, outer, llm_veto)
    st = np.asarray(["" if s is None else str(s) for s in strata], dtype=object)
    if st.size != by.size:
        raise ValueError(f"{by.size} documents but {st.size} strata")
    adm = np.flatnonzero(by != None)  # noqa: E711
    pick = adm[balance_by_stratum(lab[adm], st[adm], max_per_class, seed)]
    tr, va, te = stratified_split(lab[pick], st[pick], fractions, seed)
    split = np.empty(pick.size, dtype=object)
    split[tr], split[va], split[te] = SPLITS
    vetoed = 0
    if llm_veto:
        plain, _ = consensus_labels(rule, llm, outer, False)
        vetoed = int(np.sum((plain == NON_AI_RULE_OUTER) & (by == None)))  # noqa: E711
    counts = {
        "candidates": {r: int(np.sum(by == r)) for r in RULES},
        "chosen": {r: int(np.sum(by[pick] == r)) for r in RULES},
        "splits": {s: {"ai": int(np.sum(lab[pick][split == s])),
                       "non_ai": int(np.sum(~lab[pick][split == s]))} for s in SPLITS},
        "not_admitted": int(by.size - adm.size), "llm_vetoed": vetoed,
    }
    return {"index": pick, "label": lab[pick], "admitted_by": by[pick], "split": split,
            "stratum": st[pick], "counts": counts}
