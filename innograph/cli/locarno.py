"""``innograph classify locarno …``: Locarno classes of design patents from their text (the
BERT classifier of ``classify`` with Locarno labels): train, predict, evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from .choices import LocarnoLevel, Monitor, RareClasses, TableOrJson
from .classify import (BaseModelOption, BatchSizeOption, DeviceOption, EpochsOption, LrOption,
                       MaxLengthOption, PatienceOption, PredictBatchOption, epoch_line)
from .common import DbOption, console, open_db, out, print_table, user_errors
from .progress import rich_progress

locarno_app = typer.Typer(help="Locarno classes of design patents from their text (title, "
                               "abstract, figure captions): the BERT classifier of `classify` "
                               "with Locarno labels.\n\nExample: innograph classify locarno "
                               "train --out models/locarno && innograph classify locarno "
                               "predict models/locarno", no_args_is_help=True)


def _print_multiclass(m: dict[str, Any], fmt: str, title: str) -> None:
    """Headline figures and the per-class table of an evaluate_multiclass dict."""
    if fmt == "json":
        out.print_json(json.dumps(m, default=float))
        return
    k = m.get("k", 3)
    console.print(f"{title}: n = {m['n']}, accuracy {m['accuracy']:.4f}, macro-F1 "
                  f"{m['macro_f1']:.4f}, weighted-F1 {m['weighted_f1']:.4f}, top-{k} "
                  f"{m[f'top{k}_accuracy']:.4f}; majority class {m['majority_class']} "
                  f"{m['majority_accuracy']:.4f}")
    print_table([{"class": c, "precision": v["precision"], "recall": v["recall"],
                  "f1": v["f1"], "support": v["support"]} for c, v in m["per_class"].items()],
                title="per class")


@locarno_app.command("train")
@user_errors(ValueError)
def locarno_train(out_dir: Path = typer.Option(..., "--out", help="model directory to write"),
                  level: LocarnoLevel = typer.Option("class", "--level",
                                                     help="class (\"14\") or subclass "
                                                          "(\"14-04\")"),
                  captions: bool = typer.Option(True, "--captions/--no-captions",
                                                help="add the figure captions to the text"),
                  min_per_class: int = typer.Option(2, "--min-per-class",
                                                    help="fewest rows a class needs"),
                  rare: RareClasses = typer.Option("error", "--rare", help="classes under "
                                                   "--min-per-class: error | other (merge) | "
                                                   "drop"),
                  base: Optional[Path] = BaseModelOption,
                  max_length: int = MaxLengthOption, epochs: int = EpochsOption,
                  batch_size: int = BatchSizeOption, lr: float = LrOption,
                  patience: int = PatienceOption,
                  monitor: Monitor = typer.Option("macro_f1", "--monitor",
                                                  help="macro_f1 | accuracy | loss"),
                  class_weights: bool = typer.Option(False, "--class-weights",
                                                     help="weight the loss by 1/class size"),
                  max_per_class: Optional[int] = typer.Option(None, "--max-per-class"),
                  seed: int = typer.Option(42, "--seed"),
                  fmt: TableOrJson = typer.Option("table", "--format", help="table|json"),
                  device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """Fine-tune a Locarno classifier on the store's design patents; saves a model directory.

    Example: innograph classify locarno train --out models/locarno --level class --rare other
    """
    from ..pipeline.locarno import train_locarno

    with open_db(db) as store:
        r = train_locarno(
            store, out_dir, level=level.value, with_captions=captions,
            min_per_class=min_per_class, rare=rare.value, base_model=base,
            max_length=max_length, epochs=epochs, batch_size=batch_size, lr=lr,
            patience=patience, monitor=monitor.value, class_weights=class_weights,
            max_per_class=max_per_class, seed=seed, device=device,
            log=lambda e: console.print(epoch_line(e, "val_macro_f1", "macro-F1")))
    console.print(f"model {r['version']} → {r['model_dir']} (best epoch {r['best_epoch']}, "
                  f"training set {r['training_set']}, merged into other: {r['merged']})")
    _print_multiclass(r, fmt.value, f"{r['split']} split")


@locarno_app.command("predict")
@user_errors()
def locarno_predict(model_dir: Path = typer.Argument(..., help="model directory written by "
                                                     "`classify locarno train`"),
                    all_patents: bool = typer.Option(False, "--all-patents", help="every "
                                                     "patent, not only design patents "
                                                     "(Locarno code or kind design)"),
                    batch_size: Optional[int] = PredictBatchOption,
                    redo: bool = typer.Option(False, "--redo", help="rewrite patents this "
                                              "model already labelled"),
                    limit: Optional[int] = typer.Option(None, "--limit"),
                    device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """locarno_pred, locarno_prob, locarno_model on the design patents (resumable).

    Example: innograph classify locarno predict models/locarno
    """
    from ..pipeline.locarno import predict_locarno

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = predict_locarno(store, model_dir, batch_size=batch_size, redo=redo,
                            all_patents=all_patents, device=device, limit=limit,
                            progress=bars)
    console.print(f"model {s['model']} (level {s['level']}): {s['patents']} patents written, "
                  f"{s['no_text']} without text skipped")
    print_table([{"locarno_pred": k, "patents": v} for k, v in s["labels"].items()])


@locarno_app.command("evaluate")
@user_errors()
def locarno_evaluate(model_dir: Path = typer.Argument(..., help="Locarno model directory"),
                     png: Optional[Path] = typer.Option(None, "--png",
                                                        help="write the confusion matrix PNG"),
                     batch_size: Optional[int] = PredictBatchOption,
                     fmt: TableOrJson = typer.Option("table", "--format", help="table|json"),
                     device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """Accuracy, macro/weighted F1, per-class P/R/F1, top-3 against the stored Locarno codes.

    Example: innograph classify locarno evaluate models/locarno --png locarno.png
    """
    from ..pipeline.locarno import evaluate_locarno

    with open_db(db, read_only=True) as store:
        m = evaluate_locarno(store, model_dir, batch_size=batch_size, device=device, png=png)
    _print_multiclass(m, fmt.value, f"model {m['model']} ({m['level']} level)")
    if m["unknown_labels"]:
        console.print(f"classes the model does not know (always wrong): {m['unknown_labels']}")
    if m.get("png"):
        console.print(f"confusion matrix → {m['png']}")
