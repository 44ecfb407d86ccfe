"""A DeepInnovationAI-shaped corpus (issue 19) written as the three published CSVs.

``write_corpus(folder, patents, papers)`` writes ``DeepDiveAI.csv``, ``DeepPatentAI.csv``
and ``DeepCosineAI.csv`` with the exact headers of ``innograph.graph.schema``: 8–12
keywords per document drawn from a Zipfian vocabulary of ``vocab`` phrases (117k by
default, the published files' count), keywords written as JSON lists for papers and as
Python list literals for patents (the two forms of the published files), PNs with kind
codes (``US10000001B2``), a DOI on two papers in three, and one best-match row per patent.
Deterministic for a seed. Used by ``bench_load.py`` and the columnar-load tests.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from innograph.graph import schema

WORDS = ("neural network learning deep model graph vision language speech robot control "
         "signal image data system method device sensor quantum optical memory circuit "
         "battery vehicle protein drug cell gene energy wireless network security privacy "
         "federated reinforcement transformer attention embedding retrieval ranking").split()


def vocabulary(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct keyword phrases of 1–3 words (word combinations + a number)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        k = 1 + i % 3
        ws = [WORDS[j] for j in rng.integers(0, len(WORDS), k)]
        out.append(" ".join(ws) + f" v{i}")
    return out


def write_corpus(folder: str | Path, patents: int, papers: int, vocab: int = 117_000,
                 seed: int = 0) -> dict[str, int]:
    """Write the three CSVs into ``folder``; returns counts (documents, keyword cells,
    best-match rows)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    words = vocabulary(vocab)
    kw_cells = 0

    def keywords(n: int) -> list[list[str]]:
        nonlocal kw_cells
        counts = rng.integers(8, 13, n)
        ranks = (rng.zipf(1.2, size=int(counts.sum()) * 2) - 1) % vocab
        out, pos = [], 0
        for c in counts:
            ks = list(dict.fromkeys(words[r] for r in ranks[pos:pos + 2 * c]))[:c]
            pos += 2 * c
            out.append(ks)
            kw_cells += len(ks)
        return out

    with open(folder / schema.DEEP_DIVE_CSV, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(schema.DEEP_DIVE_HEADER)
        kws = keywords(papers)
        years = rng.integers(1990, 2024, papers)
        for i in range(papers):
            doi = f"10.{1000 + i % 97}/paper.{i}" if i % 3 else ""
            w.writerow([i + 1, f"Paper {i} on {kws[i][0]}", f"Venue {i % 500}",
                        f"Abstract of paper {i}: we study {kws[i][-1]}.",
                        f"Author {i % 9000}; Author {(i * 7) % 9000}", int(years[i]),
                        int(i % 300), json.dumps(kws[i]), doi, "en", "article",
                        f"University {i % 800}", f"{(i % 1000) / 1000:.3f}"])
    with open(folder / schema.DEEP_PATENT_CSV, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(schema.DEEP_PATENT_HEADER)
        kws = keywords(patents)
        years = rng.integers(1990, 2024, patents)
        for i in range(patents):
            ipc = f"G06N {3 + i % 5}/0{i % 9}; G06F {17 + i % 3}/00"
            w.writerow([i + 1, f"US{10000001 + i}B2", ipc, f"Patent {i} on {kws[i][0]}",
                        f"Abstract of patent {i}: a {kws[i][-1]}.", int(years[i]),
                        str(kws[i]), f"{(i % 997) / 997:.3f}"])
    with open(folder / schema.DEEP_COSINE_CSV, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(schema.DEEP_COSINE_HEADER)
        sims = rng.uniform(0.2, 0.99, patents)
        targets = rng.integers(1, max(papers, 1) + 1, patents)
        for i in range(patents if papers else 0):
            w.writerow([int(targets[i]), i + 1, f"{sims[i]:.4f}"])
    return {"documents": patents + papers, "keyword_cells": kw_cells,
            "links": patents if papers else 0}
