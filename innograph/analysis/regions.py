"""Where an applicant or an affiliation is: Chinese province, US state, country (pure).

Three questions, strings in and codes out, no store:

- :func:`province_of` — one of China's 34 provincial-level divisions (:data:`PROVINCES`:
  22 provinces, 5 autonomous regions, 4 municipalities, Hong Kong, Macao, Taiwan) in an
  address, a region column or a name, written in Chinese (``北京``, ``广东省``), in pinyin
  (``Beijing``, ``Guangdong``, ``Nei Mongol``), in common English (``Inner Mongolia``,
  ``Tibet``) or in the old / machine-translated forms the cooperation paper's Table 1
  prints (``Pekin``, ``Canton``, ``Chungking``, ``Szechuan``, ``Amur`` = Heilongjiang,
  ``Ji Lin``). A province name found in the text wins over a city (``深圳`` → Guangdong,
  ``Nanjing`` → Jiangsu); among several, the first in the text (Chinese addresses start
  with the province). Returns the English name of :data:`PROVINCES`.
- :func:`us_state_of` — a US state (50 + DC, names from ISO 3166-2:US via ``pycountry``)
  by its full name, or by its two-letter code when that is the whole text or stands before
  a ZIP code (``Stanford, CA 94305``). Bare two-letter codes inside free text are not read
  (``IN``, ``OR``, ``ME`` are words).
- :func:`country_of` — an ISO 3166-1 alpha-2 code from an affiliation or address:
  country names (``pycountry`` names, common and official names) and variants
  (:data:`COUNTRY_VARIANTS`: ``USA``, ``U.S.``, ``UK``, ``P.R. China``, ``PRC``,
  ``Korea`` → KR, ``Russia``, ``Holland``, Chinese ``中国``/``美国``…); failing that a
  well-known institution (:data:`INSTITUTIONS`: ``MIT``, ``Tsinghua``, ``Georgia Tech`` …);
  failing that a US state or a Chinese province (→ US / CN; Hong Kong, Macao and Taiwan
  → HK, MO, TW, their ISO codes); failing that a major city (:data:`CITIES`); failing that
  an e-mail address's top-level domain (``.edu``/``.gov``/``.mil`` → US, ``.uk`` → GB, other
  two-letter domains → that country, except the ones used generically: ``.ai .io .co .me
  .tv .cc .fm .ly``). Within the winning kind the **last** mention wins (affiliations end
  with the country: "Dept. X, Univ. Y, Paris, France").

Ambiguities resolved by rule (documented, tested): ``Georgia`` alone is the country (GE),
``Georgia Institute of Technology`` / ``Georgia Tech`` / ``Georgia State`` / ``University of
Georgia`` are US;
``New Mexico`` is the US state, not Mexico; ``Cambridge`` and ``London`` are read as the
UK cities only through ``University of Cambridge`` / ``London`` (a Canadian London must
say Canada or Ontario); ``Jersey`` alone is the Channel island (JE), ``New Jersey`` the state.
Two-letter items that are not explicit variants (``IC``, ``NU``, ``AU`` in the arXiv 2023
scrape are fragments, not Niue or Australia) are never read as country codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pycountry

__all__ = [
    "Province", "PROVINCES", "MAINLAND_PROVINCES", "US_STATES", "COUNTRY_VARIANTS",
    "CITIES", "INSTITUTIONS", "province_of", "us_state_of", "country_of",
    "countries_of", "region_of", "email_country", "country_name",
]


@dataclass(frozen=True)
class Province:
    """A Chinese provincial-level division: ISO 3166-2 code, English name, Chinese name,
    other spellings (pinyin with suffix, Wade–Giles / postal, the paper's forms)."""

    code: str
    name: str
    zh: str
    aliases: tuple[str, ...] = ()


#: China's 34 provincial-level divisions (ISO 3166-2:CN codes), mainland 31 first in the
#: order of the national statistics yearbook, then Hong Kong, Macao, Taiwan.
PROVINCES: tuple[Province, ...] = (
    Province("CN-BJ", "Beijing", "北京", ("Peking", "Pekin", "Beijing Shi")),
    Province("CN-TJ", "Tianjin", "天津", ("Tientsin",)),
    Province("CN-HE", "Hebei", "河北", ("Hopei",)),
    Province("CN-SX", "Shanxi", "山西", ("Shansi",)),
    Province("CN-NM", "Inner Mongolia", "内蒙古", ("Nei Mongol", "Neimenggu", "Nei Menggu",
                                                 "Inner Mongolia Autonomous Region")),
    Province("CN-LN", "Liaoning", "辽宁", ()),
    Province("CN-JL", "Jilin", "吉林", ("Ji Lin", "Kirin")),
    Province("CN-HL", "Heilongjiang", "黑龙江", ("Amur", "Heilungkiang")),
    Province("CN-SH", "Shanghai", "上海", ()),
    Province("CN-JS", "Jiangsu", "江苏", ("Kiangsu",)),
    Province("CN-ZJ", "Zhejiang", "浙江", ("Chekiang",)),
    Province("CN-AH", "Anhui", "安徽", ("Anhwei",)),
    Province("CN-FJ", "Fujian", "福建", ("Fukien",)),
    Province("CN-JX", "Jiangxi", "江西", ("Kiangsi",)),
    Province("CN-SD", "Shandong", "山东", ("Shantung",)),
    Province("CN-HA", "Henan", "河南", ("Honan",)),
    Province("CN-HB", "Hubei", "湖北", ("Hupeh",)),
    Province("CN-HN", "Hunan", "湖南", ()),
    Province("CN-GD", "Guangdong", "广东", ("Canton", "Kwangtung")),
    Province("CN-GX", "Guangxi", "广西", ("Kwangsi", "Guangxi Zhuang")),
    Province("CN-HI", "Hainan", "海南", ()),
    Province("CN-CQ", "Chongqing", "重庆", ("Chungking",)),
    Province("CN-SC", "Sichuan", "四川", ("Szechuan", "Szechwan")),
    Province("CN-GZ", "Guizhou", "贵州", ("Kweichow",)),
    Province("CN-YN", "Yunnan", "云南", ()),
    Province("CN-XZ", "Xizang", "西藏", ("Tibet",)),
    Province("CN-SN", "Shaanxi", "陕西", ("Shensi",)),
    Province("CN-GS", "Gansu", "甘肃", ("Kansu",)),
    Province("CN-QH", "Qinghai", "青海", ("Tsinghai",)),
    Province("CN-NX", "Ningxia", "宁夏", ("Ningsia",)),
    Province("CN-XJ", "Xinjiang", "新疆", ("Sinkiang",)),
    Province("CN-HK", "Hong Kong", "香港", ("Hongkong", "Hong Kong SAR")),
    Province("CN-MO", "Macao", "澳门", ("Macau", "Macao SAR")),
    Province("CN-TW", "Taiwan", "台湾", ("臺灣", "台灣")),
)

#: The 31 mainland divisions the cooperation paper measures (Hong Kong, Macao and Taiwan
#: excluded, §2), in :data:`PROVINCES` order.
MAINLAND_PROVINCES: tuple[str, ...] = tuple(p.name for p in PROVINCES[:31])
_SAR_CODES = {"Hong Kong": "HK", "Macao": "MO", "Taiwan": "TW"}

#: Major Chinese cities → province (provincial capitals and the largest prefecture cities).
_CN_CITIES: dict[str, tuple[str, ...]] = {
    "Hebei": ("石家庄", "Shijiazhuang", "唐山", "Tangshan", "保定", "Baoding"),
    "Shanxi": ("太原", "Taiyuan"),
    "Inner Mongolia": ("呼和浩特", "Hohhot", "包头", "Baotou"),
    "Liaoning": ("沈阳", "Shenyang", "大连", "Dalian"),
    "Jilin": ("长春", "Changchun"),
    "Heilongjiang": ("哈尔滨", "Harbin"),
    "Jiangsu": ("南京", "Nanjing", "苏州", "Suzhou", "无锡", "Wuxi", "常州", "Changzhou"),
    "Zhejiang": ("杭州", "Hangzhou", "宁波", "Ningbo"),
    "Anhui": ("合肥", "Hefei"),
    "Fujian": ("福州", "Fuzhou", "厦门", "Xiamen"),
    "Jiangxi": ("南昌", "Nanchang"),
    "Shandong": ("济南", "Jinan", "青岛", "Qingdao"),
    "Henan": ("郑州", "Zhengzhou"),
    "Hubei": ("武汉", "Wuhan"),
    "Hunan": ("长沙", "Changsha"),
    "Guangdong": ("广州", "Guangzhou", "深圳", "Shenzhen", "东莞", "Dongguan", "珠海", "Zhuhai",
                  "佛山", "Foshan"),
    "Guangxi": ("南宁", "Nanning"),
    "Hainan": ("海口", "Haikou"),
    "Sichuan": ("成都", "Chengdu"),
    "Guizhou": ("贵阳", "Guiyang"),
    "Yunnan": ("昆明", "Kunming"),
    "Xizang": ("拉萨", "Lhasa"),
    "Shaanxi": ("西安", "Xi'an", "Xian"),
    "Gansu": ("兰州", "Lanzhou"),
    "Qinghai": ("西宁", "Xining"),
    "Ningxia": ("银川", "Yinchuan"),
    "Xinjiang": ("乌鲁木齐", "Urumqi"),
    "Taiwan": ("台北", "Taipei", "新竹", "Hsinchu"),
}

#: Country-name variants beyond pycountry's names (matched case-insensitively as words).
COUNTRY_VARIANTS: dict[str, str] = {
    "USA": "US", "U.S.A.": "US", "U.S.A": "US", "U.S.": "US", "US": "US", "United States": "US",
    "United States of America": "US", "America": "US",
    "UK": "GB", "U.K.": "GB", "United Kingdom": "GB", "Great Britain": "GB", "Britain": "GB",
    "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
    "P.R. China": "CN", "P. R. China": "CN", "PR China": "CN", "P.R.China": "CN", "PRC": "CN",
    "People's Republic of China": "CN", "Peoples Republic of China": "CN", "Mainland China": "CN",
    "Korea": "KR", "South Korea": "KR", "Republic of Korea": "KR", "Rep. of Korea": "KR",
    "S. Korea": "KR", "North Korea": "KP", "DPRK": "KP",
    "Russia": "RU", "Russian Federation": "RU", "Iran": "IR", "Vietnam": "VN", "Viet Nam": "VN",
    "Syria": "SY", "Laos": "LA", "Taiwan": "TW", "Republic of China": "TW", "Hong Kong": "HK",
    "Macau": "MO", "Macao": "MO", "Czech Republic": "CZ", "Czechia": "CZ", "Turkey": "TR",
    "Türkiye": "TR", "Holland": "NL", "The Netherlands": "NL", "Netherlands": "NL",
    "Deutschland": "DE", "Bolivia": "BO", "Venezuela": "VE", "Tanzania": "TZ", "Moldova": "MD",
    "Brunei": "BN", "Ivory Coast": "CI", "UAE": "AE", "U.A.E.": "AE",
    "Macedonia": "MK", "Palestine": "PS", "Vatican": "VA",
    "中国": "CN", "美国": "US", "日本": "JP", "韩国": "KR", "英国": "GB", "德国": "DE",
    "法国": "FR", "加拿大": "CA", "澳大利亚": "AU", "新加坡": "SG", "印度": "IN",
}

#: Major cities → country (unambiguous ones; Chinese cities come through the provinces).
CITIES: dict[str, str] = {
    "New York": "US", "NYC": "US", "Boston": "US", "Chicago": "US", "Los Angeles": "US",
    "San Francisco": "US", "Seattle": "US", "Pittsburgh": "US", "Philadelphia": "US",
    "Atlanta": "US", "Houston": "US", "Denver": "US", "Miami": "US", "Dallas": "US", "San Diego": "US", "Palo Alto": "US", "Berkeley": "US",
    "Princeton": "US", "Ann Arbor": "US", "Austin": "US", "Mountain View": "US",
    "Redmond": "US", "Jersey City": "US", "Menlo Park": "US", "Baltimore": "US", "Evanston": "US",
    "London": "GB", "Oxford": "GB", "Edinburgh": "GB", "Manchester": "GB", "Glasgow": "GB",
    "Paris": "FR", "Lyon": "FR", "Grenoble": "FR", "Berlin": "DE", "Munich": "DE",
    "München": "DE", "Hamburg": "DE", "Frankfurt": "DE", "Stuttgart": "DE", "Heidelberg": "DE",
    "Tübingen": "DE", "Zurich": "CH", "Zürich": "CH", "Geneva": "CH", "Lausanne": "CH",
    "Amsterdam": "NL", "Delft": "NL", "Eindhoven": "NL", "Vienna": "AT", "Stockholm": "SE",
    "Copenhagen": "DK", "Oslo": "NO", "Helsinki": "FI", "Madrid": "ES", "Barcelona": "ES",
    "Rome": "IT", "Milan": "IT", "Milano": "IT", "Turin": "IT", "Lisbon": "PT",
    "Brussels": "BE", "Leuven": "BE", "Dublin": "IE", "Warsaw": "PL", "Prague": "CZ",
    "Moscow": "RU", "Tel Aviv": "IL", "Haifa": "IL", "Jerusalem": "IL",
    "Tokyo": "JP", "Kyoto": "JP", "Osaka": "JP", "Seoul": "KR", "Daejeon": "KR",
    "Bangalore": "IN", "Bengaluru": "IN", "Mumbai": "IN", "Delhi": "IN", "New Delhi": "IN",
    "Toronto": "CA", "Montreal": "CA", "Montréal": "CA", "Vancouver": "CA", "Ottawa": "CA",
    "Waterloo": "CA", "Sydney": "AU", "Melbourne": "AU", "Brisbane": "AU", "Canberra": "AU",
    "Auckland": "NZ", "São Paulo": "BR", "Sao Paulo": "BR", "Rio de Janeiro": "BR",
    "Mexico City": "MX", "Cairo": "EG", "Riyadh": "SA", "Dubai": "AE", "Abu Dhabi": "AE",
    "Tehran": "IR", "Istanbul": "TR", "Ankara": "TR",
}

#: Well-known institutions whose names carry no place (or a misleading one) → country.
INSTITUTIONS: dict[str, str] = {
    "MIT": "US", "Massachusetts Institute of Technology": "US", "Stanford": "US",
    "Harvard": "US", "Caltech": "US", "Carnegie Mellon": "US", "CMU": "US", "Yale": "US",
    "Princeton University": "US", "Columbia University": "US", "Cornell": "US",
    "Johns Hopkins": "US", "Duke University": "US", "Purdue": "US", "UCLA": "US",
    "UC Berkeley": "US", "George Mason University": "US", "Georgia Institute of Technology": "US",
    "Georgia Tech": "US", "University of Georgia": "US", "Georgia State": "US",
    "Georgia Southern": "US", "UC Davis": "US", "UC Irvine": "US", "UC San Diego": "US",
    "UC Santa Barbara": "US", "UC Santa Cruz": "US", "UC Riverside": "US", "UCSD": "US",
    "Stony Brook": "US", "Brown University": "US", "Drexel": "US",
    "University of Rochester": "US", "Southern Methodist University": "US",
    "Auburn University": "US", "Northwestern University": "US",
    "Rice University": "US", "Vanderbilt": "US", "NYU": "US", "Federal Reserve": "US",
    "Tsinghua": "CN", "Peking University": "CN", "Fudan": "CN", "Zhejiang University": "CN",
    "USTC": "CN", "Chinese Academy of Sciences": "CN", "Renmin University": "CN",
    "University of Cambridge": "GB", "Cambridge University": "GB", "Imperial College": "GB",
    "UCL": "GB", "ETH": "CH", "EPFL": "CH", "Max Planck": "DE", "Fraunhofer": "DE",
    "INRIA": "FR", "Inria": "FR", "CNRS": "FR", "Sorbonne": "FR", "KAIST": "KR",
    "POSTECH": "KR", "IIT": "IN", "NUS": "SG", "NTU Singapore": "SG", "Technion": "IL",
    "Weizmann": "IL", "KAUST": "SA", "RIKEN": "JP",
}

_GENERIC_TLDS = {"ai", "io", "co", "me", "tv", "cc", "fm", "ly", "gg", "to", "ws", "sh"}
_EMAIL = re.compile(r"[\w.+'-]+@((?:[\w-]+\.)+)([A-Za-z]{2,})\b")
_ZIP_STATE = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b")


@lru_cache(maxsize=1)
def _us_states() -> dict[str, str]:
    """ISO 3166-2:US states and DC: code (``CA``) → name (``California``)."""
    out = {}
    for s in pycountry.subdivisions.get(country_code="US"):
        if s.type in ("State", "District"):
            out[s.code.split("-")[1]] = s.name
    return out


#: The 50 US states and the District of Columbia, by name (ISO 3166-2:US via pycountry).
US_STATES: tuple[str, ...] = tuple(sorted(_us_states().values()))


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


def _latin_regex(terms: Iterable[str]) -> re.Pattern[str]:
    """One alternation, longest first, each term as a whole word (case-insensitive)."""
    alts = sorted({t for t in terms if t}, key=lambda t: (-len(t), t))
    body = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in alts)
    return re.compile(r"(?<![\w.])(?:" + body + r")(?![\w])", re.IGNORECASE)


