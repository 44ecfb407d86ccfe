"""``innograph novelty fit`` and ``novelty score``: hypergraph novelty (MMSB after Shi &
Evans 2023, docs/method.md §4)."""

from __future__ import annotations

from typing import Any, Optional

import typer

from ..pipeline.scope import AI_ONLY_HELP
from .choices import (DEVICE_VALUES, Format, KeywordSource, Negatives, Salience, parse_device,
                      parse_years_option, value)
from .common import DbOption, console, open_db, print_table, user_errors
from .progress import rich_progress

novelty_app = typer.Typer(help="Hypergraph novelty (MMSB after Shi & Evans 2023, docs/method.md §4): "
                               "fit, then score.", no_args_is_help=True)

@novelty_app.command("fit")
@user_errors(ValueError)
def novelty_fit(
        db: Optional[str] = DbOption,
        dims: int = typer.Option(20, "--dims", help="Latent dimensions D"),
        years: Optional[Any] = typer.Option(None, "--years", parser=parse_years_option,
                                            help="Fit on these years only: A-B, A-, -B or one "
                                                 "year (default: all)"),
        salience: Salience = typer.Option("freq", "--salience", help="freq (normalised "
                                          "frequency times one fitted scale) | paper "
                                          "(normalised frequency, no fitted scale, as the "
                                          "paper states it) | fitted (free r_i, Shi & Evans)"),
        device: Optional[str] = typer.Option(None, "--device", parser=parse_device,
                                             help=f"{DEVICE_VALUES} (default: cuda when "
                                                  "available)"),
        out_dir: Optional[str] = typer.Option(None, "--out",
                                              help="Folder for the fit (npz + json; default "
                                                   "$INNOGRAPH_MODELS/mmsb or ./models/mmsb)"),
        seed: int = typer.Option(0, "--seed"),
        negatives: Negatives = typer.Option("exact", "--negatives", help="exact (closed-form "
                                            "Poisson zeros) | sampled (importance-sampled)"),
        max_iter: Optional[int] = typer.Option(None, "--max-iter", help="Iterations (default "
                                               "500 L-BFGS)"),
        tol: float = typer.Option(1e-6, "--tol", help="Relative log-likelihood gain per "
                                  "iteration that counts as converged"),
        max_size: int = typer.Option(25, "--max-size", help="Documents with more keywords are "
                                     "left out of the fit (still scored)"),
        source: Optional[KeywordSource] = typer.Option(None, "--source", help="Only keyword "
                                                       "edges from this source: input | "
                                                       "keybert"),
        quiet: bool = typer.Option(False, "--quiet", help="Do not print the log-likelihood "
                                   "per iteration"),
        ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
        fmt: Format = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Fit theta and r on the keyword hypergraph; write theta, r, freq on Keyword nodes.

    One fit on the years given (default: all). It is the model `novelty score --all-years`
    uses; the default `novelty score` (historical) fits one model per year itself and takes
    only the settings (dims, salience, seed) from this one. The summary gives the share of
    keywords seen in only one document (keywords_single_use_share).

    Example: innograph novelty fit --dims 20 --years 2000-2020 --device cuda
    """
    from ..pipeline.novelty import fit_novelty

    with open_db(db) as store, rich_progress(console=console) as bars:
        s = fit_novelty(store, dims=dims, years=years, salience=salience.value, device=device,
                        out_dir=out_dir, seed=seed, max_size=max_size, source=value(source),
                        verbose=not quiet, negatives=negatives.value, max_iter=max_iter,
                        tol=tol, ai_only=ai_only,
                        progress=bars("novelty fit (iterations, at most)"))
    print_table([{"field": k, "value": v} for k, v in s.items()], fmt)


@novelty_app.command("score")
@user_errors(ValueError)
def novelty_score(
        db: Optional[str] = DbOption,
        model: Optional[str] = typer.Option(None, "--model", help="A saved fit (.npz / .json) "
                                            "or its folder (default: the latest fit in "
                                            "$INNOGRAPH_MODELS/mmsb or ./models/mmsb)"),
        historical: bool = typer.Option(True, "--historical/--all-years", help="historical "
                                        "(default): score each year y with a fit on years "
                                        "< y (one fit per year, saved, reused). --all-years: "
                                        "one fit on every year (--model), so a score depends "
                                        "on later documents; the output says so"),
        window: Optional[int] = typer.Option(None, "--window", help="Historical: fit only the "
                                             "N years before y"),
        dims: Optional[int] = typer.Option(None, "--dims", help="Historical fits (default: "
                                           "the --model fit's)"),
        salience: Optional[Salience] = typer.Option(None, "--salience", help="Historical "
                                                    "fits: freq | paper | fitted"),
        max_single_use: float = typer.Option(0.8, "--max-single-use", help="Leave a document "
                                             "null (counted as single_use) when at least this "
                                             "share of its keywords occur in no other "
                                             "document; 1 = only when all do"),
        device: Optional[str] = typer.Option(None, "--device", parser=parse_device,
                                             help=DEVICE_VALUES),
        refit: bool = typer.Option(False, "--refit", help="Historical: fit again even when a "
                                   "fit with these settings is saved"),
        quiet: bool = typer.Option(False, "--quiet"),
        ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP + "; the others "
                                     "keep their novelty"),
        fmt: Format = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Write novelty = -log(lambda) and novelty_model on every Paper and Patent.

    Default: historical (a year-y document scored by a fit on years before y). Documents
    whose keywords are (almost) all single-use get no score; the summary counts them.

    Example: innograph novelty score --window 5    (or: --all-years --model models/mmsb)
    """
    from ..pipeline.novelty import score_novelty

    with open_db(db) as store, rich_progress(enabled=historical, console=console) as bars:
        s = score_novelty(store, model=model, historical=historical, window=window,
                          dims=dims, salience=value(salience), device=device, refit=refit,
                          max_single_use=max_single_use, ai_only=ai_only,
                          progress=bars("novelty fit per year (iterations, at most)"),
                          verbose=False if quiet else 10,
                          log=(lambda m: None) if quiet else (lambda m: console.print(m)))
    models = s.pop("models")
    console.print(f"mode: {s['mode']}")
    console.print(f"fits used: {', '.join(dict.fromkeys(models)) or 'none'}")
    print_table([{"field": k, "value": v} for k, v in s.items()], fmt)
