"""Closed choices and structured values of the command line (issue 18).

Every option with a closed set of values is an Enum: a typo is typer's usage error (exit 2)
naming the option and listing the valid values, before any store is opened. ``--years``,
``--ngram`` and ``--device`` are parsed by typer too: a bad value is a usage error, never a
traceback. The lists below are checked against the real command tree, so a new closed option
without a case here fails ``test_every_closed_option_is_tested``.
"""

from __future__ import annotations

import enum
import json
import logging
import typing

import pytest
import torch
import typer
from typer.main import get_command
from typer.testing import CliRunner

from innograph import runtime
from innograph.cli import app
from innograph.cli.choices import (parse_device, parse_ngram,
                                   parse_years_option, years_text)
from innograph.cli.common import global_options, print_json, user_errors

# (command words, option, arguments the command needs before it checks options)
CLOSED: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("load", "deepinnovation"), "--engine", ("IN",)),
    (("load", "arxiv"), "--variant", ("IN",)),
    (("load", "csv"), "--kind", ("IN", "--map", "id=id")),
    (("export",), "--method", ("OUT",)),
    (("export",), "--ids", ("OUT",)),
    (("stats",), "--format", ()),
    (("check",), "--format", ()),
    (("query",), "--format", ()),
    (("embed",), "--method", ()),
    (("embed",), "--text", ()),
    (("embed",), "--format", ()),
    (("match",), "--method", ()),
    (("match",), "--precision", ()),
    (("match",), "--year-filter", ()),
    (("match",), "--format", ()),
    (("keywords",), "--diversity", ()),
    (("classify", "rule"), "--kind", ()),
    (("classify", "train"), "--stage", ("--out", "M")),
    (("classify", "train"), "--kind", ("--out", "M")),
    (("classify", "consensus"), "--kind", ()),
    (("classify", "predict"), "--kind", ()),
    (("classify", "evaluate"), "--format", ()),
    (("classify", "locarno", "train"), "--level", ("--out", "M")),
    (("classify", "locarno", "train"), "--rare", ("--out", "M")),
    (("classify", "locarno", "train"), "--monitor", ("--out", "M")),
    (("classify", "locarno", "train"), "--format", ("--out", "M")),
    (("classify", "locarno", "evaluate"), "--format", ("M",)),
    (("novelty", "fit"), "--salience", ()),
    (("novelty", "fit"), "--negatives", ()),
    (("novelty", "fit"), "--source", ()),
    (("novelty", "fit"), "--format", ()),
    (("novelty", "score"), "--salience", ()),
    (("novelty", "score"), "--format", ()),
    (("analyze", "cooperation"), "--by", ()),
    (("analyze", "cooperation"), "--documents", ()),
    (("analyze", "cooperation"), "--measure", ()),
    (("analyze", "cooperation"), "--format", ()),
    (("analyze", "network"), "--nodes", ()),
    (("analyze", "network"), "--documents", ()),
    (("analyze", "network"), "--distance", ()),
    (("analyze", "network"), "--format", ()),
    (("analyze", "countries"), "--counting", ()),
    (("analyze", "countries"), "--topics", ()),
    (("analyze", "countries"), "--countries", ()),
    (("analyze", "countries"), "--format", ()),
    (("analyze", "cooccurrence"), "--of", ()),
    (("analyze", "cooccurrence"), "--documents", ()),
    (("analyze", "cooccurrence"), "--ipc-level", ()),
    (("analyze", "cooccurrence"), "--format", ()),
    (("search", "figures"), "--format", ("TEXT",)),
    (("evaluate", "retrieval"), "--query", ()),
    (("evaluate", "retrieval"), "--format", ()),
    (("demo",), "--embed", ()),
]

