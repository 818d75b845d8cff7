"""IRIs and pinyin: stable, readable, ASCII identifiers for everything kg exports.

Shapes (``base`` has no trailing slash; see DESIGN.md "IRIs are stable"):

    entity     {base}/{key}                         key from resolution: place/370831, org/wenshang-…
    article    {base}/article/{article_id}
    source     {base}/source/{source_id}
    mention    {base}/article/{article_id}/mention/{start}-{end}
    quantity   {base}/article/{article_id}/quantity/{start}-{end}
    relation   {base}/article/{article_id}/relation/{predicate}-{hash}
    record     {base}/graph/{graph}/relation/{predicate}-{hash}   a relation with no article (curated, entities)
    graph      {base}/graph/{name}                  entities, curated, sources

Every IRI is ASCII: non-ASCII or reserved characters in keys and ids are
percent-encoded (RFC 3987 §3.1), so the same key always gives the same IRI.

Slugs use pypinyin: the text is cut into words with pypinyin's own phrase
segmenter (``pypinyin.seg.mmseg``); runs of one-character segments are joined
into one word and a lone trailing character joins the word before it, so
汶上县委组织部 → ``wenshang-xianwei-zuzhibu``; such a run is cut after a
division suffix (省 市 县 区 镇 乡 村) that has a name before it and at least
two characters after it, so 泗水县杨柳镇 → ``sishuixian-yangliuzhen``; a run
that starts with such a suffix gives it to the word before (济宁|市泗水县 →
``jiningshi-sishuixian``). ASCII letters and digits are kept
(lower-cased); anything else separates words.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import quote

from pypinyin import Style, lazy_pinyin
from pypinyin.seg.mmseg import seg
from rdflib import Namespace

DEFAULT_BASE = "https://kg.example.org/id"

# Vocabularies the export uses (schema.org over https, as rdflib's SDO).
KG = Namespace("https://kg.example.org/ns#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
OA = Namespace("http://www.w3.org/ns/oa#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

# Division suffixes that end a place name inside a run of one-character segments.
_LEVEL_SUFFIXES = frozenset("省市县区镇乡村")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_TOKEN = re.compile(f"{_CJK.pattern}|{_ASCII_WORD.pattern}")
# Characters kept verbatim in an IRI path segment (RFC 3986 unreserved + "/").
_SAFE = "/-._~"


def _split_run(run: str) -> list[str]:
    """Cut a run of one-character segments after division suffixes (泗水县|杨柳镇)."""
    words: list[str] = []
    start = 0
    for i, char in enumerate(run):
        if char in _LEVEL_SUFFIXES and i > start and len(run) - i - 1 >= 2:
            words.append(run[start : i + 1])
            start = i + 1
    words.append(run[start:])
    return words


def _add_run(words: list[str], run: str) -> None:
    """Append a run of one-character segments to ``words`` (see the module docstring)."""
    if words and (len(run) == 1 or run[0] in _LEVEL_SUFFIXES):
        words[-1] += run[0]  # 组织|部 → 组织部, 济宁|市泗水县 → 济宁市|泗水县
        run = run[1:]
    if run:
        words.extend(_split_run(run))


def _words(text: str) -> Iterator[tuple[str, bool]]:
    """Yield ``(word, is_cjk)`` in order; see the module docstring for the rule."""
    for match in _TOKEN.finditer(unicodedata.normalize("NFKC", text)):
        token = match.group()
        if not _CJK.fullmatch(token):
            yield token, False
            continue
        words: list[str] = []
        single = ""  # a run of one-character segments
        for part in seg.cut(token):
            if len(part) == 1:
                single += part
                continue
            if single:
                _add_run(words, single)
                single = ""
            words.append(part)
        if single:
            _add_run(words, single)
        for word in words:
            yield word, True


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    """ASCII pinyin slug: 汶上县委组织部 → ``wenshang-xianwei-zuzhibu``.

    Lower case, words joined by ``-``, ü written ``v`` (pypinyin's plain
    style). Deterministic for a given pypinyin version. Text with nothing
    to spell (only punctuation) gives ``x-`` and 8 hex digits of its SHA-1,
    so distinct texts still give distinct slugs.
    """
    parts: list[str] = []
    for word, cjk in _words(text):
        spelled = _spelled(word)[0] if cjk else _NOT_SLUG.sub("", word.lower())
        if spelled:
            parts.append(spelled)
    if not parts:
        return "x-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return "-".join(parts)


@lru_cache(maxsize=65536)
def pinyin_label(text: str) -> str:
    """Tone-marked pinyin for an ``@zh-latn-pinyin`` label: 泗水县 → ``Sìshuǐxiàn``.

    Words as in :func:`slug`, each capitalised (names are proper nouns in
    Hanyu Pinyin orthography), joined by spaces; ASCII words kept as printed.
    """
    return " ".join(_spelled(word)[1] if cjk else word for word, cjk in _words(text))


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


# Tone-marked pinyin made plain as pypinyin's Style.NORMAL writes it: tone marks dropped, ü as v
# (every letter that pypinyin's Style.TONE writes outside ASCII; tests/test_rdf.py checks the result
# against Style.NORMAL for every character and phrase in pypinyin's dictionaries).
_PLAIN = str.maketrans({**{c: "a" for c in "āáǎà"}, **{c: "e" for c in "ēéěè"}, **{c: "i" for c in "īíǐì"},
                        **{c: "o" for c in "ōóǒò"}, **{c: "u" for c in "ūúǔù"}, **{c: "v" for c in "üǖǘǚǜ"},
                        **{c: "n" for c in "ńňǹ"}, "ḿ": "m"})


# Names share their words (县委, 组织部, 党支部 …): each word is spelled once (pypinyin is a pure
# function of the word), ~4 words per distinct word in a build's names.
@lru_cache(maxsize=1 << 17)
def _spelled(word: str) -> tuple[str, str]:
    """``(slug word, label word)`` of a CJK word from one pypinyin reading (``Style.TONE``), the slug's
    made plain by :data:`_PLAIN`. Resolution slugs every name it makes a key of, so a worker process
    forked after it finds the label words of those names spelled already."""
    label = "".join(lazy_pinyin(word, style=Style.TONE))
    return _NOT_SLUG.sub("", label.translate(_PLAIN).lower()), label[:1].upper() + label[1:]


@lru_cache(maxsize=4096)  # an article's id comes back for each of its mentions, quantities and relations
def _segment(value: str) -> str:
    return quote(value, safe=_SAFE)


def entity_iri(base: str, key: str) -> str:
    """``{base}/{key}``, e.g. ``https://kg.example.org/id/place/370831``."""
    return f"{base.rstrip('/')}/{_segment(key)}"


