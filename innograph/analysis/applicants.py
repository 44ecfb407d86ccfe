"""Applicant types from names, and the industry–university–research type of a patent (pure).

The cooperation paper (``reference/iur-cooperation-provinces-paper.txt`` §2) keeps invention
patents whose applicants are enterprises, universities and research institutes, sets
individual and overseas applicants apart, and counts a patent as industry–university–
research (IUR) cooperation when it has two or more applicants of different kinds (its
incoPat query: (university OR college) AND (research institute OR research center), or
(university OR college) AND (enterprise OR company), or (enterprise OR company) AND
(institute OR research center)).

:func:`applicant_type` reads the kind from the name, by these rules in this order (the
first that matches decides; case-insensitive, English words as whole words):

1. **university** — ``大学``, ``学院`` (but not inside ``科学院``), ``University``,
   ``Universität``, ``Université``, ``Universidad``, ``Università``, ``College``,
   ``Institute of Technology``, ``Polytechnic``, ``Hochschule``, ``School of``;
2. **enterprise** (a legal form) — ``公司``, ``集团``, ``有限``, ``股份``, ``株式会社``,
   ``Inc``, ``Corp``, ``Corporation``, ``Co.``, ``Company``, ``Ltd``, ``Limited``, ``LLC``,
   ``LLP``, ``L.P.``, ``GmbH``, ``AG``, ``S.A.``, ``SA``, ``SAS``, ``S.p.A.``, ``B.V.``,
   ``N.V.``, ``plc``, ``K.K.``, ``Kabushiki Kaisha``, ``A/S``, ``Pty``, ``S.r.l.``; and,
   only in capitals, ``AG``, ``SA``, ``SAS``, ``SpA``, ``BV``, ``NV``, ``KK``, ``Oy``, ``AB``,
   ``SE``. A legal form beats a research marker: ``中国电力科学研究院有限公司`` and
   ``Bell Laboratories Inc`` are enterprises (a research institute incorporated as a
   company is typed by its legal form, as patent databases do);
3. **research institute** — ``研究院``, ``研究所``, ``科学院``, ``研究中心``, ``实验室``,
   ``Institute``, ``Institut``, ``Academy``, ``Laboratory``, ``Laboratories``, ``Lab``,
   ``Research Center`` / ``Centre``, ``CNRS``, ``Fraunhofer``, ``Max Planck``, ``INRIA``;
4. **enterprise** (an industry word, no legal form) — ``Technology``, ``Technologies``,
   ``Tech``, ``Labs``, ``Systems``, ``Devices``, ``Electric``, ``Electronics``,
   ``Instruments``, ``Robotics``, ``Analytics``, ``Software``, ``Solutions``, ``Motors``,
   ``Werke``, ``Precision``, ``Semiconductor``, ``Industries``, ``Holdings``, ``Group``,
   ``Pharmaceutical(s)``, ``Networks``, ``Communications``, ``Manufacturing``,
   ``Enterprises``, ``Automotive``, ``Chemicals``, ``Energy``, ``Steel``, ``科技``, ``技术``, ``电子``,
   ``电气``, ``制造``, ``厂``;
5. **other** — hospitals, government, foundations, associations, banks (``医院``,
   ``Hospital``, ``Ministry``, ``Government``, ``Bureau``, ``Foundation``, ``Association``,
   ``Council``, ``Bank``, ``Agency``, ``Department``, ``Society``, ``Trust``, ``Fund``,
   ``Clinic``, ``Center``/``Centre``, ``局`` at the end, ``委员会``, ``基金会``, ``协会``);
6. **individual** — a person's name: 2–4 Han characters with nothing above
   (``张伟``, ``欧阳娜娜``), or 2–4 Latin words each capitalised or all upper case, with
   initials allowed (``John A. Smith``, ``SMITH JOHN``, ``Smith, John``);
7. **other** — anything else (and empty names).

:func:`cooperation_type` gives a patent's type from its applicants' types: ``I-U-R`` when
enterprise, university and research institute are all present, else ``I-U``, ``I-R`` or
``U-R``; ``None`` otherwise (one kind only, or fewer than two applicants). Patents with an
individual or a foreign applicant are set apart before (see :func:`patent_category`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .regions import country_of, province_of

__all__ = ["ENTERPRISE", "UNIVERSITY", "RESEARCH", "INDIVIDUAL", "OTHER", "TYPES",
           "COOPERATION_TYPES", "applicant_type", "applicant_type_rule", "cooperation_type",
           "patent_category"]

ENTERPRISE, UNIVERSITY, RESEARCH, INDIVIDUAL, OTHER = (
    "enterprise", "university", "research", "individual", "other")
TYPES = (ENTERPRISE, UNIVERSITY, RESEARCH, INDIVIDUAL, OTHER)
#: The four IUR cooperation types (I = industry/enterprise, U = university, R = research).
COOPERATION_TYPES = ("I-U", "I-R", "U-R", "I-U-R")


def _words(*ws: str) -> re.Pattern[str]:
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(ws, key=len, reverse=True))
    return re.compile(r"(?<![\w])(?:" + body + r")(?![\w])", re.IGNORECASE)


_UNI_ZH = re.compile(r"大学|(?<!科)学院")
_UNI_EN = _words("University", "Universität", "Universitat", "Université", "Universite",
                 "Universidad", "Università", "Universiteit", "Universidade", "College",
                 "Institute of Technology", "Polytechnic", "Politecnico", "Hochschule",
                 "School of")
_LEGAL_ZH = re.compile(r"公司|集团|有限|股份|株式会社")
_LEGAL_EN = re.compile(
    r"(?<![\w])(?:Inc|Corp|Corporation|Co|Company|Ltd|Limited|LLC|L\.L\.C|LLP|L\.P|GmbH|"
    r"S\.A|S\.A\.S|S\.p\.A|B\.V|N\.V|plc|K\.K|Kabushiki\s+Kaisha|"
    r"A/S|Pty|S\.r\.l|Srl|Aktiebolag|Aktiengesellschaft|Soci[ée]t[ée]\s+anonyme|"
    r"Soci[ée]t[ée]\s+par\s+actions\s+simplifi[ée]e|Kabushikigaisha)(?:\.|(?![\w]))",
    re.IGNORECASE)
# short legal forms only in their own capitals ("AG", not "ag")
_LEGAL_EN_CS = re.compile(r"(?<![\w])(?:AG|SA|SAS|SpA|BV|NV|KK|Oy|AB|SE)(?![\w])")
_RES_ZH = re.compile(r"研究院|研究所|科学院|研究中心|实验室")
_RES_EN = _words("Institute", "Institut", "Instituto", "Istituto", "Academy", "Académie",
                 "Akademie", "Laboratory", "Laboratories", "Laboratoire", "Lab",
                 "Research Center", "Research Centre", "Research Centers", "CNRS", "Fraunhofer",
                 "Max Planck", "INRIA", "CSIRO", "RIKEN")
_IND_EN = _words("Technology", "Technologies", "Tech", "Labs", "Systems", "Devices",
                 "Electric", "Electronics", "Instruments", "Robotics", "Analytics", "Software",
                 "Solutions", "Motors", "Werke", "Precision", "Semiconductor",
                 "Semiconductors", "Industries", "Industrial", "Holdings", "Group",
                 "Pharmaceutical", "Pharmaceuticals", "Networks", "Communications",
                 "Manufacturing", "Enterprises", "Automotive", "Chemicals", "Energy", "Steel")
_IND_ZH = re.compile(r"科技|技术|电子|电气|制造|厂")
_OTHER = re.compile(r"医院|委员会|基金会|协会|局$|(?<![\w])(?:Hospital|Ministry|Government|"
                    r"Bureau|Foundation|Association|Council|Bank|Agency|Department|"
                    r"Society|Trust|Fund|Clinic|Center|Centre)(?![\w])", re.IGNORECASE)
_HAN_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
_LATIN_TOKEN = re.compile(r"(?:[A-Z][a-zà-ÿ'’-]+|[A-Z]{2,}|[A-Z]\.?)(?:-[A-Z][a-zà-ÿ]+)?")


def _is_person(name: str) -> bool:
    if _HAN_NAME.fullmatch(name):
        return True
    tokens = [t for t in re.split(r"[\s,]+", name) if t]
    if not 2 <= len(tokens) <= 4:
        return False
    if not all(_LATIN_TOKEN.fullmatch(t) for t in tokens):
        return False
    return sum(len(t.rstrip(".")) >= 2 for t in tokens) >= 2  # not all initials


def applicant_type_rule(name: str | None) -> tuple[str, str]:
    """``(type, rule)``: the applicant type of ``name`` and the rule that decided
    (``university``, ``legal form``, ``research``, ``industry word``, ``other kind``,
    ``person name``, ``no rule``), for the audit table. See the module docstring."""
    if not name or not isinstance(name, str) or not name.strip():
        return OTHER, "no name"
    n = re.sub(r"\s+", " ", name).strip()
    if _UNI_ZH.search(n) or _UNI_EN.search(n):
        return UNIVERSITY, "university"
    if _LEGAL_ZH.search(n) or _LEGAL_EN.search(n) or _LEGAL_EN_CS.search(n):
        return ENTERPRISE, "legal form"
    if _RES_ZH.search(n) or _RES_EN.search(n):
        return RESEARCH, "research"
    if _IND_EN.search(n) or _IND_ZH.search(n):
        return ENTERPRISE, "industry word"
    if _OTHER.search(n):
        return OTHER, "other kind"
    if _is_person(n) and province_of(n) is None and country_of(n) is None:
        return INDIVIDUAL, "person name"
    return OTHER, "no rule"


def applicant_type(name: str | None) -> str:
    """The applicant type of ``name``: ``enterprise``, ``university``, ``research``
    (research institute), ``individual`` or ``other`` (rules: module docstring).

    >>> applicant_type("清华大学"), applicant_type("中国科学院自动化研究所")
    ('university', 'research')
    >>> applicant_type("Baidu Online Network Technology (Beijing) Co., Ltd.")
    'enterprise'
    >>> applicant_type("SMITH JOHN")
    'individual'
    """
    return applicant_type_rule(name)[0]


def cooperation_type(types: Iterable[str]) -> str | None:
    """The IUR cooperation type of a patent from its applicants' types: ``I-U-R``,
    ``I-U``, ``I-R``, ``U-R``, or None (fewer than two of the three kinds)."""
    s = set(types)
    i, u, r = ENTERPRISE in s, UNIVERSITY in s, RESEARCH in s
    if i and u and r:
        return "I-U-R"
    if i and u:
        return "I-U"
    if i and r:
        return "I-R"
    if u and r:
        return "U-R"
    return None


def patent_category(types: Iterable[str], foreign: Iterable[bool]) -> str:
    """A patent's place in the cooperation paper's sample, from its applicants' types and
    whether each is foreign (outside the units studied):

    ``individual`` (an individual applicant: set apart), ``foreign`` (an applicant outside
    the units: set apart), ``single`` (one applicant), ``same-kind`` (two or more
    applicants, fewer than two of enterprise / university / research, e.g. two
    companies), or one of :data:`COOPERATION_TYPES`. Checked in that order.
    """
    t = list(types)
    if INDIVIDUAL in t:
        return "individual"
    if any(foreign):
        return "foreign"
    if len(t) < 2:
        return "single"
    return cooperation_type(t) or "same-kind"
