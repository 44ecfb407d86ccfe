"""`innograph demo` on a fresh folder: files, headers, and the planted structure recovered."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from innograph.cli import app
from innograph.graph import schema


def test_demo_builds_graph_exports_and_recovers_planted_flows(tmp_path):
    out = tmp_path / "demo"
    res = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert res.exit_code == 0, res.output
    for name, header in [(schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER),
                         (schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER),
                         (schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER)]:
        with open(out / name, encoding="utf-8") as f:
            assert next(csv.reader(f)) == header
    summary = json.loads((out / "summary.json").read_text())
    truth = json.loads((out / "truth.json").read_text())
    # the plots are drawn, and summary lists exactly the files in the folder (store aside)
    for png in ("cooperation_region.png", "cooccurrence_keyword.png", "network_region.png"):
        assert (out / "analysis" / png).stat().st_size > 1000, png
    on_disk = sorted(str(f.relative_to(out)) for f in out.rglob("*")
                     if f.is_file() and not str(f.relative_to(out)).startswith("innograph.db"))
    assert summary["files"] == on_disk
    assert all(f"`{f}`" in (out / "summary.md").read_text() for f in on_disk)
    # six planted topics → six keyword clusters
    clusters = list(csv.DictReader(open(out / "analysis" / "cooccurrence_keyword_clusters.csv")))
    assert len({r["cluster"] for r in clusters}) == 6
    assert summary["Paper"] == 240 and summary["Patent"] == 200
    assert summary["planted_flows"] == len(truth["flows"]) == 24
    assert summary["planted_flows_recovered"] == 24  # the exact best match finds every flow
    cosine = list(csv.DictReader(open(out / schema.DEEP_COSINE_CSV, encoding="utf-8")))
    assert len(cosine) == 240 - summary["papers_without_eligible_patent"]
    got = {r["Paper_ID"]: r["Patent_ID"] for r in cosine}
    assert all(got[p] == t for p, t in truth["flows"].items())
    assert all(-1.0 <= float(r["Cosine similarity"]) <= 1.0 for r in cosine)
    # every exported patent is filed no earlier than its paper
    years = {r["ID"]: int(r["Year"]) for r in csv.DictReader(open(out / schema.DEEP_PATENT_CSV))}
    pyears = {r["ID"]: int(r["Year"]) for r in csv.DictReader(open(out / schema.DEEP_DIVE_CSV))}
    assert all(years[r["Patent_ID"]] >= pyears[r["Paper_ID"]] for r in cosine)
    # novelty was scored, and the planted cross-topic combinations stand out
    dive = list(csv.DictReader(open(out / schema.DEEP_DIVE_CSV, encoding="utf-8")))
    assert all(r["Novelty"] != "" for r in dive)
    assert summary["novel_in_top_decile"] >= len(truth["novel"]) // 2