def _is_cjk(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


@lru_cache(maxsize=1)
def _province_index() -> tuple[dict[str, str], dict[str, str], re.Pattern[str],
                               re.Pattern[str]]:
    names: dict[str, str] = {}
    cities: dict[str, str] = {}
    for p in PROVINCES:
        for t in (p.name, p.zh) + p.aliases:
            names[t.casefold()] = p.name
    for prov, cs in _CN_CITIES.items():
        for c in cs:
            cities[c.casefold()] = prov
    return (names, cities,
            _latin_regex([t for t in names if not _is_cjk(t)]),
            _latin_regex([t for t in cities if not _is_cjk(t)]))


def _find(text: str, index: dict[str, str], latin: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """(start, end, value) of every mention: CJK terms as substrings, Latin as words."""
    hits = [(m.start(), m.end(), index[_norm(m.group(0)).casefold()])
            for m in latin.finditer(text)]
    if _is_cjk(text):
        for term, value in index.items():
            if _is_cjk(term):
                for m in re.finditer(re.escape(term), text):
                    hits.append((m.start(), m.end(), value))
    # a CJK hit inside a longer CJK hit (山西 inside nothing, 蒙古 inside 内蒙古) is dropped
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, str]] = []
    for h in hits:
        if out and h[0] < out[-1][1]:
            continue
        out.append(h)
    return out


