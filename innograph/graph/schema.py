"""Every label, relationship type, property name, key and CSV header of the graph: once.

The two stores (Kùzu, Neo4j) build their DDL and statements from these objects; the
exports and the loaders take their headers from here. Nothing else in the package spells a
label or a property name as a string literal that matters to the store.

Types are written in Kùzu's type names (STRING, INT64, DOUBLE, BOOL, DOUBLE[], FLOAT[]);
Neo4j is schema-free for properties, so it only needs the names and the keys.
"""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- labels
PAPER = "Paper"
PATENT = "Patent"
KEYWORD = "Keyword"
AUTHOR = "Author"
APPLICANT = "Applicant"
INSTITUTION = "Institution"
COUNTRY = "Country"
VENUE = "Venue"
IPC = "IPC"
FIGURE = "Figure"

DOCUMENT_LABELS = (PAPER, PATENT)

# ------------------------------------------------------------- relationship types
HAS_KEYWORD = "HAS_KEYWORD"
AUTHORED = "AUTHORED"
AFFILIATED_WITH = "AFFILIATED_WITH"
APPLIED_FOR = "APPLIED_FOR"
INVENTED = "INVENTED"
LOCATED_IN = "LOCATED_IN"
PUBLISHED_IN = "PUBLISHED_IN"
CLASSIFIED_AS = "CLASSIFIED_AS"
SIMILAR_TO = "SIMILAR_TO"
HAS_FIGURE = "HAS_FIGURE"

# keyword edge sources
SOURCE_INPUT = "input"
SOURCE_KEYBERT = "keybert"

# IPC node schemes
SCHEME_IPC = "ipc"
SCHEME_CPC = "cpc"
SCHEME_LOCARNO = "locarno"


@dataclass(frozen=True)
class Prop:
    """A property: its name and its Kùzu type."""

    name: str
    type: str = "STRING"


@dataclass(frozen=True)
class NodeSpec:
    """A node label with its natural key (first property) and its other properties."""

    label: str
    key: str
    props: tuple[Prop, ...]

    @property
    def columns(self) -> list[str]:
        return [p.name for p in self.props]

    def prop_type(self, name: str) -> str:
        for p in self.props:
            if p.name == name:
                return p.type
        raise KeyError(f"{self.label} has no property {name!r}")


@dataclass(frozen=True)
class RelSpec:
    """A relationship type, the (from label, to label) pairs it joins, and its properties.

    ``key_props`` name the properties that, with the two endpoints, identify one edge
    (an edge is unique on (from, to, *key_props)); the rest are payload.
    """

    type: str
    pairs: tuple[tuple[str, str], ...]
    props: tuple[Prop, ...] = ()
    key_props: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return [p.name for p in self.props]


# Properties every document carries, written by loaders (L) or jobs (J).
_DOC_COMMON = (
    Prop("title"),  # L
    Prop("abstract"),  # L
    Prop("year", "INT64"),  # L: paper publication year / patent application (filing) year
    Prop("year_source"),  # L: which field the year came from (e.g. filing_date, grant_date, id)
    Prop("novelty", "DOUBLE"),  # L (DeepInnovationAI) or J (novelty score)
    Prop("novelty_model"),  # J: which fit produced `novelty`
    Prop("ai_rule", "BOOL"),  # J: keywords+IPC rule
    Prop("ai_rule_version"),  # J
    Prop("is_ai", "BOOL"),  # J: final label
    Prop("ai_prob", "DOUBLE"),  # J: P(AI) of the final stage
    Prop("ai_stage"),  # J: rule | outer | inner | label
    Prop("ai_model"),  # J: model version that produced is_ai
    Prop("ai_label", "BOOL"),  # L: teacher label imported from a file (GPT-4, experts, ...)
    Prop("ai_label_source"),  # L: where that label came from
    Prop("ai_label_llm", "BOOL"),  # L: an LLM's label (classify import-labels, column llm)
    Prop("ai_label_expert", "BOOL"),  # L: an expert's label (column expert; evaluation only)
    Prop("embedding", "FLOAT[]"),  # J: document vector
    Prop("embedding_model"),  # J
    Prop("embedding_dim", "INT64"),  # J
    Prop("embedding_at"),  # J: ISO timestamp
    Prop("keywords_model"),  # J: KeyBERT model that filled this document's keywords
)

# Identity and provenance of a document (issue 15, README "Identity"), written by ingest:
# JSON text so that both stores hold them the same way.
_DOC_IDENTITY = (
    Prop("sources"),  # L: JSON list of the sources the node came from, first first
    Prop("source_ids"),  # L: JSON object source → that source's own id ({"DeepPatentAI": "7"})
    Prop("keywords_given"),  # L: JSON list of the document's input keywords as given, in order
)

