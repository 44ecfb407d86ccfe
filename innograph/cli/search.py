"""``innograph search figures`` and ``evaluate retrieval``: patent-drawing search by caption
(or image, with a CLIP model) and its retrieval quality."""

from __future__ import annotations

from typing import Optional

import typer

from .choices import DEVICE_VALUES, Format, RetrievalQuery, parse_device
from .common import DbOption, open_db, print_table, user_errors

search_app = typer.Typer(help="Search the graph.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate retrieval and models.", no_args_is_help=True)

DeviceOption = typer.Option(None, "--device", parser=parse_device, help=DEVICE_VALUES)


@search_app.command("figures")
@user_errors()
def search_figures_cmd(
    text: str = typer.Argument(..., help="What to look for"),
    k: int = typer.Option(10, "--k"),
    model: Optional[str] = typer.Option(None, "--model", help="Local sentence-transformers "
                                        "folder (default: the offline MiniLM package)"),
    clip: Optional[str] = typer.Option(None, "--clip", help="Local sentence-transformers CLIP "
                                       "folder: rank by image embedding"),
    images: Optional[str] = typer.Option(None, "--images", help="Folder holding the drawing "
                                         "files named in Figure.file (with --clip)"),
    device: Optional[str] = DeviceOption,
    fmt: Format = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Rank figures by similarity of TEXT to their captions (or images with --clip).

    Example: innograph search figures "shaving razor cartridge" --k 5
    """
    from ..pipeline.figure_search import search_figures

    with open_db(db, read_only=True) as store:
        res = search_figures(store, text, k=k, model_path=model, clip_path=clip,
                             image_dir=images, device=device)
    rows = [{"rank": r["rank"], "score": r["score"], "figure": r["figure_id"],
             "patent": r["patent_id"], "caption": (r["caption"] or "")[:80],
             "file": r["file"] or ""} for r in res["results"]]
    print_table(rows, fmt, title=f"{res['method']} · {res['model']} · {res['figures']} figures")


@evaluate_app.command("retrieval")
@user_errors()
def evaluate_retrieval_cmd(
    query: RetrievalQuery = typer.Option("caption", "--query", help="caption | title"),
    model: Optional[str] = typer.Option(None, "--model"),
    clip: Optional[str] = typer.Option(None, "--clip"),
    images: Optional[str] = typer.Option(None, "--images"),
    device: Optional[str] = DeviceOption,
    fmt: Format = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """R@1/5/10 of caption→patent (or title→patent) retrieval over the loaded figures.

    Example: innograph evaluate retrieval --query title
    """
    from ..pipeline.figure_search import evaluate_retrieval

    with open_db(db, read_only=True) as store:
        res = evaluate_retrieval(store, query.value, model_path=model, clip_path=clip,
                                 image_dir=images, device=device)
    print_table([{"metric": k, "value": v} for k, v in res.items()], fmt,
                title=f"{res['query']} → patent")