def province_of(text: str | None) -> str | None:
    """The Chinese provincial-level division named in ``text`` (an address, a region column
    or an applicant name), as its English name in :data:`PROVINCES`; None if none.

    Province names (Chinese, pinyin, English, old spellings) win over city names; among
    several, the first in the text. Examples: ``"北京市海淀区"`` → ``"Beijing"``;
    ``"深圳市腾讯计算机系统有限公司"`` → ``"Guangdong"``; ``"Nanjing, Jiangsu, China"`` →
    ``"Jiangsu"``; ``"Canton"`` → ``"Guangdong"``; ``"Shaanxi"`` ≠ ``"Shanxi"``.
    """
    if not text or not isinstance(text, str):
        return None
    names, cities, lat_n, lat_c = _province_index()
    t = _norm(text)
    hits = _find(t, names, lat_n)
    if hits:
        return hits[0][2]
    hits = _find(t, cities, lat_c)
    return hits[0][2] if hits else None


@lru_cache(maxsize=1)
def _state_regex() -> re.Pattern[str]:
    return _latin_regex(_us_states().values())


def us_state_of(text: str | None) -> str | None:
    """The US state (or DC) in ``text``, by name; by two-letter code only when the code is
    the whole text or precedes a ZIP code. Returns the ISO 3166-2 name (``"California"``)."""
    if not text or not isinstance(text, str):
        return None
    states = _us_states()
    t = _norm(text)
    if t.upper().rstrip(".") in states and len(t.rstrip(".")) == 2:
        return states[t.upper().rstrip(".")]
    by_name = {v.casefold(): v for v in states.values()}
    hits = list(_state_regex().finditer(t))
    if hits:
        return by_name[_norm(hits[-1].group(0)).casefold()]
    z = [m.group(1) for m in _ZIP_STATE.finditer(t) if m.group(1) in states]
    return states[z[-1]] if z else None


