"""innograph: an innovation knowledge graph of papers, patents and keywords.

Layers (see ARCHITECTURE.md): ``loaders`` (files → records), ``models`` (pure algorithms),
``analysis`` (pure pandas/networkx analyses), ``graph`` (the stores, schema, queries),
``pipeline`` (joins them), ``cli`` (typer).
"""

__version__ = "0.1.0"
