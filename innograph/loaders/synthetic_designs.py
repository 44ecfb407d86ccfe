"""Synthetic US design patents with planted Locarno classes, for tests and benchmarks.

Each generated patent is a ``Document`` shaped like what ``loaders.uspto_xml`` yields for a
design grant: ``kind='design'``, a short title, no abstract, one claim ("The ornamental
design for a …, as shown and described."), one Locarno code ``("14-04", "locarno")`` and a
figure list ``{"id", "number", "caption", "file": None}`` whose captions read like the
``description-of-drawings`` of real grants ("FIG. 1 is a front perspective view of a shoe
showing our new design;", "FIG. 2 is a rear elevational view thereof;"). ``pipeline.ingest``
loads them like real ones, and ``pipeline.figure_search.locarno_labels`` reads them back.

Planted structure. ``LOCARNO`` lists real Locarno classes (14th edition names) with, per
subclass, its own product vocabulary. A patent draws a class c with probability
∝ (rank_c)^(−skew) (imbalanced, so the majority-class baseline is informative), a subclass
uniformly, and a product of that subclass. Then, so that the task is not trivially
separable:

- with probability ``confusable`` the product is one of the class's borderline products,
  named with a word of another class ("toy automobile" in 21, "bicycle lamp" in 26,
  "cosmetic jar" in 09 vs 28);
- with probability ``noise`` the text describes a product of another class while the code
  keeps c (label noise: no model can get these right, so accuracy ≤ ≈ 1 − noise);
- titles are sometimes only the bare product ("Shoe"), captions after FIG. 1 mostly say
  "thereof", and views, adjectives and features are shared by every class.

The vocabulary is generic: no product is copied from the titles of the 20 real grants in
``../shared/data/uspto-design`` (except everyday words such as "shoe" or "belt buckle"),
so a model trained here and scored on them measures transfer, not recall of their words.

Deterministic for a given ``seed``. Ids are ``SYND<seed>-<n>`` (never a real US number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from ..graph import schema
from .records import Document, Org

__all__ = ["LOCARNO", "LocarnoClass", "synthetic_designs", "planted_labels"]


@dataclass(frozen=True)
class LocarnoClass:
    """A Locarno class: ``name``, per-subclass products, and borderline products (text that
    also names another class's kind of article)."""

    name: str
    subclasses: dict[str, tuple[str, ...]]
    borderline: tuple[str, ...] = ()


LOCARNO: dict[str, LocarnoClass] = {
    "02": LocarnoClass("Articles of clothing and haberdashery", {
        "02-02": ("shirt", "jacket", "dress", "pair of trousers", "skirt", "hooded sweatshirt",
                  "blouse", "vest"),
        "02-03": ("hat", "baseball cap", "beanie", "sun visor"),
        "02-04": ("shoe", "boot", "sandal", "sneaker", "shoe sole", "slipper"),
        "02-07": ("belt buckle", "button", "zipper pull", "shoelace tip"),
    }, ("glove for cycling", "sports jersey", "light-up shoe")),
    "06": LocarnoClass("Furnishing", {
        "06-01": ("chair", "stool", "sofa", "bench", "armchair", "recliner"),
        "06-03": ("table", "desk", "nightstand", "coffee table"),
        "06-04": ("cabinet", "bookshelf", "wardrobe", "dresser", "storage shelf"),
        "06-06": ("mirror frame", "headboard", "room divider"),
    }, ("lighted mirror", "children's play table", "shoe rack")),
    "07": LocarnoClass("Household goods, not elsewhere specified", {
        "07-01": ("cup", "mug", "plate", "bowl", "drinking glass", "teapot"),
        "07-02": ("frying pan", "saucepan", "kettle", "wok", "baking tray"),
        "07-03": ("fork", "spoon", "table knife", "pair of chopsticks", "ladle"),
        "07-06": ("coaster", "napkin holder", "trivet"),
    }, ("food storage container", "bottle opener", "toy tea set")),
    "09": LocarnoClass("Packaging and containers for the transport or handling of goods", {
        "09-01": ("bottle", "flask", "jar", "can"),
        "09-03": ("box", "carton", "shipping case", "crate"),
        "09-05": ("pouch", "bag", "sachet", "sack"),
        "09-07": ("bottle cap", "lid", "stopper", "dispensing closure"),
    }, ("cosmetic jar", "beverage bottle with a light", "packaging for a toy")),
    "12": LocarnoClass("Means of transport or hoisting", {
        "12-08": ("automobile", "sport utility vehicle", "pickup truck", "electric car"),
        "12-11": ("bicycle", "motorcycle", "scooter", "bicycle frame"),
        "12-16": ("wheel rim", "vehicle tire", "side mirror", "front grille", "bumper", "hubcap"),
    }, ("vehicle headlamp housing", "car seat", "vehicle display screen")),
    "13": LocarnoClass("Equipment for production, distribution or transformation of "
                       "electricity", {
        "13-02": ("battery", "battery charger", "power adapter", "battery pack"),
        "13-03": ("electrical connector", "USB connector", "power plug", "wall socket",
                  "power strip", "outlet cover"),
    }, ("charging cable for a phone", "light switch plate", "solar lamp panel")),
    "14": LocarnoClass("Recording, telecommunication or data processing equipment", {
        "14-02": ("laptop computer", "computer keyboard", "computer mouse", "server rack",
                  "tablet computer"),
        "14-03": ("smartphone", "wireless router", "antenna", "earphone", "speaker"),
        "14-04": ("display screen with a graphical user interface", "icon for a display screen",
                  "animated graphical user interface", "electronic device with a user "
                  "interface"),
    }, ("car infotainment screen", "toy robot with a screen", "smart lamp")),
    "21": LocarnoClass("Games, toys, tents and sports goods", {
        "21-01": ("toy vehicle", "doll", "puzzle", "game piece", "board game", "toy building block"),
        "21-02": ("dumbbell", "yoga mat", "golf club head", "tennis racket", "exercise bench"),
        "21-03": ("tent", "playground slide", "swing", "trampoline"),
    }, ("toy automobile", "ride-on toy car", "sports bottle")),
    "26": LocarnoClass("Lighting apparatus", {
        "26-04": ("light bulb", "LED module", "light strip", "lamp"),
        "26-05": ("table lamp", "floor lamp", "lantern", "pendant light", "ceiling light"),
        "26-06": ("vehicle headlamp", "tail light", "fog lamp"),
    }, ("bicycle lamp", "lamp for a desk", "light-up toy")),
    "28": LocarnoClass("Pharmaceutical or cosmetic products, toilet articles and apparatus", {
        "28-02": ("lipstick case", "powder compact", "nail polish bottle"),
        "28-03": ("razor", "electric shaver", "hairbrush", "toothbrush",
                  "hair dryer", "comb"),
    }, ("cosmetic container", "razor handle with a grip", "toothbrush holder")),
}

_VIEWS = ("front perspective view", "rear perspective view", "front elevational view",
          "rear elevational view", "left side elevational view", "right side elevational view",
          "top plan view", "bottom plan view")
_ADJECTIVES = ("", "", "", "portable", "compact", "modular", "round", "square", "curved",
               "slim", "decorative", "foldable")
_FEATURES = ("a handle", "a pattern", "a textured surface", "a curved edge", "a base",
             "a cover", "rounded corners", "a stand", "a window")
_APPLICANTS = ("Acme Design Co.", "Nordic Form AB", "Shenzhen Bright Works Ltd.",
               "Kato Industrial K.K.", "Baylor Home Products LLC", "Ritter GmbH",
               "Verde Studio S.r.l.", "Pinecrest Brands Inc.")


def _article(phrase: str) -> str:
    if phrase.startswith(("pair ", "a ", "an ")):
        return phrase
    vowel = phrase[0].lower() in "aeiou" or phrase.startswith(("LED", "SUV"))
    return ("an " if vowel else "a ") + phrase


def _title(rng: np.random.Generator, product: str) -> str:
    form = rng.integers(4)
    adj = _ADJECTIVES[rng.integers(len(_ADJECTIVES))]
    if form == 0:
        t = product
    elif form == 1:
        t = f"{adj} {product}".strip()
    elif form == 2:
        t = f"{product} with {_FEATURES[rng.integers(len(_FEATURES))]}"
    else:
        t = f"Ornamental design for {_article(product)}"
    return t[0].upper() + t[1:]


def _captions(rng: np.random.Generator, product: str, n_figs: int) -> list[str]:
    views = rng.permutation(len(_VIEWS))
    out = []
    for k in range(n_figs):
        view = _VIEWS[views[k % len(views)]]
        n = k + 1
        if k == 0:
            out.append(f"FIG. {n} is {_article(view)} of {_article(product)} showing our new "
                       "design;")
        elif rng.random() < 0.2:
            out.append(f"FIG. {n} is an enlarged {view} of the {product} of FIG. 1;")
        else:
            out.append(f"FIG. {n} is {_article(view)} thereof;")
    if out:
        out[-1] = out[-1].rstrip(";") + "."
    return out


def synthetic_designs(n: int = 400, seed: int = 0, classes: Sequence[str] | None = None,
                      noise: float = 0.1, confusable: float = 0.15, skew: float = 0.6,
                      min_figures: int = 2, max_figures: int = 7) -> list[Document]:
    """``n`` synthetic design-patent ``Document`` records with planted Locarno codes.

    Parameters
    ----------
    n : number of patents.
    seed : random seed (same seed, same documents).
    classes : Locarno classes to use (keys of ``LOCARNO``; default all 10, in key order).
    noise : probability that the text describes a product of another class (label noise).
    confusable : probability of a borderline product of the planted class.
    skew : class weights ∝ rank^(−skew) (0: uniform).
    min_figures, max_figures : figures per patent, drawn uniformly in this range.

    Returns
    -------
    list of ``Document(kind='patent')`` with ``props`` ``pn``, ``kind='design'``,
    ``grant_year``, ``claims``; ``codes`` = [(``'cc-ss'``, ``'locarno'``)]; ``figures``;
    one applicant. Their planted labels: ``planted_labels(docs, level)``.
    """
    keys = list(classes) if classes is not None else sorted(LOCARNO)
    unknown = [c for c in keys if c not in LOCARNO]
    if unknown or len(keys) < 2:
        raise ValueError(f"classes must be 2+ of {sorted(LOCARNO)}; got {keys}")
    if not (0 <= noise <= 1 and 0 <= confusable <= 1):
        raise ValueError("noise and confusable are probabilities in [0, 1]")
    rng = np.random.default_rng(seed)
    w = np.arange(1, len(keys) + 1, dtype=np.float64) ** (-skew)
    order = rng.permutation(len(keys))  # which class gets which rank
    weights = np.empty(len(keys))
    weights[order] = w
    weights /= weights.sum()
    docs: list[Document] = []
    for i in range(n):
        c = keys[rng.choice(len(keys), p=weights)]
        spec = LOCARNO[c]
        subs = sorted(spec.subclasses)
        sub = subs[rng.integers(len(subs))]
        u = rng.random()
        if u < noise:  # text of another class, code of this one
            other = LOCARNO[keys[(keys.index(c) + 1 + rng.integers(len(keys) - 1)) % len(keys)]]
            pool = [p for ps in other.subclasses.values() for p in ps]
        elif u < noise + confusable and spec.borderline:
            pool = list(spec.borderline)
        else:
            pool = list(spec.subclasses[sub])
        product = pool[rng.integers(len(pool))]
        pid = f"SYND{seed}-{i:05d}"
        n_figs = int(rng.integers(min_figures, max_figures + 1))
        figures = [{"id": f"{pid}-F{k + 1}", "number": k + 1, "caption": cap, "file": None}
                   for k, cap in enumerate(_captions(rng, product, n_figs))]
        grant = int(2015 + rng.integers(8))
        docs.append(Document(
            kind="patent", id=pid, title=_title(rng, product), abstract=None,
            year=grant - int(rng.integers(1, 3)), year_source="filing_date",
            props={"pn": pid, "kind": "design", "grant_year": grant,
                   "claims": f"The ornamental design for {_article(product)}, as shown and "
                             "described."},
            applicants=[Org(name=_APPLICANTS[rng.integers(len(_APPLICANTS))])],
            codes=[(sub, schema.SCHEME_LOCARNO)], figures=figures,
            file="<synthetic_designs>", line=i + 1))
    return docs


def planted_labels(docs: Sequence[Document],
                   level: Literal["class", "subclass"] = "class") -> list[str]:
    """The Locarno label of each document: ``'14'`` (class) or ``'14-04'`` (subclass), from
    its first ``locarno`` code (None when it has none)."""
    if level not in ("class", "subclass"):
        raise ValueError(f"level must be 'class' or 'subclass', not {level!r}")
    out = []
    for d in docs:
        code = next((c for c, s in d.codes if s == schema.SCHEME_LOCARNO), None)
        out.append(None if code is None else (code.split("-")[0] if level == "class" else code))
    return out
