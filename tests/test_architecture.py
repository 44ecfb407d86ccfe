"""The import rules of ARCHITECTURE.md, checked on the source of every ``innograph`` module.

Every ``.py`` file below ``innograph/`` is parsed with :mod:`ast` (nothing is imported or run).
An import counts wherever it stands: at module level, inside a function (lazy imports), under
``if TYPE_CHECKING:``, as a relative import (resolved against the module's package), and as a
call ``importlib.import_module("x")`` / ``__import__("x")`` with a literal name.

The rules (one test each, each reporting the offending ``module:line``):

- ``innograph.models`` imports none of graph / pipeline / loaders / cli;
- ``innograph.graph`` imports none of models / pipeline / cli;
- ``innograph.loaders`` imports none of models / pipeline / cli (schema names from
  ``innograph.graph.schema`` are allowed);
- ``innograph.analysis`` (pure pandas / networkx) imports no store backend
  (``graph.store``, ``graph.kuzu_store``, ``graph.neo4j_store``) and none of pipeline / cli;
- nothing outside ``innograph.cli`` (and ``innograph.__main__``) imports ``innograph.cli``:
  the CLI is the top layer;
- nothing outside ``innograph.cli`` imports typer, click or rich;
- the database drivers ``kuzu`` and ``neo4j`` are imported only inside ``innograph.graph``;
- the base modules directly in ``innograph/`` (errors, runtime, years, progress, identity,
  codes, the normaliser) import none of the layers above them.

Each rule is also run on a small synthetic package written to ``tmp_path`` that breaks it, to
prove the rule can fail and names the right place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

PACKAGE = "innograph"


@dataclass(frozen=True)
class Import:
    """One import found in the source: the importing module, its file and line, the target."""

    module: str      # dotted name of the importing module, e.g. "innograph.graph.check"
    path: Path       # its source file
    line: int        # 1-based line of the import statement
    target: str      # absolute dotted name imported, e.g. "innograph.graph.kuzu_store"
    names: tuple[str, ...] = ()  # for ``from target import a, b``: ("a", "b")

    def hits(self, prefix: str) -> str | None:
        """The imported name that lies under ``prefix`` (``target`` first, then ``target.a``).

        ``from pkg import a`` names ``pkg.a`` too: ``a`` may be a submodule
        (``from innograph import cli``).
        """
        if under(self.target, prefix):
            return self.target
        return next((f"{self.target}.{a}".lstrip(".") for a in self.names
                     if under(f"{self.target}.{a}".lstrip("."), prefix)), None)


@dataclass(frozen=True)
class Rule:
    """Modules under ``sources`` (minus ``exempt``) may not import anything under ``forbidden``.

    All three are dotted-name prefixes: ``"innograph.graph"`` covers the package and every
    module below it (``innograph.graph.store``), not ``innograph.graphics``. With
    ``base_only`` the rule reads only the base: the plain modules directly in the package
    (``innograph/errors.py``, ``innograph/runtime.py``, …; not the subpackages).
    """

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()
    base_only: bool = False


RULES: tuple[Rule, ...] = (
    Rule("models-not-graph-pipeline-loaders-cli", ("innograph.models",),
         ("innograph.graph", "innograph.pipeline", "innograph.loaders", "innograph.cli")),
    Rule("graph-not-models-pipeline-cli", ("innograph.graph",),
         ("innograph.models", "innograph.pipeline", "innograph.cli")),
    Rule("loaders-not-models-pipeline-cli", ("innograph.loaders",),
         ("innograph.models", "innograph.pipeline", "innograph.cli")),
    Rule("analysis-not-store-pipeline-cli", ("innograph.analysis",),
         ("innograph.graph.store", "innograph.graph.kuzu_store", "innograph.graph.neo4j_store",
          "innograph.pipeline", "innograph.cli")),
    Rule("cli-is-the-top", ("innograph",), ("innograph.cli",),
         exempt=("innograph.cli", "innograph.__main__")),
    Rule("typer-click-rich-only-in-cli", ("innograph",), ("typer", "click", "rich"),
         exempt=("innograph.cli",)),
    Rule("drivers-only-in-graph", ("innograph",), ("kuzu", "neo4j"), exempt=("innograph.graph",)),
    Rule("base-imports-no-layer", ("innograph",),
         ("innograph.cli", "innograph.pipeline", "innograph.models", "innograph.analysis",
          "innograph.loaders", "innograph.graph"),
         exempt=("innograph.cli", "innograph.__main__"), base_only=True),
)


def under(name: str, prefix: str) -> bool:
    """True when dotted ``name`` is ``prefix`` or a module below it."""
    return name == prefix or name.startswith(prefix + ".")


def modules(root: Path, package: str = PACKAGE) -> Iterator[tuple[str, Path, bool]]:
    """Every module of ``package`` below ``root``: (dotted name, file, is it a package)."""
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        yield ".".join(parts), path, is_package


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import …`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([name] if name else []))


def _literal_import_call(node: ast.Call) -> str | None:
    """``importlib.import_module("x")`` / ``import_module("x")`` / ``__import__("x")`` → "x"."""
    func = node.func
    fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if fname not in ("import_module", "__import__") or not node.args:
        return None
    arg = node.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and not arg.value.startswith("."):
        return arg.value
    return None


def imports_of(module: str, path: Path, is_package: bool) -> list[Import]:
    """Every import statement in one file, at any depth, with absolute dotted targets."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, path, node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(Import(module, path, node.lineno,
                                _resolve(module, is_package, node.level, node.module),
                                tuple(a.name for a in node.names if a.name != "*")))
        elif isinstance(node, ast.Call) and (target := _literal_import_call(node)):
            found.append(Import(module, path, node.lineno, target))
    return found