# (command words, option, arguments needed first, a bad value, words the message holds)
PARSED: list[tuple[tuple[str, ...], str, tuple[str, ...], str, tuple[str, ...]]] = [
    (("keywords",), "--ngram", (), "1-x", ("1-x", "A-B")),
    (("keywords",), "--ngram", (), "3-1", ("3-1", "A ≤ B")),
    (("novelty", "fit"), "--years", (), "20x0", ("20x0", "A-B")),
    (("novelty", "fit"), "--years", (), "2010-2000", ("2010-2000", "ends before it starts")),
    (("analyze", "cooperation"), "--years", (), "2012-20", ("2012-20", "A-B")),
    (("analyze", "network"), "--years", (), "twenty", ("twenty", "A-B")),
    (("analyze", "countries"), "--years", (), "2015-20", ("2015-20",)),
    (("analyze", "cooccurrence"), "--years", (), "2020-2010", ("2020-2010", "ends before")),
    (("embed",), "--device", (), "gpu", ("gpu", "cuda:N")),
    (("match",), "--device", (), "cuda:x", ("cuda:x", "cuda:N")),
    (("keywords",), "--device", (), "tpu", ("tpu", "cuda:N")),

]
# every other option parsed by a function, with the arguments it needs first
PARSED_ELSEWHERE: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = [
    (("classify", "train"), "--device", ("--out", "M")),
    (("classify", "consensus"), "--device", ()),
    (("classify", "predict"), "--device", ()),
    (("classify", "evaluate"), "--device", ()),
    (("classify", "locarno", "train"), "--device", ("--out", "M")),
    (("classify", "locarno", "predict"), "--device", ("M",)),
    (("classify", "locarno", "evaluate"), "--device", ("M",)),
    (("novelty", "fit"), "--device", ()),
    (("novelty", "score"), "--device", ()),
    (("search", "figures"), "--device", ("TEXT",)),
    (("evaluate", "retrieval"), "--device", ()),
]


def _enum_in(annotation: typing.Any) -> type[enum.Enum] | None:
    """The Enum inside an option's annotation (``E``, ``Optional[E]``, ``list[E]``)."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    return next((e for a in typing.get_args(annotation) if (e := _enum_in(a)) is not None),
                None)


def _params(cmd: typing.Any, path: tuple[str, ...] = ()) -> typing.Iterator[tuple]:
    """(command words, option, parameter) of every option in the command tree."""
    for p in cmd.params:
        yield path, max(p.opts, key=len), p
    for name, sub in (getattr(cmd, "commands", None) or {}).items():
        yield from _params(sub, path + (name,))


def _options(kind: str) -> set[tuple[tuple[str, ...], str]]:
    """(command words, option) of every option in the real command tree whose type is an
    Enum (``kind="enum"``) or that typer parses with a function (``kind="parser"``)."""
    return {(path, opt) for path, opt, p in _params(get_command(app))
            if (_enum_in(p.type_descriptor.annotation) is not None if kind == "enum"
                else p.type_descriptor.parameter_info.parser is not None)}


def _run(args: list[str], **kw: typing.Any):
    return CliRunner().invoke(app, args, **kw)


def _flat(text: str) -> str:
    """The output without rich's box borders and line breaks."""
    return " ".join(text.replace("│", " ").replace("╭", " ").replace("╰", " ").split())


def _usage_error(res, option: str, *needles: str) -> str:
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output, res.output
    assert isinstance(res.exception, SystemExit), res.exception
    text = _flat(res.output)
    assert "Invalid value for" in text and option in text, text
    for n in needles:
        assert n in text, (n, text)
    return text


def test_every_closed_option_is_tested():
    assert _options("enum") == {(path, opt) for path, opt, _ in CLOSED}
    assert len(CLOSED) == len(set((p, o) for p, o, _ in CLOSED))


def test_every_parsed_option_is_tested():
    tested = {(p, o) for p, o, *_ in PARSED} | {(p, o) for p, o, _ in PARSED_ELSEWHERE}
    assert _options("parser") == tested


@pytest.mark.parametrize("path,option,needs", CLOSED,
                         ids=[" ".join(p) + " " + o for p, o, _ in CLOSED])
def test_a_typo_in_a_closed_option_lists_the_valid_values(tmp_path, monkeypatch, path, option,
                                                          needs):
    monkeypatch.chdir(tmp_path)  # nothing may be written; a usage error opens no store
    param = next(p for w, o, p in _params(get_command(app)) if (w, o) == (path, option))
    choices = [m.value for m in _enum_in(param.type_descriptor.annotation)]
    assert len(choices) >= 2
    res = _run([*path, *needs, option, "zzz-typo", "--db", str(tmp_path / "none.db")])
    _usage_error(res, option, "zzz-typo", *(f"'{c}'" for c in choices))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path,option,needs,bad,needles", PARSED,
                         ids=[" ".join(p) + f" {o} {b}" for p, o, _, b, _ in PARSED])
