"""Stage 2: lay out a newspaper page into articles and photo captions.

The genre (Chinese city and county dailies as OCR-like text, e.g. 济宁日报):

* each article starts with a dateline ``本报泗水讯（通讯员 吴修林）`` and its
  body is hard-wrapped at the column width, sometimes in mid-word;
* blank lines are column breaks as often as paragraph breaks: a blank line
  after a line that does not end a sentence is a column break, not a paragraph;
* the kicker (引题, ``鱼台县``) and the headline (which may wrap over two lines)
  are printed AFTER the body, each as a short block without closing punctuation;
* photo captions end with a credit ``■通讯员 张雅 摄``;
* a short line ending a sentence ends its paragraph even without a blank line,
  unless it is the first line of a paragraph (a section lead-in such as
  ``坚持党建引领，构建基层治理新局面。``).

Every character of an article's ``text`` comes from the source in order:
lines are stripped of edge white space and joined; paragraphs are separated
by one ``\\n``. Rules are from the observed pages of this genre, not from any
one page's content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kg.models import Article, Byline, SourceDocument, Span
from kg.normalize import matching_text

SENTENCE_END = "。！？!?"
CLOSERS = "”’」』）)"
ROLE_WORDS = (
    "特约记者", "见习记者", "摄影记者", "本报记者", "记者", "特约通讯员", "通讯员", "实习生", "摄影",
)
_CJK = r"[\u3400-\u9fff]"
DATELINE = re.compile(
    r"^(?P<lead>(?:本报|本刊)(?P<place>[\u3400-\u9fff]{0,8}?)讯"
    r"|(?:新华社|中新社|人民网|新华网)(?P<place2>[\u3400-\u9fff]{0,8}?)\d{0,2}月?\d{0,2}日?电)"
    r"(?:[（(](?P<credits>[^）)\n]{1,80})[）)])?"
)
# A roster entry: a title (possibly spaced out: 主　　任) and a colon, then names (县委书记：王 锐).
ROSTER_LINE = re.compile(
    r"^(?:[\u3400-\u9fff]{2,8}[ \u3000]+)?[\u3400-\u9fff][\u3400-\u9fff \u3000]{0,10}[：:]\s*[\u3400-\u9fff]")
# A yearbook or gazette entry with its heading inline: 【蒋集镇设施蔬菜产业】 2023年，…
ENTRY = re.compile(r"^【(?P<title>[^】]{2,40})】")
# A writer's credit at the end of an entry: （撰稿：孟凡强）
WRITER = re.compile(r"[（(]\s*(?:撰稿|撰文|供稿|文|作者)[：:]\s*"
                    r"(?P<names>[\u3400-\u9fff]{2,4}(?:[\s、][\u3400-\u9fff]{2,4})*)\s*[）)]\s*$")
CREDIT = re.compile(
    r"(?P<credit>[■□▲△●◆◇★☆]?\s*[（(]?\s*(?P<role>(?:本报)?(?:特约|摄影)?(?:记者|通讯员)|摄影)?\s*"
    r"(?P<names>" + _CJK + r"{1,4}(?:[\s、]+" + _CJK + r"{1,4}){0,3})\s*摄\s*[）)]?)\s*$"
)




def _credit_search(text: str) -> re.Match[str] | None:
    """``CREDIT.search(text)``, fast: a credit ends the text (``摄``, then maybe a closing bracket and
    white space), so a text whose end is not that is rejected before the regex tries every position."""
    tail = text.rstrip()
    if tail[-1:] in "）)":
        tail = tail[:-1].rstrip()
    if not tail.endswith("摄"):
        return None
    return CREDIT.search(text)


@dataclass
class _Line:
    no: int  # 1-based line number in the source
    text: str  # stripped, in the matching view (simplified, full-width punctuation): rules read this
    orig: str  # stripped, as printed: article text is made of this
    indent: int = 0  # leading white space, in characters


@dataclass
class _Block:
    lines: list[_Line]

    @property
    def last(self) -> str:
        return self.lines[-1].text


_NARROW = re.compile(r"[\x00-\x7f\uff61-\uffdc\uffe8-\uffee]")


def display_width(s: str) -> float:
    """Printed width of ``s`` in column units: wide (CJK, full-width) = 1, narrow (ASCII,
    half-width forms) = 0.5 (Unicode East Asian Width, UAX #11, simplified to these two classes)."""
    return len(s) - 0.5 * len(_NARROW.findall(s))


def ends_sentence(line: str) -> bool:
    """Whether ``line`` ends a sentence: 。！？ possibly followed by closing quotes/brackets."""
    s = line.rstrip(CLOSERS)
    return bool(s) and s[-1] in SENTENCE_END


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    cur: list[_Line] = []
    view = matching_text(text)
    pos = 0
    for no, raw in enumerate(text.split("\n"), start=1):
        mview = view[pos:pos + len(raw)]
        pos += len(raw) + 1
        line = raw.strip()
        if line:
            lead = len(raw) - len(raw.lstrip())
            cur.append(_Line(no, mview[lead:lead + len(line)], line, lead))
        elif cur:
            blocks.append(_Block(cur))
            cur = []
    if cur:
        blocks.append(_Block(cur))
    return blocks


def _is_dateline(b: _Block) -> bool:
    return DATELINE.match(b.lines[0].text) is not None


def _is_credit(b: _Block) -> bool:
    return _credit_search(b.last) is not None


def _is_title(b: _Block) -> bool:
    """A kicker or headline block: at most three lines, no sentence or clause punctuation at the end."""
    if len(b.lines) > 3 or _is_dateline(b) or _is_credit(b):
        return False
    last = b.last.rstrip(CLOSERS)
    if not last or last[-1] in "。，、；：,;:":
        return False
    if any(c in ln.text for ln in b.lines for c in "，。；"):
        return False  # headlines and kickers are phrases; a comma or full stop inside is body text
    if len(b.lines) > 1 and any(ROSTER_LINE.match(ln.text) for ln in b.lines):
        return False  # a roster (县委书记：王 锐)
    return all(display_width(ln.text) <= 40 for ln in b.lines)


def _headings_first(blocks: list[_Block]) -> bool:
    """Whether headings come BEFORE their text on this page (yearbooks, web reports): the page
    opens with a title block and no block is a dateline."""
    return bool(blocks) and _is_title(blocks[0]) and not any(_is_dateline(b) for b in blocks)


def _split_headings_first(blocks: list[_Block]) -> list[tuple[list[_Block], list[_Block]]]:
    """Items of a headings-first page: a title block opens an item; a 【entry】 block opens one too."""
    items: list[tuple[list[_Block], list[_Block]]] = []
    titles: list[_Block] = []
    body: list[_Block] = []
    for b in blocks:
        starts_entry = ENTRY.match(b.lines[0].text) is not None
        if (_is_title(b) or starts_entry) and (body or not titles or starts_entry):
            if body or titles:
                items.append((body, titles))
            titles, body = ([] if starts_entry else [b]), ([b] if starts_entry else [])
        elif _is_title(b) and not body:
            titles.append(b)
        else:
            body.append(b)
    if body or titles:
        items.append((body, titles))
    return [(bd, tt) for bd, tt in items if bd]


def _split_items(blocks: list[_Block]) -> list[tuple[list[_Block], list[_Block]]]:
    """Group blocks into items: (body blocks, title blocks)."""
    if _headings_first(blocks):
        return _split_headings_first(blocks)
    items: list[tuple[list[_Block], list[_Block]]] = []
    body: list[_Block] = []
    i = 0
    n = len(blocks)
    while i < n:
        b = blocks[i]
        if body and _is_dateline(b):
            items.append((body, []))
            body = []
        if body and _is_title(b) and ends_sentence(body[-1].last):
            j = i
            while j < n and _is_title(blocks[j]):
                j += 1
            if j == n or _is_dateline(blocks[j]) or _credit_ahead(blocks, j):
                items.append((body, blocks[i:j]))
                body = []
                i = j
                continue
        body.append(b)
        if _is_credit(b) and not _is_dateline(body[0]):
            items.append((body, []))
            body = []
        i += 1
    if body:
        items.append((body, []))
    return items


def _credit_ahead(blocks: list[_Block], j: int) -> bool:
    """Whether a photo-credit block comes at or after ``j`` before the next dateline."""
    for b in blocks[j:]:
        if _is_dateline(b):
            return False
        if _is_credit(b):
            return True
    return False


def _is_credit_line(line: str) -> bool:
    m = _credit_search(line)
    return m is not None and m.start() == 0


def _column_width(lines: list[_Line]) -> float:
    widths = sorted(display_width(ln.text) for ln in lines)
    return widths[int(0.9 * (len(widths) - 1))] if widths else 0.0


def _join_body(blocks: list[_Block]) -> tuple[str, list[Span]]:
    """Join hard-wrapped lines; return the text and its paragraph spans."""
    lines = [ln for b in blocks for ln in b.lines]
    col = _column_width(lines)
    breaks_after: set[int] = set()
    roster = [any(ROSTER_LINE.match(x.text) for x in b.lines) for b in blocks]
    para_start = True
    flat: list[_Line] = []
    for bi, b in enumerate(blocks):
        for li, ln in enumerate(b.lines):
            idx = len(flat)
            flat.append(ln)
            last_of_block = li == len(b.lines) - 1
            nxt = b.lines[li + 1] if not last_of_block else (blocks[bi + 1].lines[0] if bi + 1 < len(blocks) else None)
            if nxt is not None and (nxt.indent >= 2 or ROSTER_LINE.match(nxt.text) or ROSTER_LINE.match(ln.text)
                                    or (last_of_block and roster[bi])):
                breaks_after.add(idx)  # a roster entry or an indented line is a line of its own
                para_start = True
                continue
            if not ends_sentence(ln.text):
                para_start = False
                continue
            short = display_width(ln.text) <= col - 2
            if (last_of_block and bi < len(blocks) - 1) or (short and not para_start):
                breaks_after.add(idx)
                para_start = True
            else:
                para_start = False
    text_parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    start = 0
    for idx, ln in enumerate(flat):
        text_parts.append(ln.orig)
        pos += len(ln.orig)
        # a credit line (■通讯员 吴限 摄) belongs to the paragraph it closes
        if idx in breaks_after and idx < len(flat) - 1 and not _is_credit_line(flat[idx + 1].text):
            spans.append(Span(start=start, end=pos))
            text_parts.append("\n")
            pos += 1
            start = pos
    spans.append(Span(start=start, end=pos))
    return "".join(text_parts), spans


def parse_credits(credits: str, offset: int) -> list[Byline]:
    """Split ``通讯员 李雷 刘创`` / ``记者 王某 通讯员 李某`` into bylines with spans.

    Names are 2–4 Han characters; single characters separated by a space are
    one padded name (``王 锐`` → 王锐). ``offset`` is where ``credits`` starts
    in the article text.
    """
    out: list[Byline] = []
    role = "通讯员"
    tokens = list(re.finditer(r"[^\s、，,]+", credits))
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        word = tok.group()
        for r in ROLE_WORDS:
            if word.startswith(r):
                role = "记者" if "记者" in r else r
                word = word[len(r):]
                break
        start = tok.end() - len(word)
        if not word:
            k += 1
            continue
        end = tok.end()
        if len(word) == 1 and k + 1 < len(tokens) and len(tokens[k + 1].group()) == 1:
            # a padded name: 王 锐 (and 欧阳 修 style is left as printed)
            nxt = tokens[k + 1]
            word = word + nxt.group()
            end = nxt.end()
            k += 1
        if re.fullmatch(_CJK + "{2,4}", word.replace(" ", "")):
            out.append(Byline(name=word, role=role, span=Span(start=offset + start, end=offset + end)))
        k += 1
    return out


def _bylines(text: str) -> tuple[str | None, Span | None, list[Byline]]:
    m = DATELINE.match(text)
    if not m:
        return None, None, []
    place = m.group("place") or m.group("place2") or None
    bylines: list[Byline] = []
    if m.group("credits"):
        bylines = parse_credits(m.group("credits"), m.start("credits"))
    return place, Span(start=0, end=m.end()), bylines


def _caption_credit(text: str) -> list[Byline]:
    m = _credit_search(text)
    if not m:
        return []
    return [b.model_copy(update={"role": "摄影"}) for b in parse_credits(m.group("names"), m.start("names"))]


def layout(doc: SourceDocument) -> list[Article]:
    """Split a page into articles and photo captions, in printed order.

    Returns Articles whose ids are ``{doc.id}-a{n}``; an article's ``text``
    starts at its dateline and a caption's ends with its credit.
    """
    articles: list[Article] = []
    blocks = _blocks(doc.text)
    # a corpus record with its own title is one article (a web report), not a page to split
    items = [(blocks, [])] if doc.title and blocks else _split_items(blocks)
    for body, titles in items:
        text, paragraphs = _join_body(body)
        kind: Literal["article", "photo"] = (
            "photo" if _is_credit(body[-1]) and not _is_dateline(body[0]) else "article")
        kicker = headline = None
        if doc.title:
            headline = doc.title
        elif titles:
            joined = ["".join(ln.orig for ln in b.lines) for b in titles]
            if len(joined) == 1:
                headline = joined[0]
            else:
                kicker, headline = joined[0], "".join(joined[1:])
        view = matching_text(text)
        if kind == "photo":
            place, dateline, bylines = None, None, _caption_credit(view)
        else:
            place, dateline, bylines = _bylines(view)
            entry = ENTRY.match(view)
            if entry and headline is None:
                headline = text[entry.start("title"):entry.end("title")]
            writer = WRITER.search(view)
            if writer and not bylines:
                for nm in re.finditer(_CJK + r"{2,4}", writer.group("names")):
                    st = writer.start("names") + nm.start()
                    bylines.append(Byline(name=nm.group(), role="撰稿", span=Span(start=st, end=st + len(nm.group()))))
        for b in bylines:  # names and places as printed; the spans index both views
            if b.span is not None:
                b.name = text[b.span.start:b.span.end].replace(" ", "").replace("\u3000", "")
        if place and dateline:
            i = view.find(place, dateline.start, dateline.end)
            place = text[i:i + len(place)] if i >= 0 else place
        index = len(articles) + 1
        articles.append(Article(
            id=f"{doc.id}-a{index}",
            source_id=doc.id,
            index=index,
            kind=kind,
            headline=headline,
            kicker=kicker,
            dateline_place=place,
            dateline=dateline,
            bylines=bylines,
            text=text,
            paragraphs=paragraphs,
            source_lines=(body[0].lines[0].no, body[-1].lines[-1].no),
            metadata=doc.metadata,
        ))
    return articles