def violations(rule: Rule, root: Path, package: str = PACKAGE) -> list[str]:
    """``file:line imports target`` for every import in ``root/package`` that breaks ``rule``."""
    bad = []
    for module, path, is_package in modules(root, package):
        if not any(under(module, s) for s in rule.sources):
            continue
        if any(under(module, e) for e in rule.exempt):
            continue
        if rule.base_only and (is_package or module.count(".") != 1):
            continue
        for imp in imports_of(module, path, is_package):
            hit = next((h for f in rule.forbidden if (h := imp.hits(f))), None)
            if hit:
                bad.append(f"{path.relative_to(root).as_posix()}:{imp.line} imports {hit}")
    return bad


# --- the rules on the real package ----------------------------------------------------------

@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_import_rule_holds(rule: Rule, repo_root: Path) -> None:
    bad = violations(rule, repo_root)
    assert not bad, f"import rule {rule.name} broken (see ARCHITECTURE.md):\n  " + "\n  ".join(bad)


def test_every_module_parsed(repo_root: Path) -> None:
    """The walk sees the whole package (a rule that reads no file would pass vacuously)."""
    names = {m for m, _, _ in modules(repo_root)}
    for expected in ("innograph", "innograph.graph.store", "innograph.graph.kuzu_store",
                     "innograph.loaders.records", "innograph.runtime"):
        assert expected in names
    # the one known driver import is found where it is, so the walker reads real imports
    kuzu = [i for i in imports_of("innograph.graph.kuzu_store",
                                  repo_root / "innograph/graph/kuzu_store.py", False)
            if i.target == "kuzu"]
    assert kuzu and kuzu[0].line > 1


# --- the resolver -------------------------------------------------------------------------

def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def test_imports_resolve_relative_lazy_and_literal_calls(tmp_path: Path) -> None:
    _write(tmp_path, {
        "innograph/__init__.py": "",
        "innograph/graph/__init__.py": "from . import schema\n",
        "innograph/graph/sub/__init__.py": "",
        "innograph/graph/sub/deep.py": (
            "import os\n"
            "from .. import schema\n"
            "from ...models import mmsb as m\n"
            "def f():\n"
            "    from ..store import Store\n"
            "    import importlib\n"
            "    return importlib.import_module('rich.console'), __import__('kuzu')\n"
            "from innograph.loaders.records import *\n"),
    })
    got = {(i.module, i.line, i.target, i.names)
           for m, p, pkg in modules(tmp_path) for i in imports_of(m, p, pkg)}
    assert got == {
        ("innograph.graph", 1, "innograph.graph", ("schema",)),
        ("innograph.graph.sub.deep", 1, "os", ()),
        ("innograph.graph.sub.deep", 2, "innograph.graph", ("schema",)),
        ("innograph.graph.sub.deep", 3, "innograph.models", ("mmsb",)),
        ("innograph.graph.sub.deep", 5, "innograph.graph.store", ("Store",)),
        ("innograph.graph.sub.deep", 6, "importlib", ()),
        ("innograph.graph.sub.deep", 7, "rich.console", ()),
        ("innograph.graph.sub.deep", 7, "kuzu", ()),
        ("innograph.graph.sub.deep", 8, "innograph.loaders.records", ()),
    }
    # ``from innograph import cli`` names the submodule innograph.cli
    imp = Import("innograph.x", tmp_path, 1, "innograph", ("cli", "errors"))
    assert imp.hits("innograph.cli") == "innograph.cli"
    assert imp.hits("innograph.models") is None