@lru_cache(maxsize=1)
def _country_index() -> tuple[dict[str, tuple[int, str]], re.Pattern[str]]:
    """term (casefolded) → (kind priority, ISO alpha-2); kind 0 country, 1 institution,
    2 state/province, 3 city."""
    idx: dict[str, tuple[int, str]] = {}

    def put(term: str, prio: int, code: str) -> None:
        k = _norm(term).casefold()
        if k and (k not in idx or idx[k][0] > prio):
            idx[k] = (prio, code)

    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            if v and "," not in v:
                put(v, 0, c.alpha_2)
    for term, code in COUNTRY_VARIANTS.items():
        if term == "US":
            continue  # the word "us" is read only in upper case (below)
        put(term, 0, code)
    for term, code in INSTITUTIONS.items():
        put(term, 1, code)
    for name in _us_states().values():
        put(name, 2, "US")
    for p in PROVINCES:
        code = _SAR_CODES.get(p.name, "CN")
        for t in (p.name, p.zh) + p.aliases:
            if t.casefold() != "amur":  # Amur is a river / Russian oblast outside Table 1
                put(t, 2, code)
    for prov, cs in _CN_CITIES.items():
        for c in cs:
            put(c, 3, _SAR_CODES.get(prov, "CN"))
    for term, code in CITIES.items():
        put(term, 3, code)
    # rules of the module docstring
    put("Georgia", 0, "GE")
    put("Jersey", 0, "JE")
    put("New Jersey", 2, "US")
    put("New Mexico", 2, "US")
    put("Washington", 2, "US")
    return idx, _latin_regex([t for t in idx if not _is_cjk(t)])