def test_a_bad_structured_value_is_a_usage_error(tmp_path, monkeypatch, path, option, needs,
                                                 bad, needles):
    monkeypatch.chdir(tmp_path)
    res = _run([*path, *needs, option, bad, "--db", str(tmp_path / "none.db")])
    _usage_error(res, option, *needles)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path,option,needs", PARSED_ELSEWHERE,
                         ids=[" ".join(p) + " " + o for p, o, _ in PARSED_ELSEWHERE])
def test_a_bad_device_is_a_usage_error_in_every_command(tmp_path, monkeypatch, path, option,
                                                        needs):
    monkeypatch.chdir(tmp_path)
    res = _run([*path, *needs, option, "gpu0", "--db", str(tmp_path / "none.db")])
    _usage_error(res, option, "gpu0", "auto, cpu, cuda or cuda:N")


def test_closed_values_are_case_insensitive_for_kind_only(tmp_path):
    res = _run(["classify", "rule", "--kind", "PAPER", "--db", str(tmp_path / "g.db")])
    assert res.exit_code == 0, res.output  # an empty new store: nothing to mark
    bad = _run(["stats", "--format", "JSON", "--db", str(tmp_path / "g.db")])
    _usage_error(bad, "--format", "'json'")


# ------------------------------------------------------------------ the parsers
@pytest.mark.parametrize("text,span", [("1", (1, 1)), ("1-3", (1, 3)), (" 2 - 2 ", (2, 2))])
def test_ngram_parser(text, span):
    assert parse_ngram(text) == span


@pytest.mark.parametrize("text", ["", "0", "0-2", "2-1", "1-", "a", "1-2-3"])
def test_ngram_parser_refuses(text):
    with pytest.raises(typer.BadParameter):
        parse_ngram(text)


@pytest.mark.parametrize("text,device", [(None, None), ("auto", None), ("AUTO", None),
                                         ("cpu", "cpu"), ("cuda", "cuda"),
                                         ("CUDA:1", "cuda:1")])
def test_device_parser(text, device):
    assert parse_device(text) == device


@pytest.mark.parametrize("text", ["gpu", "cuda:", "cuda:a", "cpu:0", "mps", ""])
def test_device_parser_refuses(text):
    with pytest.raises(typer.BadParameter):
        parse_device(text)


def test_year_parsers():
    assert parse_years_option(None) is None
    assert parse_years_option("2000-") == (2000, None)
    assert parse_years_option("2000..2010") == (2000, 2010)
    assert parse_years_option("2015") == (2015, 2015)
    assert parse_years_option("2012:2021") == (2012, 2021)
    assert parse_years_option("-2010") == (None, 2010)
    with pytest.raises(typer.BadParameter, match="ends before it starts"):
        parse_years_option("2010-2000")
    assert [years_text(s) for s in [(2012, 2021), (2015, 2015), (2000, None), (None, 2010)]] \
        == ["2012-2021", "2015", "2000-", "-2010"]


# ------------------------------------------------ device errors and log records
def _device_app() -> typer.Typer:
    """The CLI's own callback, error decorator and JSON printer around the one device
    rule (``innograph.runtime.resolve_device``)."""
    a = typer.Typer()
    a.callback()(global_options)

    @a.command()
    @user_errors()
    def run(device: str = typer.Option("auto", "--device")) -> None:
        print_json({"device": str(runtime.resolve_device(device))})

    return a


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_explicit_cuda_without_cuda_is_one_error_line():
    res = CliRunner().invoke(_device_app(), ["run", "--device", "cuda"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: device 'cuda' asked for"), lines
    assert res.stdout == ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_automatic_device_says_cpu_on_stderr_and_keeps_stdout_json():
    runtime._say_cpu_once.cache_clear()  # said once per process: say it in this command
    res = CliRunner().invoke(_device_app(), ["run"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"device": "cpu"}
    assert res.stderr.strip().splitlines() == ["no CUDA device: running on the CPU"]
    handlers = list(logging.getLogger("innograph").handlers)
    CliRunner().invoke(_device_app(), ["run"])
    assert logging.getLogger("innograph").handlers == handlers  # installed once

