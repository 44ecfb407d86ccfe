"""``innograph classify …``: AI / non-AI labels — the keywords + IPC rule, teacher labels,
BERT_outer / BERT_inner training, prediction, the consensus training set, evaluation.
Shared here too: the options of every BERT training command and the metrics tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from .choices import DocumentKind, Stage, TableOrJson, parse_device
from .common import DbOption, console, fail, open_db, out, print_table, user_errors
from .load import RejectsOption, StrictOption
from .progress import rich_progress

classify_app = typer.Typer(help="AI / non-AI labels: keywords+IPC rule, teacher labels, BERT "
                                "outer/inner.\n\nExample: innograph classify rule && innograph "
                                "classify import-labels labels.csv && innograph classify train "
                                "--stage inner --out models/inner", no_args_is_help=True)

KindsOption = typer.Option(None, "--kind", case_sensitive=False,
                           help="paper or patent (repeatable; default both)")
DeviceOption = typer.Option(None, "--device", parser=parse_device,
                            help="auto, cpu, cuda, cuda:1 (default: GPU if present)")
# training options shared by `classify train` and `classify locarno train`
BaseModelOption = typer.Option(None, "--base", help="local HF model folder, e.g. "
                               "bert-base-uncased (default: offline MiniLM)")
MaxLengthOption = typer.Option(256, "--max-length")
EpochsOption = typer.Option(10, "--epochs", help="upper bound (early stopping)")
BatchSizeOption = typer.Option(16, "--batch-size")
PredictBatchOption = typer.Option(None, "--batch-size", min=1, help="texts per forward pass "
                                  "(default 64 on the CPU, 512 on a GPU)")
LrOption = typer.Option(2e-5, "--lr")
PatienceOption = typer.Option(3, "--patience")


def _kinds(kinds: Optional[list[DocumentKind]]) -> list[str]:
    """``--kind`` values → node labels (default: both document labels)."""
    from ..graph import schema

    m = {"paper": schema.PAPER, "patent": schema.PATENT}
    return [m[k.value] for k in kinds] if kinds else list(schema.DOCUMENT_LABELS)


def epoch_line(e: dict[str, Any], score: str, name: str) -> str:
    """One training epoch as a line: loss, validation accuracy and ``score`` (``name``)."""
    return (f"epoch {e['epoch']}: train loss {e['train_loss']:.4f}, val acc "
            f"{e['val_accuracy']:.4f}, val {name} {e[score]:.4f}"
            + (" (best)" if e["best"] else "") + f", {e['seconds']:.0f} s")


def _print_metrics(stages: dict[str, Any]) -> None:
    print_table([{"stage": k, "n": m["n"], "accuracy": m["accuracy"], "auprc": m["auprc"],
                  "AI P": m["ai"]["precision"], "AI R": m["ai"]["recall"], "AI F1": m["ai"]["f1"],
                  "non-AI P": m["non_ai"]["precision"], "non-AI R": m["non_ai"]["recall"],
                  "non-AI F1": m["non_ai"]["f1"]} for k, m in stages.items()])


@classify_app.command("rule")
@user_errors()
def classify_rule_cmd(codes: Optional[Path] = typer.Option(None, "--codes", help="AI IPC/CPC "
                                                           "code list (default: packaged v1)"),
                      keywords: Optional[Path] = typer.Option(None, "--keywords",
                                                              help="AI keyword list"),
                      kind: Optional[list[DocumentKind]] = KindsOption,
                      redo: bool = typer.Option(False, "--redo", help="rewrite documents "
                                                "already marked with this lists version"),
                      db: Optional[str] = DbOption) -> None:
    """Mark every document with ai_rule (keywords in title+abstract, or an AI IPC/CPC code).

    Example: innograph classify rule --codes my_codes.txt --keywords my_keywords.txt
    """
    from ..pipeline.classify import classify_rule

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = classify_rule(store, codes, keywords, _kinds(kind), redo=redo, progress=bars)
    console.print(f"rule lists {s['version']}")
    print_table([{"kind": k, **v} for k, v in s.items() if k != "version"])


@classify_app.command("import-labels")
@user_errors()
def classify_import_labels(path: Path = typer.Argument(..., help="CSV: id and one or more "
                                                    "label columns (label, llm, expert)"
                                                    "[, source][, kind]"),
                           source: Optional[str] = typer.Option(None, "--source",
                               help="label source when the file has no source column"),
                           rejects: Path = RejectsOption, strict: bool = StrictOption,
                           db: Optional[str] = DbOption) -> None:
    """Labels into the store: column label → ai_label (teacher), llm → ai_label_llm,
    expert → ai_label_expert. An empty cell in a file with several label columns means "no
    label of that kind".

    Example: innograph classify import-labels gpt4_labels.csv --source gpt-4
    """
    from ..pipeline.classify import import_labels

    with open_db(db) as store:
        s = import_labels(store, path, source=source, rejects=rejects)
    console.print(f"read {s['read']}, labelled {sum(s['labelled'].values())} "
                  f"(AI {s['ai']}, non-AI {s['non_ai']}), rejected {s['rejected']}")
    if len(s["columns"]) > 1 or "label" not in s["columns"]:
        print_table([{"column": k, **v} for k, v in s["columns"].items()])
    for m in s["samples"][:5]:
        console.print(f"  {m}")
    if s["rejected"]:
        console.print(f"[yellow]{s['rejected']} rows rejected[/yellow] → {rejects}")
    if strict and s["rejected"]:
        raise typer.Exit(1)


@classify_app.command("train")
@user_errors()
def classify_train(stage: Stage = typer.Option("inner", "--stage", help="inner (teacher labels, "
                                               "balanced) or outer (labels + rule labels)"),
                   out_dir: Path = typer.Option(..., "--out", help="model directory to write"),
                   base: Optional[Path] = BaseModelOption,
                   max_length: int = MaxLengthOption, epochs: int = EpochsOption,
                   batch_size: int = BatchSizeOption, lr: float = LrOption,
                   patience: int = PatienceOption,
                   max_rows: Optional[int] = typer.Option(None, "--max-rows",
                       help="sample at most this many rows (label ratio kept)"),
                   seed: int = typer.Option(42, "--seed"),
                   consensus: Optional[Path] = typer.Option(None, "--consensus", help="inner: "
                       "train on this consensus set (classify consensus) with its 8:1:1 split "
                       "instead of the imported teacher labels"),
                   kind: Optional[list[DocumentKind]] = KindsOption,
                   device: Optional[str] = DeviceOption,
                   db: Optional[str] = DbOption) -> None:
    """Fine-tune BERT_outer or BERT_inner on the store's labels; saves a model directory.

    Example: innograph classify train --stage inner --out models/inner --max-length 512
    (or: --consensus consensus.csv)
    """
    from ..pipeline.classify import train, train_consensus

    if consensus is not None and stage.value != "inner":
        fail("--consensus builds BERT_inner's set: use it with --stage inner")
    with open_db(db) as store, rich_progress(console=console) as bars:
        opts: dict[str, Any] = dict(
            max_length=max_length, epochs=epochs, batch_size=batch_size, lr=lr,
            patience=patience, seed=seed, device=device,
            log=lambda e: console.print(epoch_line(e, "val_auprc", "AUPRC")),
            progress=bars(f"training {stage.value} (examples × epochs, at most)"))
        if consensus is not None:
            r = train_consensus(store, consensus, out_dir, base_model=base, **opts)
        else:
            r = train(store, stage.value, out_dir, base_model=base, labels=_kinds(kind),
                      max_rows=max_rows, **opts)
    console.print(f"model {r['version']} → {r['model_dir']} (best epoch {r['best_epoch']}, "
                  f"training set {r['training_set']})")
    _print_metrics({f"{stage.value} ({r['split']})": r})


@classify_app.command("consensus")
@user_errors()
def classify_consensus(out_csv: Path = typer.Option(Path("consensus.csv"), "--out",
                                                    help="CSV of the set to write"),
                       outer: Optional[Path] = typer.Option(None, "--outer", help="BERT_outer "
                           "dir, run on every document (default: the stored result of "
                           "`classify predict --outer DIR` without --inner)"),
                       threshold: float = typer.Option(0.5, "--threshold",
                                                       help="outer P(AI) that counts as AI"),
                       max_per_class: Optional[int] = typer.Option(None, "--max-per-class",
                           help="cap on each class (the paper: 500000)"),
                       llm_veto: bool = typer.Option(False, "--llm-veto", help="leave out "
                           "rule+outer non-AI documents the LLM called AI (the paper's text "
                           "admits them)"),
                       seed: int = typer.Option(42, "--seed"),
                       kind: Optional[list[DocumentKind]] = KindsOption,
                       device: Optional[str] = DeviceOption,
                       db: Optional[str] = DbOption) -> None:
    """BERT_inner's training set by the paper's four rules, balanced, split 8:1:1.

    From the rule label (classify rule), LLM labels (import-labels, column llm) and
    BERT_outer's labels; balanced inside each IPC section (papers: venue / category); each
    row records which rule admitted it.

    Example: innograph classify consensus --out consensus.csv && innograph classify train
    --stage inner --consensus consensus.csv --out models/inner
    """
    from ..pipeline.classify import consensus_set

    with open_db(db) as store:  # writable: an older store gains the new label columns
        s = consensus_set(store, out_csv, outer, threshold, max_per_class, seed, llm_veto,
                          _kinds(kind), device=device)
    c = s["counts"]
    console.print(f"{s['rows']} samples of {s['documents']} documents → {s['csv']} "
                  f"(outer labels: {c['outer_source']}; not admitted {c['not_admitted']}"
                  + (f", vetoed by the LLM {c['llm_vetoed']}" if llm_veto else "") + ")")
    print_table([{"rule": r, "candidates": c["candidates"][r], "chosen": c["chosen"][r]}
                 for r in c["candidates"]])
    print_table([{"split": k, **v} for k, v in c["splits"].items()])


@classify_app.command("predict")
@user_errors()
def classify_predict(outer: Optional[Path] = typer.Option(None, "--outer", help="BERT_outer dir"),
                     inner: Optional[Path] = typer.Option(None, "--inner", help="BERT_inner dir"),
                     screen: float = typer.Option(0.5, "--screen", help="outer P(AI) below "
                                                  "this is final non-AI"),
                     threshold: float = typer.Option(0.5, "--threshold"),
                     batch_size: Optional[int] = PredictBatchOption,
                     use_labels: bool = typer.Option(False, "--use-labels", help="documents "
                                                     "with a teacher label keep it"),
                     redo: bool = typer.Option(False, "--redo"),
                     limit: Optional[int] = typer.Option(None, "--limit"),
                     kind: Optional[list[DocumentKind]] = KindsOption,
                     device: Optional[str] = DeviceOption,
                     db: Optional[str] = DbOption) -> None:
    """Outer screens, inner decides: is_ai, ai_prob, ai_stage, ai_model on every document.

    Example: innograph classify predict --outer models/outer --inner models/inner
    """
    from ..pipeline.classify import predict

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = predict(store, outer, inner, screen_threshold=screen, threshold=threshold,
                    labels=_kinds(kind), batch_size=batch_size, device=device, redo=redo,
                    use_labels=use_labels, limit=limit, progress=bars)
    console.print(f"outer {s['outer']}, inner {s['inner']}")
    print_table([{"kind": k, **v} for k, v in s.items() if k not in ("outer", "inner")])


@classify_app.command("evaluate")
@user_errors()
def classify_evaluate(labelled: Optional[Path] = typer.Argument(None, help="labelled CSV "
                          "(label + text or title/abstract [+ codes]); default: the store's "
                          "imported labels"),
                      outer: Optional[Path] = typer.Option(None, "--outer"),
                      inner: Optional[Path] = typer.Option(None, "--inner"),
                      png: Path = typer.Option(Path("pr_curve.png"), "--png"),
                      codes: Optional[Path] = typer.Option(None, "--codes"),
                      keywords: Optional[Path] = typer.Option(None, "--keywords"),
                      threshold: float = typer.Option(0.5, "--threshold"),
                      fmt: TableOrJson = typer.Option("table", "--format", help="table|json"),
                      expert: Optional[Path] = typer.Option(None, "--expert", help="expert "
                          "labels CSV (id, expert or label): score every stage present in the "
                          "store (rule, llm, outer, inner) as the paper's Table 4 + Fig. 3"),
                      stages: bool = typer.Option(False, "--stages", help="as --expert, with "
                          "the expert labels already in the store (ai_label_expert)"),
                      out_dir: Path = typer.Option(Path("."), "--out", help="--expert/"
                          "--stages: folder for stages_table4.csv, stages_overlap.csv, "
                          "stages_fig3.png"),
                      device: Optional[str] = DeviceOption,
                      db: Optional[str] = DbOption) -> None:
    """Accuracy, per-class P/R/F1, AUPRC of rule/outer/inner, stage overlap, PR-curve PNG.

    With --expert FILE (or --stages): every stage present in the store against expert
    labels, in the layout of the paper's Table 4, with pairwise and three-way overlaps and
    the accuracy inside each (Fig. 3): CSV + PNG in --out.

    Example: innograph classify evaluate expert_set.csv --outer models/outer --inner models/inner
    Example: innograph classify evaluate --expert expert.csv --out results
    """
    from ..pipeline.classify import evaluate, evaluate_stages

    if expert is not None or stages:
        if labelled is not None:
            fail("--expert/--stages score the store's stages: give no labelled CSV argument")
        with open_db(db) as st:
            r = evaluate_stages(st, out_dir, expert, outer, inner, threshold, device=device)
        t4, ov = r.pop("table4"), r.pop("overlaps")
        if fmt.value == "json":
            out.print_json(json.dumps({**r, "table4": t4.to_dict("records"),
                                       "overlaps": ov.to_dict("records")}, default=float))
            return
        console.print(f"n = {r['n']} expert labels ({r['n_ai']} AI); stages {r['stages']}")
        print_table(t4.round(4).to_dict("records"), title="Table 4 layout")
        print_table(ov.round(4).to_dict("records"), title="overlaps (Fig. 3)")
        console.print(f"→ {', '.join(r['files'].values())}")
        return
    if labelled is not None:
        r = evaluate(labelled, outer, inner, png, codes, keywords, threshold, device=device)
    else:
        with open_db(db, read_only=True) as store:
            r = evaluate(store, outer, inner, png, codes, keywords, threshold, device=device)
    if fmt.value == "json":
        out.print_json(json.dumps(r, default=float))
        return
    console.print(f"n = {r['n']} ({r['n_ai']} AI); rule lists {r['rule_version']}")
    _print_metrics(r["stages"])
    ag = r["agreement"]
    print_table([{"stages": f"{p['a']} & {p['b']}", "agreement": p["agreement"],
                  "accuracy on agreement": p["accuracy_on_agreement"]} for p in ag["pairs"]]
                + [{"stages": "all", "agreement": ag["all"]["agreement"],
                    "accuracy on agreement": ag["all"]["accuracy_on_agreement"]}],
                title="stage overlap (paper Fig. 3)")
    console.print(f"PR curves → {r.get('png')}")
