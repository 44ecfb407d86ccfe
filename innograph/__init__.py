"""innograph: an innovation knowledge graph of papers, patents and keywords.

Layers (see README): ``loaders`` (files → records), ``models`` (pure algorithms),
``graph`` (stores, schema, analyses), ``pipeline`` (joins them), ``cli`` (typer).
"""

__version__ = "0.1.0"
