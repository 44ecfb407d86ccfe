"""A synthetic corpus with planted structure, for the demo and for tests.

``synthetic_corpus(seed)`` returns loader records (papers and patents with years, venues,
authors, affiliations, countries, regions, applicants, IPC codes and keyword lists) and the
``Truth`` that was planted in them:

- **topics**: every document belongs to one of ``TOPICS``; its text and keywords are drawn
  from that topic's vocabulary (AI topics carry AI IPC codes and AI words; the others do not),
  so embeddings, co-occurrence clusters and classifiers have structure to find;
- **flows**: ``n_flows`` papers each have one patent filed 1–3 years later that restates the
  paper's rare signature phrase and most of its wording: the paper → patent best match
  (docs/method.md §5) must recover these pairs;
- **novel**: a few documents combine keywords of two distant topics; hypergraph novelty should
  rank them high;
- **cooperation**: patents have 1–3 applicants from regions with different co-application
  rates, so the regional analyses have differences to measure.

Everything is drawn from ``numpy.random.default_rng(seed)``: same seed, same corpus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .records import Document, Org, Person

TOPICS: dict[str, dict[str, object]] = {
    "vision": {
        "ai": True, "ipc": ["G06V 10/82", "G06T 7/00", "G06N 3/08"],
        "keywords": ["convolutional neural network", "image segmentation", "object detection",
                     "feature map", "image classification", "visual recognition",
                     "bounding box", "pixel", "camera image", "semantic segmentation"],
        "words": ["image", "pixel", "camera", "convolutional", "detection", "segmentation",
                  "visual", "recognition", "object", "scene", "feature", "resolution"],
    },
    "language": {
        "ai": True, "ipc": ["G06F 40/30", "G10L 15/16", "G06N 3/04"],
        "keywords": ["language model", "machine translation", "text classification",
                     "word embedding", "speech recognition", "transformer", "sentiment analysis",
                     "named entity", "token", "dialogue system"],
        "words": ["text", "language", "word", "sentence", "translation", "speech", "token",
                  "corpus", "dialogue", "semantic", "grammar", "transformer"],
    },
    "learning": {
        "ai": True, "ipc": ["G06N 20/00", "G06N 3/08", "G06N 5/04"],
        "keywords": ["reinforcement learning", "gradient descent", "neural network training",
                     "loss function", "policy optimization", "reward signal",
                     "stochastic optimization", "deep learning", "training data",
                     "hyperparameter"],
        "words": ["learning", "training", "gradient", "policy", "reward", "agent", "loss",
                  "optimization", "network", "model", "parameter", "convergence"],
    },
    "battery": {
        "ai": False, "ipc": ["H01M 10/052", "H01M 4/62", "H02J 7/00"],
        "keywords": ["lithium ion battery", "cathode material", "electrolyte", "anode",
                     "charging circuit", "energy density", "solid state battery", "separator",
                     "battery pack", "electrode coating"],
        "words": ["battery", "lithium", "cathode", "anode", "electrolyte", "charge", "cell",
                  "voltage", "electrode", "capacity", "thermal", "pack"],
    },
    "sports": {
        "ai": False, "ipc": ["A63B 69/00", "A63B 59/50", "A63B 71/06"],
        "keywords": ["baseball bat", "pitching machine", "batting practice", "glove",
                     "training aid", "ball trajectory", "swing", "catcher", "sports equipment",
                     "batting tee"],
        "words": ["ball", "bat", "baseball", "pitch", "swing", "glove", "player", "field",
                  "batting", "throw", "catch", "practice"],
    },
    "medicine": {
        "ai": False, "ipc": ["A61K 9/20", "A61B 5/00", "A61P 35/00"],
        "keywords": ["drug delivery", "tablet formulation", "clinical trial", "biomarker",
                     "tumor", "dosage", "patient monitoring", "pharmaceutical composition",
                     "blood pressure", "therapy"],
        "words": ["patient", "drug", "dose", "clinical", "tumor", "therapy", "tablet",
                  "blood", "treatment", "cell", "tissue", "medical"],
    },
}

COUNTRIES = {  # code -> regions, institutions, applicants
    "US": (["California", "Massachusetts", "Texas"],
           ["Stanford University", "MIT", "University of Texas"],
           ["Acme Robotics Inc", "Northwind Labs", "Globex Corp"]),
    "CN": (["Beijing", "Guangdong", "Jiangsu"],
           ["Tsinghua University", "Sun Yat-sen University", "Nanjing University"],
           ["Huaxin Technology", "Pearl River Devices", "Jiangnan Electric"]),
    "DE": (["Bavaria", "Berlin"], ["TU Munich", "Humboldt University"],
           ["Bavaria Motoren Werke", "Spree Systems GmbH"]),
    "JP": (["Tokyo", "Osaka"], ["University of Tokyo", "Osaka University"],
           ["Sakura Electronics", "Kansai Precision"]),
    "GB": (["England", "Scotland"], ["University of Oxford", "University of Edinburgh"],
           ["Albion Analytics Ltd", "Caledonia Instruments"]),
}
# probability that a patent from this region is co-applied (planted regional differences)
CO_APPLY = {"California": 0.5, "Massachusetts": 0.35, "Texas": 0.2, "Beijing": 0.45,
            "Guangdong": 0.3, "Jiangsu": 0.15, "Bavaria": 0.4, "Berlin": 0.25, "Tokyo": 0.3,
            "Osaka": 0.1, "England": 0.35, "Scotland": 0.2}

VENUES = {"vision": "Conference on Computer Vision", "language": "Journal of Language AI",
          "learning": "Machine Learning Letters", "battery": "Journal of Power Sources",
          "sports": "Sports Engineering Review", "medicine": "Clinical Medicine Journal"}

FIRST = ["Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Gao", "Hiro", "Ines", "Jon", "Kai",
         "Lena", "Ming", "Nora", "Omar", "Pia", "Quan", "Rita", "Sven", "Tao", "Uma", "Wei"]
LAST = ["Smith", "Wang", "Mueller", "Sato", "Brown", "Li", "Garcia", "Kim", "Novak", "Zhang",
        "Tanaka", "Schmidt", "Jones", "Liu", "Weber", "Suzuki", "Taylor", "Chen", "Fischer"]
SYLLABLES = ["qua", "zor", "vex", "lum", "tri", "pho", "nex", "dra", "syl", "kin", "mor", "tal"]


@dataclass
class Truth:
    """What was planted: paper id → patent id flows, topic per document, novel documents."""

    flows: dict[str, str] = field(default_factory=dict)
    topic: dict[str, str] = field(default_factory=dict)
    ai: dict[str, bool] = field(default_factory=dict)
    novel: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"flows": self.flows, "topic": self.topic, "ai": self.ai, "novel": self.novel}


def _sentence(rng: np.random.Generator, words: list[str], n: int) -> str:
    fill = ["the", "a", "of", "for", "with", "and", "using", "in", "to", "by"]
    out = []
    for i in range(n):
        out.append(words[rng.integers(len(words))] if i % 2 == 0 else fill[rng.integers(len(fill))])
    return " ".join(out)


def _signature(rng: np.random.Generator) -> str:
    return " ".join(
        "".join(SYLLABLES[j] for j in rng.integers(len(SYLLABLES), size=3)) for _ in range(2)
    )


def _text(rng: np.random.Generator, topic: str, signature: str | None) -> tuple[str, str]:
    words = list(TOPICS[topic]["words"])  # type: ignore[arg-type]
    kws = list(TOPICS[topic]["keywords"])  # type: ignore[arg-type]
    title = f"{kws[rng.integers(len(kws))].capitalize()} {_sentence(rng, words, 5)}"
    sents = [_sentence(rng, words, 12) + "." for _ in range(3)]
    if signature:
        title = f"{signature.title()} for {kws[rng.integers(len(kws))]}"
        sents.insert(1, f"We introduce {signature}, a {signature} approach to "
                        f"{kws[rng.integers(len(kws))]}.")
    return title, " ".join(sents)


def synthetic_corpus(seed: int = 7, n_papers: int = 240, n_patents: int = 200,
                     n_flows: int = 24, n_novel: int = 6,
                     years: tuple[int, int] = (2010, 2022)) -> tuple[list[Document], Truth]:
    """Papers and patents with planted topics, flows, novelty and cooperation (module doc).

    Returns (records, truth). Paper ids are ``P0001``…, patent ids ``US10000001``…
    """
    rng = np.random.default_rng(seed)
    topics = list(TOPICS)
    truth = Truth()
    docs: list[Document] = []
    countries = list(COUNTRIES)
    y0, y1 = years

    def person(country: str) -> Person:
        regions, insts, _ = COUNTRIES[country]
        name = f"{FIRST[rng.integers(len(FIRST))]} {LAST[rng.integers(len(LAST))]}"
        return Person(name=name, affiliations=[insts[rng.integers(len(insts))]], country=country)

    def keywords(topic: str, n: int) -> list[str]:
        kws = list(TOPICS[topic]["keywords"])  # type: ignore[arg-type]
        return [kws[i] for i in rng.choice(len(kws), size=n, replace=False)]

    papers: list[Document] = []
    for i in range(n_papers):
        topic = topics[i % len(topics)]
        pid = f"P{i + 1:04d}"
        year = int(rng.integers(y0, y1 - 2))
        sig = _signature(rng) if i < n_flows else None
        title, abstract = _text(rng, topic, sig)
        home = countries[rng.integers(len(countries))]
        authors = [person(home)] + [person(countries[rng.integers(len(countries))])
                                    for _ in range(int(rng.integers(0, 3)))]
        insts = []
        for a in authors:
            for inst in a.affiliations:
                if inst not in [o.name for o in insts]:
                    country = next(c for c, v in COUNTRIES.items() if inst in v[1])
                    region = COUNTRIES[country][0][COUNTRIES[country][1].index(inst)
                                                   % len(COUNTRIES[country][0])]
                    insts.append(Org(name=inst, country=country, region=region))
        d = Document(kind="paper", id=pid, title=title, abstract=abstract, year=year,
                     year_source="synthetic", venue=VENUES[topic],
                     keywords=keywords(topic, 4), authors=authors, institutions=insts,
                     props={"cited": int(rng.poisson(8)), "language": "en",
                            "doc_type": "article",
                            "authors_text": "; ".join(a.name for a in authors),
                            "affiliations_text": "; ".join(o.name for o in insts)},
                     file="synthetic", line=i + 2)
        if sig:
            d.props["doi"] = f"10.5555/demo.{i + 1}"
        papers.append(d)
        truth.topic[pid] = topic
        truth.ai[pid] = bool(TOPICS[topic]["ai"])

    patents: list[Document] = []
    for j in range(n_patents):
        pn = f"US{10000001 + j}"
        if j < n_flows:  # the planted flow: restates paper j's signature, filed later
            src = papers[j]
            topic = truth.topic[src.id]
            year = min(src.year + int(rng.integers(1, 4)), y1)  # type: ignore[operator]
            sig = src.title.split(" for ")[0].lower()  # type: ignore[union-attr]
            title = f"System and method for {sig}"
            abstract = (src.abstract or "").replace("We introduce", "A device implements")
            truth.flows[src.id] = pn
        else:
            topic = topics[j % len(topics)]
            year = int(rng.integers(y0, y1 + 1))
            title, abstract = _text(rng, topic, None)
        country = countries[rng.integers(len(countries))]
        regions, _, applicants = COUNTRIES[country]
        # the first applicant's region sets the co-application rate; each applicant has
        # one fixed home region (applicant k of a country sits in region k mod #regions)
        lead = int(rng.integers(len(applicants)))
        region = regions[lead % len(regions)]
        n_app = 1 + int(rng.random() < CO_APPLY[region]) + int(rng.random() < 0.1)
        others = [k for k in rng.permutation(len(applicants)) if k != lead]
        apps = [Org(name=applicants[k], country=country, region=regions[k % len(regions)])
                for k in [lead] + others[: n_app - 1]]
        ipcs = list(TOPICS[topic]["ipc"])  # type: ignore[arg-type]
        codes = [(ipcs[k], "ipc") for k in sorted(rng.choice(len(ipcs), size=2, replace=False))]
        inventors = [person(country) for _ in range(int(rng.integers(1, 3)))]
        d = Document(kind="patent", id=pn, title=title, abstract=abstract, year=year,
                     year_source="synthetic", keywords=keywords(topic, 4), applicants=apps,
                     authors=inventors, codes=codes,
                     props={"pn": pn, "ipc_text": "; ".join(c for c, _ in codes),
                            "kind": "utility"},
                     file="synthetic", line=j + 2)
        patents.append(d)
        truth.topic[pn] = topic
        truth.ai[pn] = bool(TOPICS[topic]["ai"])

    # planted novel combinations: documents joining two distant topics' keywords
    pool = [d for d in papers[n_flows:] + patents[n_flows:]]
    for d in [pool[k] for k in rng.choice(len(pool), size=n_novel, replace=False)]:
        t = truth.topic[d.id]
        other = topics[(topics.index(t) + 3) % len(topics)]
        d.keywords = keywords(t, 2) + keywords(other, 2)
        truth.novel.append(d.id)

    docs = papers + patents
    return docs, truth