def article_iri(base: str, article_id: str) -> str:
    """``{base}/article/{article_id}``; also the name of the article's named graph."""
    return f"{base.rstrip('/')}/article/{_segment(article_id)}"


def source_iri(base: str, source_id: str) -> str:
    """``{base}/source/{source_id}``: the page (source document) an article comes from."""
    return f"{base.rstrip('/')}/source/{_segment(source_id)}"


def unit_summary_iri(base: str, unit: str) -> str:
    """``{base}/statistics/unit/{unit}``: the summary of a build's figures in one unit (``CNY``, ``场次``)."""
    return f"{base.rstrip('/')}/statistics/unit/{_segment(unit)}"


def graph_iri(base: str, name: str) -> str:
    """``{base}/graph/{name}``: a named graph not tied to one article (``entities``, ``sources``)."""
    return f"{base.rstrip('/')}/graph/{_segment(name)}"


def mention_iri(base: str, article_id: str, start: int, end: int) -> str:
    """``{base}/article/{id}/mention/{start}-{end}``: a name at ``text[start:end]``."""
    return f"{article_iri(base, article_id)}/mention/{start}-{end}"


def quantity_iri(base: str, article_id: str, start: int, end: int) -> str:
    """``{base}/article/{id}/quantity/{start}-{end}``: a number with its unit at ``text[start:end]``."""
    return f"{article_iri(base, article_id)}/quantity/{start}-{end}"


def statement_iri(base: str, article_id: str, subject: str, predicate: str, obj: str,
                  start: int | None, end: int | None) -> str:
    """``{base}/article/{id}/relation/{predicate}-{hash}``: one relation's provenance record.

    The hash (12 hex digits of SHA-1) covers subject, predicate, object and
    evidence span, so the IRI is stable and distinct per relation.
    """
    digest = hashlib.sha1(f"{subject}\t{predicate}\t{obj}\t{start}\t{end}".encode()).hexdigest()[:12]
    return f"{article_iri(base, article_id)}/relation/{_segment(predicate)}-{digest}"



def graph_statement_iri(base: str, graph: str, subject: str, predicate: str, obj: str) -> str:
    """``{base}/graph/{graph}/relation/{predicate}-{hash}``: record of a relation with no article
    (a curated fact, a merge candidate); the hash covers subject, predicate and object."""
    digest = hashlib.sha1(f"{subject}\t{predicate}\t{obj}".encode()).hexdigest()[:12]
    return f"{graph_iri(base, graph)}/relation/{_segment(predicate)}-{digest}"


def curated_statement_iri(base: str, subject: str, predicate: str, obj: str) -> str:
    """``{base}/graph/curated/relation/{predicate}-{hash}``: record of a curated relation with no article."""
    return graph_statement_iri(base, "curated", subject, predicate, obj)