def test_prefix_is_a_whole_name() -> None:
    assert under("innograph.graph.store", "innograph.graph")
    assert under("innograph.graph", "innograph.graph")
    assert not under("innograph.graphics", "innograph.graph")
    assert not under("innograph.graph.neo4j_store", "neo4j")


# --- each rule can fail -------------------------------------------------------------------

# A clean synthetic package: every module imports only what the rules allow.
CLEAN = {
    "innograph/__init__.py": "",
    "innograph/errors.py": "",
    "innograph/cli/__init__.py": "import typer\nimport rich\nimport click\nfrom ..pipeline import run\n",
    "innograph/pipeline/__init__.py": "",
    "innograph/pipeline/run.py": "from ..graph.store import Store\nfrom ..models import fit\n"
                                 "from ..loaders import read\nfrom ..analysis import gini\n",
    "innograph/graph/__init__.py": "",
    "innograph/graph/schema.py": "",
    "innograph/graph/store.py": "def f():\n    import kuzu\n    import neo4j\n",
    "innograph/graph/gds.py": "from ..analysis import gini\nfrom ..errors import X\n",
    "innograph/models/__init__.py": "",
    "innograph/models/fit.py": "from ..errors import X\nimport numpy\n",
    "innograph/loaders/__init__.py": "",
    "innograph/loaders/read.py": "from ..graph import schema\n",
    "innograph/analysis/__init__.py": "",
    "innograph/analysis/gini.py": "import networkx\nfrom ..graph import schema\n",
}

# For each rule, one module that breaks it (file, text, expected line of the offence).
BREAKS = {
    "models-not-graph-pipeline-loaders-cli":
        ("innograph/models/fit.py", "import numpy\ndef f():\n    from ..graph.store import Store\n", 3),
    "graph-not-models-pipeline-cli":
        ("innograph/graph/gds.py", "from ..models import fit\n", 1),
    "loaders-not-models-pipeline-cli":
        ("innograph/loaders/read.py", "from ..graph import schema\nfrom innograph.pipeline import run\n", 2),
    "analysis-not-store-pipeline-cli":
        ("innograph/analysis/gini.py", "import networkx\n\n\nfrom ..graph import kuzu_store\n", 4),
    "cli-is-the-top":
        ("innograph/pipeline/run.py", "from .. import cli\n", 1),
    "typer-click-rich-only-in-cli":
        ("innograph/models/fit.py", "def bar():\n    from rich.progress import Progress\n", 2),
    "drivers-only-in-graph":
        ("innograph/loaders/read.py", "import importlib\nimportlib.import_module('neo4j')\n", 2),
    "base-imports-no-layer":
        ("innograph/errors.py", "import re\ndef f():\n    from .graph import schema\n", 3),
}


def test_every_rule_has_a_break() -> None:
    assert set(BREAKS) == {r.name for r in RULES}


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_passes_clean_package(rule: Rule, tmp_path: Path) -> None:
    _write(tmp_path, CLEAN)
    assert violations(rule, tmp_path) == []


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_can_fail(rule: Rule, tmp_path: Path) -> None:
    rel, text, line = BREAKS[rule.name]
    _write(tmp_path, {**CLEAN, rel: text})
    bad = violations(rule, tmp_path)
    assert len(bad) == 1 and bad[0].startswith(f"{rel}:{line} imports "), bad
    # the other rules do not mistake this break for theirs, unless it breaks them too
    # (a rich import in models breaks only the typer/rich rule; a pipeline import only its own)
    others = [r.name for r in RULES if r is not rule and violations(r, tmp_path)]
    assert others == [], others