NODES: dict[str, NodeSpec] = {
    PAPER: NodeSpec(
        PAPER,
        "id",
        (Prop("id"),)
        + _DOC_COMMON
        + (
            Prop("venue"),  # DeepDiveAI "Source"
            Prop("authors_text"),  # DeepDiveAI "Name", as given
            Prop("cited", "INT64"),
            Prop("doi"),
            Prop("language"),
            Prop("doc_type"),  # DeepDiveAI "Type"
            Prop("affiliations_text"),  # DeepDiveAI "Affiliations", as given
            Prop("categories"),  # arXiv categories, space separated (not keywords)
            Prop("journal_ref"),  # arXiv journal-ref, as given
            Prop("arxiv_id"),  # arXiv id (version removed), also when the key is the DOI
        )
        + _DOC_IDENTITY,
    ),
    PATENT: NodeSpec(
        PATENT,
        "id",
        (Prop("id"),)
        + _DOC_COMMON
        + (
            Prop("pn"),  # publication / patent number
            Prop("ipc_text"),  # DeepPatentAI "IPC", as given
            Prop("kind"),  # utility | design | ... or kind code
            Prop("grant_year", "INT64"),
            Prop("claims"),
            # J: Locarno class predicted from the text (pipeline.locarno, issue 10), like ai_*
            Prop("locarno_pred"),  # J: predicted Locarno label ("14" or "14-04")
            Prop("locarno_prob", "DOUBLE"),  # J: softmax probability of that label
            Prop("locarno_model"),  # J: classifier version that produced locarno_pred
        )
        + _DOC_IDENTITY,
    ),
    KEYWORD: NodeSpec(
        KEYWORD,
        "name",
        (Prop("name"), Prop("freq", "INT64"), Prop("theta", "DOUBLE[]"), Prop("r", "DOUBLE"),
         Prop("mmsb_model")),
    ),
    AUTHOR: NodeSpec(AUTHOR, "id", (Prop("id"), Prop("name"))),
    APPLICANT: NodeSpec(APPLICANT, "id", (Prop("id"), Prop("name"), Prop("region"))),
    INSTITUTION: NodeSpec(INSTITUTION, "id", (Prop("id"), Prop("name"), Prop("region"))),
    COUNTRY: NodeSpec(COUNTRY, "code", (Prop("code"), Prop("name"))),
    # issn, impact_source: written by `innograph load venues` (issue 16)
    VENUE: NodeSpec(VENUE, "name", (Prop("name"), Prop("impact", "DOUBLE"), Prop("issn"),
                                    Prop("impact_source"))),
    IPC: NodeSpec(IPC, "code", (Prop("code"), Prop("scheme"))),
    FIGURE: NodeSpec(
        FIGURE, "id", (Prop("id"), Prop("number", "INT64"), Prop("caption"), Prop("file"))
    ),
}

RELS: dict[str, RelSpec] = {
    HAS_KEYWORD: RelSpec(
        HAS_KEYWORD,
        ((PAPER, KEYWORD), (PATENT, KEYWORD)),
        (Prop("score", "DOUBLE"), Prop("source"), Prop("model"), Prop("rank", "INT64")),
        key_props=("source",),  # an input keyword and a KeyBERT one may join the same pair
    ),
    AUTHORED: RelSpec(AUTHORED, ((AUTHOR, PAPER),), (Prop("position", "INT64"),)),
    INVENTED: RelSpec(INVENTED, ((AUTHOR, PATENT),), (Prop("position", "INT64"),)),
    APPLIED_FOR: RelSpec(APPLIED_FOR, ((APPLICANT, PATENT),), (Prop("position", "INT64"),)),
    # Document-level affiliations (who the paper's authors were with when they wrote it) and
    # person-level ones.
    AFFILIATED_WITH: RelSpec(
        AFFILIATED_WITH, ((PAPER, INSTITUTION), (AUTHOR, INSTITUTION))
    ),
    LOCATED_IN: RelSpec(
        LOCATED_IN, ((INSTITUTION, COUNTRY), (APPLICANT, COUNTRY), (AUTHOR, COUNTRY))
    ),
    PUBLISHED_IN: RelSpec(PUBLISHED_IN, ((PAPER, VENUE),)),
    CLASSIFIED_AS: RelSpec(CLASSIFIED_AS, ((PATENT, IPC), (PAPER, IPC))),
    SIMILAR_TO: RelSpec(
        SIMILAR_TO,
        ((PAPER, PATENT),),
        (Prop("score", "DOUBLE"), Prop("rank", "INT64"), Prop("method"), Prop("model")),
        key_props=("method",),
    ),
    HAS_FIGURE: RelSpec(HAS_FIGURE, ((PATENT, FIGURE),)),
}