@lru_cache(maxsize=1)
def _cjk_terms() -> tuple[tuple[str, tuple[int, str]], ...]:
    return tuple((t, v) for t, v in _country_index()[0].items() if _is_cjk(t))


def email_country(text: str | None) -> str | None:
    """Country of the last e-mail address in ``text`` from its top-level domain
    (``.edu``/``.gov``/``.mil`` → US, ``.uk`` → GB, two-letter → that code unless used
    generically, see module docstring); None otherwise."""
    if not text or not isinstance(text, str):
        return None
    found = None
    for m in _EMAIL.finditer(text):
        tld = m.group(2).lower()
        if tld in ("edu", "gov", "mil"):
            found = "US"
        elif tld == "uk":
            found = "GB"
        elif len(tld) == 2 and tld not in _GENERIC_TLDS and \
                pycountry.countries.get(alpha_2=tld.upper()) is not None:
            found = tld.upper()
    return found


def country_of(text: str | None) -> str | None:
    """The ISO 3166-1 alpha-2 country of one affiliation / address string, or None.

    Priority (module docstring): explicit country name or variant > known institution >
    US state or Chinese province > major city > e-mail domain; within a kind the last
    mention. Examples: ``"Dept. of CS, Tsinghua University, Beijing, P.R. China"`` → CN;
    ``"New York University"`` → US; ``"ag@nyu.edu"`` → US; ``"IC"`` → None.
    """
    if not text or not isinstance(text, str):
        return None
    t = _norm(text)
    idx, rx = _country_index()
    bare = _EMAIL.sub(" ", t)  # "liang.chen@zju.edu.cn" names no city or country in words
    t, full = bare, t
    hits = [idx[_norm(m.group(0)).casefold()] for m in rx.finditer(t)]
    for term, value in _cjk_terms():
        if term in t:
            hits.append(value)
    if re.search(r"(?<![\w.])US(?![\w])", t):  # "US" only as an upper-case word
        hits.append((0, "US"))
    if hits:
        best = min(p for p, _ in hits)
        return [c for p, c in hits if p == best][-1]
    return email_country(full)


def countries_of(items: Iterable[str | None]) -> list[str]:
    """The distinct countries of several affiliation strings, in order of first mention."""
    out: dict[str, None] = {}
    for s in items:
        c = country_of(s)
        if c:
            out.setdefault(c, None)
    return list(out)


def country_name(code: str | None) -> str | None:
    """The short English name of an ISO alpha-2 code (pycountry's common name if any)."""
    if not code:
        return None
    c = pycountry.countries.get(alpha_2=str(code).upper())
    return getattr(c, "common_name", None) or (c.name if c else None)


def region_of(region: str | None = None, address: str | None = None,
              name: str | None = None, scheme: str = "province") -> str | None:
    """The region of an applicant for ``scheme`` ``province`` (Chinese divisions, English
    names of :data:`PROVINCES`) or ``state`` (US states): from its region column, else its
    address, else its name (Chinese applicant names usually start with their city or
    province: ``北京百度网讯科技有限公司`` → Beijing). None when nothing is found."""
    find = {"province": province_of, "state": us_state_of}.get(scheme)
    if find is None:
        raise ValueError(f"scheme must be 'province' or 'state', not {scheme!r}")
    for s in (region, address, name):
        r = find(s)
        if r:
            return r
    return None