# ------------------------------------------------------------- the final AI label
# One definition, used by the named queries, the analyses, the exports and --ai-only:
# the classifier's ``is_ai`` (inner BERT, else outer BERT, else an imported label: see
# pipeline.classify.predict) when it has been computed, else the keywords+IPC rule ``ai_rule``;
# NULL (unknown) when neither exists.


def final_ai_expr(var: str) -> str:
    """Cypher expression (same text on Kùzu and Neo4j) for the final AI label of node ``var``."""
    if not var.isidentifier():
        raise ValueError(f"not a Cypher variable: {var!r}")
    return f"coalesce({var}.is_ai, {var}.ai_rule)"


def final_ai(is_ai: object, ai_rule: object) -> bool | None:
    """The final AI label from the two stored properties (None when neither is set)."""
    for v in (is_ai, ai_rule):
        if v is not None and v == v:  # NaN from pandas counts as missing
            return bool(v)
    return None


# ------------------------------------------------------------------ CSV headers
# docs/method.md §6: exact headers, in this order, UTF-8.
DEEP_PATENT_CSV = "DeepPatentAI.csv"
DEEP_DIVE_CSV = "DeepDiveAI.csv"
DEEP_COSINE_CSV = "DeepCosineAI.csv"

DEEP_PATENT_HEADER = ["ID", "PN", "IPC", "Title", "Abstract", "Year", "Keywords", "Novelty"]
DEEP_DIVE_HEADER = [
    "ID", "Title", "Source", "Abstract", "Name", "Year", "Cited", "Keywords", "Doi",
    "Language", "Type", "Affiliations", "Novelty",
]
DEEP_COSINE_HEADER = ["Paper_ID", "Patent_ID", "Cosine similarity"]

# Column → Paper/Patent property for the two document CSVs ("Keywords" is edges, not a prop).
DEEP_DIVE_COLUMNS = {
    "ID": "id", "Title": "title", "Source": "venue", "Abstract": "abstract",
    "Name": "authors_text", "Year": "year", "Cited": "cited", "Doi": "doi",
    "Language": "language", "Type": "doc_type", "Affiliations": "affiliations_text",
    "Novelty": "novelty",
}
DEEP_PATENT_COLUMNS = {
    "ID": "id", "PN": "pn", "IPC": "ipc_text", "Title": "title", "Abstract": "abstract",
    "Year": "year", "Novelty": "novelty",
}

# Rejects file written next to a load's output.
REJECTS_CSV = "rejects.csv"
REJECTS_HEADER = ["file", "line", "field", "reason", "record"]


def node(label: str) -> NodeSpec:
    """The spec of ``label``; KeyError names the known labels."""
    try:
        return NODES[label]
    except KeyError:
        raise KeyError(f"unknown label {label!r}; known: {sorted(NODES)}") from None


def rel(rel_type: str) -> RelSpec:
    try:
        return RELS[rel_type]
    except KeyError:
        raise KeyError(f"unknown relationship {rel_type!r}; known: {sorted(RELS)}") from None


def rel_between(rel_type: str, from_label: str, to_label: str) -> RelSpec:
    """The spec of ``rel_type``, checked to join ``from_label -> to_label``.

    Raises ``KeyError`` for an unknown relationship, or one the schema does not draw between
    those two labels (every edge write names its end labels; a wrong pair is a bug).
    """
    spec = rel(rel_type)
    if (from_label, to_label) not in spec.pairs:
        raise KeyError(f"{rel_type} does not join {from_label} -> {to_label}")
    return spec


def all_property_keys() -> list[str]:
    """Every property name of every node and relationship (for Neo4j's linter schema)."""
    keys: set[str] = set()
    for spec in NODES.values():
        keys.update(spec.columns)
    for r in RELS.values():
        keys.update(r.columns)
    return sorted(keys)


# -------------------------------------------------- named label columns (classify, issue 16)
# column name in a labels CSV → document property that stores it (`classify import-labels`);
# ``label`` is the teacher label BERT_inner / BERT_outer train on.
LABEL_COLUMNS: dict[str, str] = {"label": "ai_label", "llm": "ai_label_llm",
                                 "expert": "ai_label_expert"}
