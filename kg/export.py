"""A build's RDF files written in one streaming pass over its graphs: N-Quads, N-Triples, Turtle, TriG, JSON-LD.

:func:`write_graph_files` takes the graph one piece at a time (lists of
quads of one named graph, as :func:`kg.store.graph_chunks` yields them: the
entities graph in pieces, then curated, sources and one graph per article)
and appends each piece to every format at once, so memory holds one piece,
never the whole graph: a 10⁵-article build has some 10⁸ quads.

Order and determinism: files follow the order of the pieces (graph by
graph, subjects sorted inside a piece), so the same KnowledgeBase gives the
same bytes, whatever PYTHONHASHSEED or the number of workers. Turtle and
TriG declare every prefix of :func:`kg.rdf.kg_prefixes` up front (a
streaming writer cannot know which will be used). JSON-LD is one document
(the ``@context`` of ``schema/context.jsonld`` embedded) whose ``@graph``
lists one object per named graph, one line each, written with the standard
library's C JSON encoder.

Speed: an article's mentions, figures and relation records (nine in ten of its
quads) come as rows (:data:`kg.store.RecordRow`) and are written from a
template per record shape (:class:`_RowTemplates`), its other quads one by
one; the bytes are the same either way (a test writes the sample both ways).

N-Triples and Turtle hold the union of all graphs: a triple stated in several
graphs (a relation read in two articles, a parent link stated by an article
and by the gazetteer) is written once. Triples local to an article (its
mentions, quantities and relation records, whose IRIs are under the
article's) cannot repeat and are not remembered; the others are remembered
as 16-byte BLAKE2b digests (about 2 × 10⁶ at 10⁵ articles).

Every file is written under a temporary name in ``out_dir`` and renamed only
when all formats are complete: a failure leaves the previous files intact.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import multiprocessing as mp
import os
import queue
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, groupby
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from operator import itemgetter
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter

from kg.heap import return_large_blocks
from kg.models import Article, Entity, Relation
from kg.outfile import PlacedFile
from kg.rdf import _RDF_TYPE, _Compactor, _turtle_body, jsonld_compactor, jsonld_context
from kg.spool import decode_records
from kg.store import XSD, GraphPieces, Quad, RecordRow, Shape, TaskData, WorkerSetup, row_quads

_XSD_STRING = "^^" + XSD.string

__all__ = ["GRAPH_FILES", "GraphFiles", "write_graph_files"]

GRAPH_FILES: dict[str, str] = {
    "turtle": "graph.ttl",
    "trig": "graph.trig",
    "nquads": "graph.nq",
    "ntriples": "graph.nt",
    "json-ld": "graph.jsonld",
}
"""Format name → file name of every file :func:`write_graph_files` can write (kg's export formats)."""

_BUFFER = 1 << 20  # bytes of this process's own gathered per format before they are written
_QUEUED = 64  # writes waiting for the writer thread
_PARTS = ("nq", "trig", "json", "nt", "ttl")
"""The :class:`_Piece` attributes holding its bytes, one a format."""

_Ref = tuple[int, str, int]
"""Bytes that a worker holds: (the piece's number in its task, its :class:`_Piece` attribute, length)."""
_INDENT = re.compile(r"(?m)^(?=.)")  # the start of every non-empty line


def _indent(text: str) -> str:
    """``text`` with four spaces before every non-empty line (Turtle blocks inside a TriG graph)."""
    if not text or text[0] == "\n" or "\n\n\n" in text:  # not so in Turtle blocks: the general rule
        return _INDENT.sub("    ", text)
    out = ("    " + text.replace("\n", "\n    ")).replace("\n    \n", "\n\n")
    return out[:-4] if out[-5:] == "\n    " else out


@dataclass
class GraphFiles:
    """What :func:`write_graph_files` wrote: ``paths`` by format name, distinct ``quads`` (per graph),
    distinct ``triples`` of the union, named ``graphs``, and ``seconds``: the CPU seconds spent rendering
    each format (``time.thread_time`` of the rendering thread, summed over the processes that render;
    not wall time, which would count waiting for a core while the workers and the main process share
    fewer cores)."""

    paths: dict[str, Path] = field(default_factory=dict)
    quads: int = 0
    triples: int = 0
    graphs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    beside: Any = None


def _digest(t: tuple[str, str, str]) -> bytes:
    """A triple's 16-byte BLAKE2b digest, for :class:`_Union`."""
    return hashlib.blake2b(" ".join(t).encode(), digest_size=16).digest()


class _Union:
    """Remembers the triples written to N-Triples and Turtle that another graph may state again
    (see the module docstring), as 16-byte BLAKE2b digests."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()

    def new(self, t: tuple[str, str, str]) -> bool:
        """Whether ``t`` was not written before (and remember it)."""
        return self.fresh(_digest(t))

    def fresh(self, digest: bytes) -> bool:
        """Whether the triple of ``digest`` (:func:`_digest`) was not written before (and remember it)."""
        if digest in self.seen:
            return False
        self.seen.add(digest)
        return True

    def filter(self, triples: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """Those of ``triples`` not written before."""
        return [t for t in triples if self.new(t)]


def write_graph_files(pieces: Iterable[list[Quad]] | GraphPieces, out_dir: str | Path, prefixes: dict[str, str],
                      formats: Iterable[str] | None = None, workers: int = 1,
                      progress: Callable[[int], None] | None = None,
                      beside: Callable[[], Any] | None = None) -> GraphFiles:
    """Write ``pieces`` (non-empty lists of distinct quads of one graph each, sorted by subject) into
    ``out_dir`` in every format of :data:`GRAPH_FILES` (or ``formats``). Returns :class:`GraphFiles`.

    ``prefixes`` (name → namespace IRI) are declared in Turtle and TriG.
    Pieces of the same graph must follow each other. With a
    :class:`kg.store.GraphPieces` and ``workers`` > 1, article graphs are made
    and rendered in that many processes (POSIX only; elsewhere one process):
    spawned and sent what each task reads when the KnowledgeBase's records are
    spooled, else forked (see :func:`_rendered`), and each writes what it rendered
    into the files itself, at offsets this process gives it in order (``pwrite``);
    the files are byte-identical whatever ``workers`` is. Unknown
    format names raise KeyError; a failure (disk full, a bad piece) removes
    the temporary files and re-raises, leaving earlier files in ``out_dir``
    untouched. ``progress(n)`` (if given) is called as article graphs are written, with how many.
    ``beside()`` (if given) is other work done while the files are written: with forked workers in
    the last of them, which renders once it is done (its return value is pickled back; it may write
    files of its own), else in a thread of this process; its return value is ``GraphFiles.beside`` and what it
    raises is raised here once the files are written. A process leaves this process's threads the
    interpreter lock, which they need to merge the workers' pieces in order.
    """
    names = list(GRAPH_FILES) if formats is None else list(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = GraphFiles()
    tmp: dict[str, str] = {}
    fh: dict[str, PlacedFile] = {}
    writer: _Sink | None = None
    outcome = _Beside()
    try:
        for name in names:
            fd, tmp[name] = tempfile.mkstemp(dir=out_dir, prefix=f".{GRAPH_FILES[name]}.", suffix=".tmp")
            fh[name] = PlacedFile(fd, tmp[name])
        writer = _Sink(fh)
        files = _Files(writer, prefixes, result)

        if isinstance(pieces, GraphPieces):
            done = 0

            def merge(rendered: _Rendered | _SharedRendered) -> None:
                nonlocal done
                if isinstance(rendered, _Rendered):
                    files.article(rendered)
                    done += 1
                    if progress is not None and done % 100 == 0:
                        progress(100)
                else:
                    assert rendered.task is not None
                    files.shared_rendered(rendered, partial(pieces.shared_piece, rendered.task))

            for rendered in _rendered(pieces, files.renderer, workers, tmp, writer.start, beside):
                if isinstance(rendered, _Beside):
                    outcome = rendered
                elif isinstance(rendered, _Placed):  # a worker holds their bytes: it is told where they go
                    writer.begin()
                    for item in rendered.items:
                        merge(item)
                    rendered.place(writer.end())
                elif isinstance(rendered, (_Rendered, _SharedRendered)):
                    merge(rendered)
                else:
                    files.shared(rendered)
            if progress is not None and done % 100:
                progress(done % 100)
        else:
            writer.start()
            aside = _Beside.thread(beside)
            try:
                for piece in pieces:
                    if piece and "/graph/" in piece[0][3]:
                        files.shared(piece)
                    elif piece:
                        files.article(files.renderer.article(piece))
            finally:
                aside.join()
            outcome = aside
        files.close()
        writer.close()
        for name, f in fh.items():
            f.close()  # flushed and fsync-ed
            os.chmod(tmp[name], 0o644)
    except BaseException:
        if writer is not None:
            with contextlib.suppress(BaseException):  # the first error is the one raised
                writer.close()
        for f in fh.values():
            with contextlib.suppress(OSError):  # its unwritten buffer may fail again (disk full): still remove it
                f.close(sync=False)
        for path in tmp.values():
            Path(path).unlink(missing_ok=True)
        raise
    for name in names:
        final = out_dir / GRAPH_FILES[name]
        os.replace(tmp[name], final)
        result.paths[name] = final
    result.beside = outcome.get()
    return result


def _json_head(rest: str, compact: Callable[[str], str]) -> str:
    """The start of a JSON-LD value object (keys sorted) for a literal, up to its ``"@value": ``, from
    what follows its quoted lexical form: ``@lang``, ``^^<datatype>`` or nothing (xsd:string is left
    implicit). The lexical form is then copied as it is: kg writes literals with Oxigraph's canonical
    N-Triples escapes (backslash, quote, ``\\n``, ``\\uXXXX`` for other control characters), all of
    which are JSON escapes."""
    if rest[:1] == "@":
        return '{"@language": "' + rest[1:] + '", "@value": '
    if rest[:3] == "^^<" and rest != _XSD_STRING:
        return '{"@type": "' + compact(rest[3:-1]) + '", "@value": '
    return '{"@value": '


class _JsonNodes:
    """JSON-LD node objects as text (:meth:`render`), with the compact key of every predicate and the
    head of every literal kind (language, datatype) remembered: a build has a few dozen of each."""

    def __init__(self, compact: Callable[[str], str]) -> None:
        self.compact = compact
        self.keys: dict[str, str] = {}  # predicate term → compact key
        self.heads: dict[str, str] = {}  # what follows a literal's lexical form → _json_head

    def render(self, piece: Iterable[Quad]) -> list[str]:
        """One JSON-LD node object (expanded values, compact keys, keys and values sorted) per subject
        of ``piece`` (quads sorted by subject), as JSON text."""
        compact, keys, heads = self.compact, self.keys, self.heads
        out: list[str] = []
        for s, group in groupby(piece, key=itemgetter(0)):
            types: list[str] = []
            props: dict[str, list[str]] = {}
            for _, p, o, _ in group:
                if o[0] == "<":
                    if p == _RDF_TYPE:
                        types.append('"' + compact(o[1:-1]) + '"')
                        continue
                    value = '{"@id": "' + o[1:-1] + '"}'
                elif o[-1] == '"':  # a plain literal
                    value = '{"@value": ' + o + "}"
                else:
                    cut = o.rfind('"') + 1
                    head = heads.get(o[cut:])
                    if head is None:
                        head = heads[o[cut:]] = _json_head(o[cut:], compact)
                    value = head + o[:cut] + "}"
                key = keys.get(p)
                if key is None:
                    key = keys[p] = compact(p[1:-1])
                values = props.get(key)
                if values is None:
                    props[key] = [value]
                else:
                    values.append(value)
            parts = ['{"@id": "' + s[1:-1] + '"']
            if types:
                parts.append('"@type": [' + ", ".join(sorted(types)) + "]")
            for key in sorted(props):
                values = props[key]
                parts.append('"' + key + '": [' + (values[0] if len(values) == 1 else ", ".join(sorted(values))) + "]")
            out.append(", ".join(parts) + "}")
        return out


@dataclass
class _Piece:
    """A piece of a graph rendered for every format, as UTF-8 (encoded where it is rendered), with the
    problems met making it and the CPU seconds spent on each format. ``graph`` is empty for an empty
    piece. A piece rendered by a worker comes back without its bytes (``sizes`` and ``index`` say
    where the worker holds them: :func:`_hold`); the worker writes them itself (:func:`_place`)."""

    graph: str = ""
    quads: int = 0
    nq: bytes = b""
    trig: bytes = b""
    json: bytes = b""
    nt: bytes = b""
    ttl: bytes = b""
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    sizes: dict[str, int] | None = None  # the lengths of the bytes when a worker holds them (_hold)
    index: int = 0  # then: the piece's number in its task

    def part(self, attr: str) -> bytes | _Ref:
        """The bytes of attribute ``attr`` (``nq``, ``trig``, …), or where the worker holds them."""
        if self.sizes is None:
            value: bytes = getattr(self, attr)
            return value
        size = self.sizes[attr]
        return (self.index, attr, size) if size else b""


@dataclass
class _Rendered(_Piece):
    """One article graph rendered; ``nt`` and ``ttl`` hold its ``local`` triples. ``shared`` are its
    triples whose subject is not the article's (relation facts): only the main process knows whether
    another graph wrote them."""

    local: int = 0
    shared: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _SharedRendered(_Piece):
    """A piece of a shared graph (:meth:`kg.store.GraphPieces.shared_items`, made by ``task`` or, if
    None, in the main process) rendered, N-Triples and Turtle with every triple: ``links`` are the
    digests (:func:`_digest`) of its triples with an IRI object other than a type, in order, which the
    main process checks against what other graphs wrote (if one was, it renders those two formats
    again without it); ``plain`` is the number of its other triples."""

    task: tuple[str, int, int] | None = None
    plain: int = 0
    links: list[bytes] = field(default_factory=list)


_SUBJECT_SLOT = "urn:kg-slot-s"
_IRI, _TYPED, _LANG, _PLAIN = range(4)  # kinds of object term (_kind)


def _kind(term: str) -> int:
    if term[0] == "<":
        return _IRI
    if term[-1] == '"':
        return _PLAIN
    return _TYPED if term[-1] == ">" else _LANG


def _template(text: str, slots: dict[str, int], count: int) -> tuple[str, Callable[[tuple[str, ...]], Any]]:
    """``text`` as a ``%`` format and the getter of its values, in order, from a row's values: every
    placeholder of ``slots`` (text → index in the values) becomes ``%s``. Raises RuntimeError unless
    each of the ``count`` values is used."""
    order: list[int] = []
    pattern = re.compile("|".join(re.escape(k) for k in sorted(slots, key=len, reverse=True)))

    def slot(m: re.Match[str]) -> str:
        order.append(slots[m.group()])
        return "%s"

    fmt = pattern.sub(slot, text.replace("%", "%%"))
    if set(order) != set(range(count)):
        raise RuntimeError(f"a record template does not use each of its {count} values once or more: {text!r}")
    return fmt, itemgetter(*order)


@dataclass
class _Template:
    """A record shape's text in N-Triples, Turtle and JSON-LD: ``%`` formats and the getters of their
    values (:meth:`_RowTemplates.fill`), and where its objects are IRIs, typed literals and other literals."""

    nt: tuple[str, Callable[[tuple[str, ...]], Any]]
    ttl: tuple[str, Callable[[tuple[str, ...]], Any]]
    json: tuple[str, Callable[[tuple[str, ...]], Any]]
    iris: tuple[int, ...]
    typed: tuple[int, ...]
    literals: tuple[int, ...]  # typed or language-tagged


class _RowTemplates:
    """The text of records given as rows (:data:`kg.store.RecordRow`: mentions, figures, relation
    records), made from a template per shape instead of quad by quad: the same text, several times faster.

    A shape's template is the generic renderers' own output for a record of that shape whose values
    are placeholders (an IRI ``<urn:kg-slot-03>``, a literal ``"1000003"^^<datatype>`` or
    ``"kg-slot-03"@zh``), made the first time the shape is met, so it follows any change of those
    renderers; each format's slot takes a value as that format writes it (:meth:`fill`). What it
    assumes: the order of a record's quads does not depend on its values (one subject; a predicate
    twice only with IRIs that sort alike as terms and as JSON-LD text: rows are made so), every row
    of a shape has objects of the same kinds (IRI, literal of one datatype or language) in the same
    places, and Turtle writes the row's IRI in full (:meth:`fits`)."""

    def __init__(self, renderer: _Renderer) -> None:
        self.c, self.json = renderer.c, renderer.json
        self.shapes: dict[Shape, _Template] = {}

    def _make(self, shape: Shape, values: tuple[str, ...]) -> _Template:
        kinds = [_kind(v) for v in values]
        proto = []
        for i, (kind, value) in enumerate(zip(kinds, values, strict=True), 1):
            suffix = value[value.rindex('"') + 1 :] if kind != _IRI else ""
            proto.append(f"<urn:kg-slot-{i:02d}>" if kind == _IRI else f'"10000{i:02d}"{suffix}' if kind == _TYPED
                         else f'"kg-slot-{i:02d}"{suffix}')
        subject = f"<{_SUBJECT_SLOT}>"
        terms = [subject, *proto]
        iris = tuple(i for i, kind in enumerate(kinds) if kind == _IRI)
        typed = tuple(i for i, kind in enumerate(kinds) if kind == _TYPED)
        literals = tuple(i for i, kind in enumerate(kinds) if kind in (_TYPED, _LANG))
        # each placeholder as each format writes it (what fill() makes of a value)
        nt_slots = {t: i for i, t in enumerate(terms)}
        ttl_forms = list(terms)
        for i in iris:
            ttl_forms[i + 1] = self.c.iri(terms[i + 1])
        for i in typed:
            ttl_forms[i + 1] = self.c.term(terms[i + 1])
        json_forms = [subject[1:-1], *proto]
        for i in iris:
            json_forms[i + 1] = proto[i][1:-1]
        for i in literals:
            json_forms[i + 1] = proto[i][: proto[i].rindex('"') + 1]
        quads = sorted(row_quads((subject, shape, tuple(proto)), "<urn:kg-slot-graph>"))
        triples = [(s, p, o) for s, p, o, _ in quads]
        n = len(terms)
        return _Template(_template("".join(f"{s} {p} {o} .\n" for s, p, o in triples), nt_slots, n),
                         _template("".join(_turtle_body(self.c, triples)),
                                   {t: i for i, t in enumerate(ttl_forms)}, n),
                         _template(self.json.render(quads)[0], {t: i for i, t in enumerate(json_forms)}, n),
                         iris, typed, literals)

    def fits(self, rows: list[RecordRow]) -> list[bool]:
        """Whether Turtle writes each row's IRI in full (no prefix is its namespace)."""
        out, last, fit = [], "", True
        for row in rows:
            s = row[0]
            ns = s[1 : max(s.rfind("/"), s.rfind("#")) + 1]
            if ns != last:
                last, fit = ns, self.c.by_ns.get(ns) is None
            out.append(fit)
        return out

    def fill(self, rows: list[RecordRow], turtle: bool) -> list[tuple[_Template, tuple[str, ...], tuple[str, ...],
                                                                    tuple[str, ...]]]:
        """Each row's template and values, subject first: as N-Triples writes them (the terms), as
        JSON-LD does (IRIs without brackets, literals without datatype or language) and as Turtle
        does (IRIs and datatypes compacted where a prefix fits; only if ``turtle``)."""
        iri, term, shapes = self.c.iri, self.c.term, self.shapes
        out = []
        for s, shape, values in rows:
            t = shapes.get(shape)
            if t is None:
                t = shapes[shape] = self._make(shape, values)
            json = list(values)
            for i in t.iris:
                json[i] = json[i][1:-1]
            for i in t.literals:
                v = json[i]
                json[i] = v[: v.rindex('"') + 1]
            short: tuple[str, ...] = ()
            if turtle:
                ttl = list(values)
                for i in t.iris:
                    ttl[i] = iri(ttl[i])
                for i in t.typed:
                    ttl[i] = term(ttl[i])
                short = (s, *ttl)
            out.append((t, (s, *values), (s[1:-1], *json), short))
        return out


class _Renderer:
    """Renders pieces to text; holds the Turtle and JSON-LD IRI compactors (and their caches)."""

    def __init__(self, prefixes: dict[str, str], names: Iterable[str]) -> None:
        self.prefixes = prefixes
        self.c = _Compactor(prefixes)
        self.compact = jsonld_compactor(jsonld_context())
        self.json = _JsonNodes(self.compact)
        self.names = set(names)
        self.rows = _RowTemplates(self)

    def _quad_formats(self, piece: list[Quad], out: _Piece) -> None:
        """The formats written quad by quad, each graph apart, the same for any piece: its N-Quads and
        JSON-LD into ``out``, with their CPU seconds."""
        t0 = time.thread_time()
        if "nquads" in self.names:
            out.nq = "".join([f"{s} {p} {o} {q} .\n" for s, p, o, q in piece]).encode()
        t1 = time.thread_time()
        if "json-ld" in self.names:
            out.json = ",".join(self.json.render(piece)).encode()
        out.seconds["nquads"], out.seconds["json-ld"] = t1 - t0, time.thread_time() - t1

    def shared(self, task: tuple[str, int, int] | None, piece: list[Quad]) -> _SharedRendered:
        """Render one piece of a shared graph (made by ``task``, or in the main process if None)."""
        out = _SharedRendered(task=task)
        if not piece:
            return out
        names, c, sec = self.names, self.c, out.seconds
        out.graph, out.quads = piece[0][3], len(piece)
        self._quad_formats(piece, out)
        t2 = time.thread_time()
        triples = [(q[0], q[1], q[2]) for q in piece]
        if "trig" in names:
            out.trig = "".join(_turtle_body(c, triples, "    ")).encode()
        t3 = time.thread_time()
        if "ntriples" in names or "turtle" in names:
            out.links = [_digest(t) for t in triples if t[2][0] == "<" and t[1] != _RDF_TYPE]
            out.plain = len(triples) - len(out.links)
        if "ntriples" in names:
            out.nt = "".join([f"{s} {p} {o} .\n" for s, p, o in triples]).encode()
        t4 = time.thread_time()
        if "turtle" in names:
            out.ttl = "".join(_turtle_body(c, triples)).encode()
        t5 = time.thread_time()
        sec["trig"], sec["ntriples"], sec["turtle"] = t3 - t2, t4 - t3, t5 - t4
        return out

    def article(self, piece: list[Quad], rows: list[RecordRow] | None = None) -> _Rendered:
        """Render one article graph: ``piece`` (sorted quads, not empty) and the records in ``rows``
        (sorted by IRI, none of them a subject in ``piece``: :meth:`kg.store.GraphPieces.article_parts`).
        Its Turtle blocks are made once: TriG indents the same text (no raw line break can occur inside
        a term: N-Triples escapes them), local subjects first."""
        names, c, templates = self.names, self.c, self.rows
        if not piece:  # an article graph holds its article's node: the rows' graph comes from it
            raise ValueError("an article piece without quads (its article node's are always there)")
        g = piece[0][3]
        if rows:
            fits = templates.fits(rows)
            if not all(fits):
                piece = sorted(piece + [q for row, fit in zip(rows, fits, strict=True) if not fit
                                        for q in row_quads(row, g)])
                rows = [row for row, fit in zip(rows, fits, strict=True) if fit]
        # the piece cut where rows come between its subjects: (True, rows) and (False, quads) in order
        parts: list[tuple[bool, Any]] = []
        pos, run = 0, list[RecordRow]()
        for row in rows or ():
            k = bisect_left(piece, (row[0],), pos)
            if k > pos:
                if run:
                    parts.append((True, run))
                    run = []
                parts.append((False, piece[pos:k]))
                pos = k
            run.append(row)
        if run:
            parts.append((True, run))
        if pos < len(piece):
            parts.append((False, piece[pos:]))
        added = sum(len(row[1]) for row in rows) if rows else 0
        out = _Rendered(g, len(piece) + added)
        sec = out.seconds
        t0 = time.thread_time()
        turtle = "turtle" in names or "trig" in names
        filled = [templates.fill(items, turtle) if is_rows else [] for is_rows, items in parts]
        # the rows' N-Triples; as N-Quads, with the graph before every " .\n" (no term holds a line break)
        lines = ["".join([t.nt[0] % t.nt[1](terms) for t, terms, _, _ in rows_filled]) for rows_filled in filled
                 ] if "nquads" in names or "ntriples" in names else []
        if "nquads" in names:
            tail = f" {g} .\n"
            out.nq = "".join([lines[k].replace(" .\n", tail) if is_rows else
                              "".join([f"{s} {p} {o} {q} .\n" for s, p, o, q in items])
                              for k, (is_rows, items) in enumerate(parts)]).encode()
        t1 = time.thread_time()
        if "json-ld" in names:
            nodes: list[str] = []
            for k, (is_rows, items) in enumerate(parts):
                nodes += ([t.json[0] % t.json[1](json) for t, _, json, _ in filled[k]] if is_rows
                          else self.json.render(items))
            out.json = ",".join(nodes).encode()
        t2 = time.thread_time()
        sec["nquads"], sec["json-ld"] = t1 - t0, t2 - t1
        article = g[:-1]
        local: list[list[tuple[str, str, str]]] = []
        for is_rows, items in parts:
            mine: list[tuple[str, str, str]] = []
            if not is_rows:
                for s, p, o, _ in items:
                    if s == g or s.startswith(article) and s[len(article)] in "/#":
                        mine.append((s, p, o))
                    else:
                        out.shared.append((s, p, o))
            local.append(mine)
        out.local = sum(map(len, local)) + added
        if "ntriples" in names:
            out.nt = "".join([lines[k] if is_rows else "".join([f"{s} {p} {o} .\n" for s, p, o in local[k]])
                              for k, (is_rows, _) in enumerate(parts)]).encode()
        t3 = time.thread_time()
        ttl = ""
        if turtle:
            ttl = "".join(["".join([t.ttl[0] % t.ttl[1](short) for t, _, _, short in filled[k]]) if is_rows
                           else "".join(_turtle_body(c, local[k])) for k, (is_rows, _) in enumerate(parts)])
        if "turtle" in names:
            out.ttl = ttl.encode()
        t4 = time.thread_time()
        if "trig" in names:
            out.trig = _indent(ttl + "".join(_turtle_body(c, out.shared))).encode()
        t5 = time.thread_time()
        sec["ntriples"], sec["turtle"], sec["trig"] = t3 - t2, t4 - t3, t5 - t4
        return out


class _Sink:
    """The bytes of the files, in order, each at the offset where it goes. This process's own bytes
    are gathered per file and written by a thread of their own, so that the main process goes on
    merging while the kernel makes it wait on a write (a 10⁵-article build writes some 30 GB, more
    than the page cache takes before it holds writers back). A worker's rendered pieces are written
    by that worker (:func:`_place`), never sent here: between :meth:`begin` and :meth:`end` each
    file's bytes form one region, this process's bytes among references to the worker's
    (:data:`_Ref`), and :meth:`end` says where each region goes. The thread starts with
    :meth:`start` (after the worker processes are forked: a forked child would hold a copy of its
    locks); writes until then wait in a list. The first error of a write is raised by the next
    :meth:`write` or by :meth:`close`."""

    def __init__(self, fh: dict[str, PlacedFile]) -> None:
        self.fh = fh
        self.end_of = dict.fromkeys(fh, 0)  # the offset where each file's next bytes go
        self.gathered: dict[str, list[bytes]] = {name: [] for name in fh}  # bytes ending at end_of
        self.size = dict.fromkeys(fh, 0)  # of the gathered bytes
        self.region: dict[str, list[bytes | _Ref]] | None = None
        self.queue: queue.Queue[tuple[str, int, list[bytes]] | None] = queue.Queue(maxsize=_QUEUED)
        self.early: list[tuple[str, int, list[bytes]]] | None = []  # writes before start()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="kg-rdf-writer", daemon=True)

    def start(self) -> None:
        """Start the thread (once) and hand it the writes made until now."""
        if self.early is not None:
            early, self.early = self.early, None
            self.thread.start()
            for item in early:
                self.queue.put(item)

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:  # after an error, the queue is only drained
                name, offset, parts = item
                try:
                    self.fh[name].write_at(parts, offset)
                except BaseException as exc:  # re-raised in the main thread
                    self.error = exc

    def write(self, name: str, data: bytes | _Ref) -> None:
        """Append ``data`` (bytes, or a worker's inside a region) to the file of format ``name``."""
        if self.error is not None:
            raise self.error
        if not data:
            return
        if self.region is not None:
            self.region[name].append(data)
            return
        assert isinstance(data, bytes), "a worker's bytes outside a region"
        self.gathered[name].append(data)
        self.size[name] += len(data)
        self.end_of[name] += len(data)
        if self.size[name] >= _BUFFER:
            self._flush(name)

    def _flush(self, name: str) -> None:
        """Queue the gathered bytes of ``name``'s file for the thread."""
        if self.size[name]:
            item = (name, self.end_of[name] - self.size[name], self.gathered[name])
            self.gathered[name], self.size[name] = [], 0
            if self.early is None:
                self.queue.put(item)
            else:
                self.early.append(item)

    def begin(self) -> None:
        """Open a region: the writes until :meth:`end` are a worker's pieces and what goes among them."""
        self.region = {name: [] for name in self.fh}

    def end(self) -> dict[str, tuple[int, list[bytes | _Ref]]]:
        """Close the region: format name → (offset, its parts in order) of each file where the
        region holds a worker's bytes, for that worker to write; the region's other bytes are
        this process's to write, as by :meth:`write`."""
        region, self.region = self.region, None
        assert region is not None, "end() without begin()"
        placed: dict[str, tuple[int, list[bytes | _Ref]]] = {}
        for name, parts in region.items():
            if any(isinstance(part, tuple) for part in parts):
                self._flush(name)  # what is gathered ends where the region starts
                placed[name] = (self.end_of[name], parts)
                self.end_of[name] += sum(len(p) if isinstance(p, bytes) else p[2] for p in parts)
            else:
                for part in parts:
                    self.write(name, part)
        return placed

    def close(self) -> None:
        """Write what is gathered and wait until every write is done (or failed: then raise its error)."""
        for name in self.fh:
            self._flush(name)
        self.start()
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


class _Files:
    """The open files of :func:`write_graph_files` and what spans pieces: the graph being written,
    the union filter of N-Triples and Turtle, the counts."""

    def __init__(self, writer: _Sink, prefixes: dict[str, str], result: GraphFiles) -> None:
        self.out, self.names, self.result = writer, set(writer.fh), result
        self.renderer = _Renderer(prefixes, self.names)
        self.union = _Union()
        self.graph: str | None = None
        self.first_node = True
        self.clock = result.seconds
        for name in writer.fh:
            self.clock[name] = 0.0
        header = self.renderer.c.header(prefixes).encode()
        for name in ("turtle", "trig"):
            if name in self.names:
                self.out.write(name, header)
        if "json-ld" in self.names:
            context = json.dumps(jsonld_context(), ensure_ascii=False, sort_keys=True)
            self.out.write("json-ld", ('{"@context": ' + context + ',\n"@graph": [').encode())

    def _graph(self, g: str) -> None:
        """Close the previous graph's TriG block and JSON-LD object and open ``g``'s."""
        if g == self.graph:
            return
        names, c = self.names, self.renderer.c
        if "trig" in names:
            self.out.write("trig", (("}\n\n" if self.graph is not None else "") + f"{c.iri(g)} {{\n").encode())
        if "json-ld" in names:
            self.out.write("json-ld", (("]},\n" if self.graph is not None else "\n") + '{"@id": '
                                       + json.dumps(g[1:-1], ensure_ascii=False) + ', "@graph": [').encode())
            self.first_node = True
        self.graph = g
        self.result.graphs += 1

    def _quads(self, r: _Piece) -> None:
        """What a rendered piece writes whatever other graphs wrote: its N-Quads, TriG and JSON-LD
        (each graph apart), and its counts and seconds."""
        self._graph(r.graph)
        self.result.quads += r.quads
        for name, sec in r.seconds.items():
            if name in self.clock:
                self.clock[name] += sec
        self.out.write("nquads", r.part("nq"))
        self.out.write("trig", r.part("trig"))
        if "json-ld" in self.names:
            self._json(r.part("json"))

    def _json(self, data: bytes | _Ref) -> None:
        if data:
            if not self.first_node:
                self.out.write("json-ld", b",")
            self.out.write("json-ld", data)
            self.first_node = False

    def shared(self, piece: list[Quad]) -> None:
        """A piece of a graph shared by all articles (entities, curated, sources), rendered here."""
        self.shared_rendered(self.renderer.shared(None, piece), lambda: piece)

    def shared_rendered(self, r: _SharedRendered, remake: Callable[[], list[Quad]]) -> None:
        """A piece of a shared graph rendered by :meth:`_Renderer.shared` (here or in a worker); its
        N-Triples and Turtle are rendered again here, from ``remake()``'s quads, if another graph wrote
        one of its links (rare: a link stated by the gazetteer and by a curated file)."""
        if not r.graph:
            return
        names, out = self.names, self.out
        self._quads(r)
        if "ntriples" not in names and "turtle" not in names:
            return
        t = time.thread_time()
        fresh = [self.union.fresh(d) for d in r.links]
        if all(fresh):
            self.result.triples += r.plain + len(fresh)
            out.write("ntriples", r.part("nt"))
            out.write("turtle", r.part("ttl"))
            return
        flags = iter(fresh)  # the links in order: written if fresh
        triples = [(s, p, o) for s, p, o, _ in remake() if o[0] != "<" or p == _RDF_TYPE or next(flags)]
        self.result.triples += len(triples)
        if "ntriples" in names:
            out.write("ntriples", "".join([f"{s} {p} {o} .\n" for s, p, o in triples]).encode())
        if "turtle" in names:
            out.write("turtle", "".join(_turtle_body(self.renderer.c, triples)).encode())
        self.clock["turtle" if "turtle" in names else "ntriples"] += time.thread_time() - t

    def article(self, r: _Rendered) -> None:
        """An article graph rendered by :class:`_Renderer` (here or in a worker)."""
        names, out = self.names, self.out
        self._quads(r)
        if "ntriples" in names or "turtle" in names:
            shared = self.union.filter(r.shared)
            self.result.triples += r.local + len(shared)
            if "ntriples" in names:
                out.write("ntriples", r.part("nt"))
                if shared:
                    t = time.thread_time()
                    out.write("ntriples", "".join([f"{s} {p} {o} .\n" for s, p, o in shared]).encode())
                    self.clock["ntriples"] += time.thread_time() - t
            if "turtle" in names:
                out.write("turtle", r.part("ttl"))
                if shared:
                    t = time.thread_time()
                    out.write("turtle", "".join(_turtle_body(self.renderer.c, shared)).encode())
                    self.clock["turtle"] += time.thread_time() - t

    def close(self) -> None:
        if "trig" in self.names and self.graph is not None:
            self.out.write("trig", b"}\n")
        if "json-ld" in self.names:
            self.out.write("json-ld", b"]}\n]}\n" if self.graph is not None else b"]}\n")


# ------------------------------------------------------------------ article graphs in worker processes

@dataclass
class _Beside:
    """The outcome of :func:`write_graph_files`'s ``beside()``: its ``value`` or the ``error`` it raised."""

    value: Any = None
    error: BaseException | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def thread(cls, work: Callable[[], Any] | None) -> _Beside:
        """``work()`` started in a thread of this process (nothing if None); :meth:`join` waits for it."""
        out = cls()
        if work is not None:
            def run() -> None:
                try:
                    out.value = work()
                except BaseException as exc:  # raised by get() in the caller's thread
                    out.error = exc

            out._thread = threading.Thread(target=run, name="kg-beside")
            out._thread.start()
        return out

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def get(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


_BATCH = 64  # articles per task of a worker
_WINDOW = 2  # tasks in flight per worker
_STATE: tuple[GraphPieces, _Renderer] | None = None  # set in the parent before forking, by _start_worker if spawned
_BESIDE: Callable[[], Any] | None = None  # the same
_PATHS: dict[str, str] = {}  # format name → the temporary file a worker writes into; the same
_HELD: dict[int, list[dict[str, bytes]]] = {}  # in a worker: task number → its pieces' bytes until placed
_OPEN: dict[str, PlacedFile] = {}  # in a worker: the files it has opened


@dataclass
class _Placed:
    """Pieces rendered by a worker that holds their bytes (:func:`_hold`); ``place(regions)`` tells
    it where they go (:meth:`_Sink.end`)."""

    items: list[_Rendered | _SharedRendered]
    place: Callable[[dict[str, tuple[int, list[bytes | _Ref]]]], None]


_P = TypeVar("_P", bound=_Piece)


def _hold(task: int, pieces: list[_P]) -> list[_P]:
    """In a worker: keep the bytes of ``pieces`` (rendered for task number ``task``) here until
    :func:`_place` writes them; the pieces go back with their sizes only."""
    held = []
    for k, piece in enumerate(pieces):
        parts = {attr: getattr(piece, attr) for attr in _PARTS}
        for attr in parts:
            setattr(piece, attr, b"")
        piece.sizes, piece.index = {attr: len(data) for attr, data in parts.items()}, k
        held.append(parts)
    _HELD[task] = held
    return pieces


def _place(job: tuple[int, dict[str, tuple[int, list[bytes | _Ref]]]]) -> None:
    """In a worker: write the regions of task ``job[0]`` (format name → offset, parts: bytes of the
    main process, or references to the task's held bytes) into the files, then forget its bytes."""
    task, regions = job
    held = _HELD.pop(task)
    for name, (offset, parts) in regions.items():
        if name not in _OPEN:
            _OPEN[name] = PlacedFile.open(_PATHS[name])
        _OPEN[name].write_at([p if isinstance(p, bytes) else held[p[0]][p[1]] for p in parts], offset)


def _finish() -> None:
    """In a worker: close the files it wrote (the main process makes them durable: ``fsync``)."""
    for f in _OPEN.values():
        f.close(sync=False)
    _OPEN.clear()
    _HELD.clear()


def _run_beside() -> Any:
    assert _BESIDE is not None
    return _BESIDE()


def _start_worker(args: tuple[WorkerSetup, dict[str, str], dict[str, str]]) -> None:
    """A spawned worker's first task: the state its tasks read (``(setup, prefixes, paths)``, paths:
    format name → the file it writes into; :meth:`kg.store.GraphPieces.in_worker`)."""
    global _STATE
    setup, prefixes, paths = args
    return_large_blocks()
    _STATE = GraphPieces.in_worker(setup), _Renderer(prefixes, paths)
    _PATHS.update(paths)


def _json_text(value: Any) -> str:
    """``value`` (models, lists, dicts of them) as JSON text, for a spawned worker (:func:`_from_json`).

    Not pickled: pickling a ``str`` makes CPython keep a UTF-8 copy of it inside the string object
    for good (three bytes a Chinese character beside its two), so sending the articles' texts by
    pickle grew the main process by ~0.5 GB at 10⁵ articles; ``model_dump`` and ``json`` read the
    characters without it. Dates become ISO text, which validation turns back into dates."""
    def plain(v: Any) -> Any:
        return v.model_dump() if isinstance(v, BaseModel) else [plain(x) for x in v] if isinstance(v, list) else v

    return json.dumps(plain(value), ensure_ascii=False, default=str)


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _from_json(kind: str, text: str) -> Any:
    """The models of :func:`_json_text`'s ``text``: ``kind`` is ``articles``, ``entities`` or ``relations``."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        model = {"articles": Article, "entities": Entity, "relations": Relation}[kind]
        adapter = _ADAPTERS[kind] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter.validate_json(text)


def _task_text(data: TaskData) -> tuple[str, dict[str, int], str, str]:
    """A shared-graph task's data (:meth:`GraphPieces.task_data`) for a spawned worker (:func:`_json_text`)."""
    entities, counts, relations, rows = data
    return (_json_text(entities), counts, _json_text(relations),
            json.dumps([[a, b, row] for (a, b), row in rows.items()], ensure_ascii=False))


def _task_data(text: tuple[str, dict[str, int], str, str]) -> TaskData:
    """:func:`_task_text` undone, in the worker."""
    entities, counts, relations, rows = text
    return (_from_json("entities", entities), counts, _from_json("relations", relations),
            {(a, b): row for a, b, row in json.loads(rows)})


def _render_batch(task: tuple[int, int, int, str | None, list[bytes] | None]) -> list[_Rendered]:
    """Render articles ``start:stop`` of ``task`` (``(number, start, stop, articles, records)``): in a
    spawned worker from the articles as JSON (:func:`_json_text`) and their records as stored
    (:meth:`kg.spool.RecordSpool.raw`), in a forked one from the KnowledgeBase (None, None). Their
    bytes stay here (:func:`_hold`) under the task's number."""
    assert _STATE is not None
    pieces, renderer = _STATE
    problems = pieces.emitter.problems
    number, start, stop, text, raws = task
    articles = _from_json("articles", text) if text is not None else None
    fixes = pieces.emitter.kb.fixes if raws is not None else []  # a worker's _WorkerKb
    out = []
    for k, i in enumerate(range(start, stop)):
        before = len(problems) if problems is not None else 0
        records = decode_records(raws[k], fixes) if raws is not None else None
        piece, rows = pieces.article_parts(i, articles[k] if articles is not None else None, records)
        if piece or rows:
            rendered = renderer.article(piece, rows)
            if problems is not None:
                rendered.problems = problems[before:]
            out.append(rendered)
    return _hold(number, out)


def _render_shared(job: tuple[int, tuple[str, int, int], tuple[str, dict[str, int], str, str] | None]
                   ) -> _SharedRendered:
    """Render a task of the shared graphs (``(number, task, data)``): in a spawned worker from its data
    as text (:func:`_task_text`), in a forked one from the KnowledgeBase (None). Its bytes stay here
    (:func:`_hold`) under the task's number."""
    assert _STATE is not None
    pieces, renderer = _STATE
    problems = pieces.emitter.problems
    before = len(problems) if problems is not None else 0
    number, task, text = job
    rendered = renderer.shared(task, pieces.shared_piece(task, _task_data(text) if text is not None else None))
    if problems is not None:
        rendered.problems = problems[before:]
    return _hold(number, [rendered])[0]


def _serve(conn: Any) -> None:
    """A worker's loop: run each ``(function, argument)`` received on ``conn`` and send back
    ``(True, value)`` or ``(False, exception)``, until None. :func:`_place` gets no answer: what it
    raises answers every later task instead."""
    failed: Exception | None = None
    while (task := conn.recv()) is not None:
        fn, arg = task
        if fn is _place:
            if failed is None:
                try:
                    fn(arg)
                except Exception as exc:
                    failed = exc
            continue
        try:
            if failed is not None:
                raise failed
            out: tuple[bool, Any] = (True, fn() if arg is None else fn(arg))
        except Exception as exc:
            out = (False, exc)
        try:
            conn.send(out)
        except Exception as exc:  # a value or an exception that does not pickle
            conn.send((False, RuntimeError(f"{fn.__name__} in a worker process: {exc!r}")))
    conn.close()


class _Spawned:
    """A worker process started as a new interpreter running :func:`serve_socket` (``python -c``), with
    the parts of ``multiprocessing.Process`` that :class:`_Workers` uses (``kill``, ``join``,
    ``exitcode``, ``is_alive``). Not ``multiprocessing``'s spawn: that one runs the caller's main
    script again in the worker, so a user's script calling :func:`kg.pipeline.build` without an
    ``if __name__ == "__main__":`` guard would start a build in every worker. The worker gets this
    process's ``sys.path`` and one end of a socket pair, wrapped as a ``multiprocessing`` connection."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen

    @classmethod
    def start(cls) -> tuple[_Spawned, Connection]:
        here, there = socket.socketpair()
        try:
            code = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
                    "from kg.export import serve_socket; serve_socket(int(sys.argv[2]))")
            popen = subprocess.Popen([sys.executable, "-c", code, json.dumps(sys.path), str(there.fileno())],
                                     pass_fds=(there.fileno(),), stdin=subprocess.DEVNULL)
        except BaseException:
            here.close()
            raise
        finally:
            there.close()
        return cls(popen), Connection(here.detach())

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.popen.kill()

    def join(self) -> None:
        self.popen.wait()


def serve_socket(fd: int) -> None:
    """A spawned worker's main (:class:`_Spawned`): :func:`_serve` on the connection of socket ``fd``;
    it ends when the main process sends None or goes away."""
    conn = Connection(fd)
    try:
        _serve(conn)
    except (EOFError, OSError, KeyboardInterrupt):  # the main process went away or was interrupted (Ctrl-C
        pass  # reaches every process of the terminal): it reports that, not each worker


class _Workers:
    """Worker processes, each with a pipe of its own: a task is sent to one of them and its result
    read back from that worker, in the order sent. ``method`` is how they start: ``fork`` (they
    hold a copy of this process, pages shared until written) or ``spawn`` (a new interpreter, given
    what it needs by its tasks). Unlike ``multiprocessing.Pool``, whose workers share one result
    queue, a worker can be killed at any moment (an error or an interrupt in this process) without
    leaving a result half written in a shared pipe (``Pool.terminate`` then waits for the rest
    forever), and a worker that dies (the kernel's out-of-memory killer) raises RuntimeError here
    instead of leaving its task unanswered. Tasks are pickled in the caller's thread and written to
    the pipes by a thread per worker: a task larger than a pipe's buffer (one carrying its data)
    would otherwise wait for the worker to read it while the worker waits for this process to read
    its result."""

    def __init__(self, n: int, method: str = "fork") -> None:
        self.procs: list[Any] = []
        self.conns: list[Any] = []
        self.outboxes: list[queue.SimpleQueue[bytes | memoryview | None]] = []
        self.senders: list[threading.Thread] = []
        try:
            for _ in range(n):
                if method == "spawn":
                    proc, here = _Spawned.start()
                else:
                    ctx: Any = mp.get_context(method)
                    here, there = ctx.Pipe()
                    proc = ctx.Process(target=_serve, args=(there,), daemon=True)
                    proc.start()
                    there.close()  # this process keeps its end only: the worker's death closes the pipe
                self.procs.append(proc)
                self.conns.append(here)
            for conn in self.conns:  # threads once every worker is started (a forked child would copy their locks)
                outbox: queue.SimpleQueue[bytes | memoryview | None] = queue.SimpleQueue()
                sender = threading.Thread(target=self._send_all, args=(conn, outbox), name="kg-task-sender",
                                          daemon=True)
                sender.start()
                self.outboxes.append(outbox)
                self.senders.append(sender)
        except BaseException:
            self.kill()
            raise

    @staticmethod
    def _send_all(conn: Any, outbox: queue.SimpleQueue[bytes | memoryview | None]) -> None:
        """Write each pickled task of ``outbox`` to ``conn`` until None; stop at an error (a worker
        that died: :meth:`recv` reads its closed pipe)."""
        while (data := outbox.get()) is not None:
            try:
                conn.send_bytes(data)
            except OSError:
                return

    def send(self, worker: int, fn: Callable[..., Any], arg: Any = None) -> None:
        """Queue ``fn(arg)`` for ``worker``; pickled here (what does not pickle raises here)."""
        self.send_pickled(worker, ForkingPickler.dumps((fn, arg)))

    def send_pickled(self, worker: int, data: bytes | memoryview) -> None:
        """Queue a task pickled once for several workers (``ForkingPickler.dumps((fn, arg))``)."""
        self.outboxes[worker].put(data)

    def ready(self, worker: int) -> bool:
        """Whether ``worker`` has sent a result (or died) that :meth:`recv` would read without waiting."""
        return bool(self.conns[worker].poll())

    def recv(self, worker: int) -> Any:
        """The result of ``worker``'s oldest task; its exception raised here."""
        try:
            ok, value = self.conns[worker].recv()
        except (EOFError, OSError):
            self.procs[worker].join()
            raise RuntimeError(f"a worker process stopped (exit code {self.procs[worker].exitcode}) before it "
                               "finished its task; was it out of memory?") from None
        if not ok:
            raise value
        return value

    def _stop_senders(self) -> None:
        for outbox in self.outboxes:
            outbox.put(None)
        for sender in self.senders:
            sender.join()

    def close(self) -> None:
        """Let the workers finish and wait for them."""
        for outbox in self.outboxes:
            outbox.put(ForkingPickler.dumps(None))  # a worker stops at None
        self._stop_senders()
        for proc in self.procs:
            proc.join()
        for conn in self.conns:
            conn.close()

    def kill(self) -> None:
        """Stop the workers now (whatever they are doing) and wait for them."""
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.join()
        self._stop_senders()  # a sender writing to a dead worker's pipe meets an error and stops
        for conn in self.conns:
            conn.close()


def _memory_kib(path: str, field_name: str) -> int | None:
    """A ``Field: N kB`` value of a /proc file (Linux), None elsewhere."""
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def fork_fits(workers: int) -> bool:
    """Whether ``workers`` forked children can each copy this process's resident memory and leave
    memory available: a forked child shares the parent's pages only until it writes them, and
    CPython writes a reference count into every object it reads, so a child rendering half the
    articles comes to copy much of the KnowledgeBase (measured: 10⁵ articles, a 14 GiB parent,
    two children took 4 GiB in two minutes and kept going). True where /proc cannot tell."""
    available = _memory_kib("/proc/meminfo", "MemAvailable")
    resident = _memory_kib(f"/proc/{os.getpid()}/status", "VmRSS")
    if available is None or resident is None:
        return True
    return available > resident * workers


def _rendered(pieces: GraphPieces, renderer: _Renderer, workers: int, paths: dict[str, str],
              forked: Callable[[], None] | None = None, beside: Callable[[], Any] | None = None
              ) -> Iterator[_Rendered | _SharedRendered | _Placed | list[Quad] | _Beside]:
    """Every piece of ``pieces`` in order: the shared graphs' (:meth:`GraphPieces.shared_items`: a
    task rendered, or a piece made here for the caller to render), then every article graph rendered.
    Tasks and articles are rendered in ``workers`` processes when more than one is asked for and the
    platform can fork, while this process merges what they rendered and makes the other pieces; the
    files are the same either way. A worker keeps the bytes it rendered and writes them itself into
    the files of ``paths`` (format name → path) once told where (a :class:`_Placed` is yielded for
    each task): they never travel through this process. With a spooled KnowledgeBase (``kb.spool``) the workers are
    spawned, each task sent with copies of what it reads (:meth:`GraphPieces.task_data`, the articles
    and their records as stored), and ``beside()`` runs in a thread of this process: forked workers
    would come to hold a copy of most of this process's memory (CPython writes a reference count into
    every object read, by them or by this process), spawned ones hold their tasks. Without a spool
    they are forked when memory allows it (:func:`fork_fits`) and ``beside()`` runs first in the last
    of them, which takes tasks once it is done. Without workers everything runs here, ``beside()`` in
    a thread. ``forked()`` is called once the workers are started (at once without them);
    ``beside()``'s outcome comes last, a :class:`_Beside`. An error here or in the caller kills the
    workers (:class:`_Workers`)."""
    global _STATE, _BESIDE
    n = len(pieces)
    spool = pieces.kb.spool if sys.executable else None  # no interpreter to start (embedded): fork
    if (workers <= 1 or n < 2 * _BATCH or "fork" not in mp.get_all_start_methods()
            or (spool is None and not fork_fits(workers))):
        if forked is not None:
            forked()
        aside = _Beside.thread(beside)
        try:
            for item in pieces.shared_items():
                yield renderer.shared(item, pieces.shared_piece(item)) if isinstance(item, tuple) else item
            for i in range(n):
                piece, rows = pieces.article_parts(i)
                if piece or rows:
                    yield renderer.article(piece, rows)
        finally:
            aside.join()
        yield aside
        return
    # spawned workers start now: their interpreters load while this process prepares (forked ones
    # are forked once it is done, to share it)
    spawned = _Workers(workers, "spawn") if spool is not None else None
    try:
        pieces.prepare()  # what every task reads, made once here rather than in each worker
    except BaseException:
        if spawned is not None:
            spawned.kill()
        raise
    articles = pieces.kb.articles
    _PATHS.update(paths)
    if spool is None:
        _STATE, _BESIDE = (pieces, renderer), beside
        gc.freeze()  # forked children then do not copy the parent's pages just to scan them (the KB holds no cycles)
    jobs = chain(pieces.shared_items(), ((i, min(i + _BATCH, n)) for i in range(0, n, _BATCH)))
    aside = _Beside()
    try:
        procs = spawned if spawned is not None else _Workers(workers, "fork")
        try:
            outcome = _Beside()
            busy = None  # the worker running beside(), if one does
            if spool is not None:
                setup = ForkingPickler.dumps((_start_worker, (pieces.worker_setup(), renderer.prefixes, paths)))
                for worker in range(workers):
                    procs.send_pickled(worker, setup)
                aside = _Beside.thread(beside)
                for worker in range(workers):
                    procs.recv(worker)
            elif beside is not None:
                # beside() runs first in the last worker, which then renders too: a process of its own
                # would copy as many of this process's pages again (the views read every entity and article)
                busy = workers - 1
                procs.send(busy, _run_beside)
            if forked is not None:
                forked()
            problems = pieces.emitter.problems
            # at most _WINDOW tasks per worker rendered ahead of the writer (a batch of articles is ~20 MB
            # of text at 10⁵ articles), handed out in turn; a pending entry is the worker holding the task
            pending: deque[Any] = deque()
            turn = 0  # tasks handed out: the next one's number

            def collect_beside() -> None:
                nonlocal busy
                if busy is not None:
                    try:
                        outcome.value = procs.recv(busy)
                    except Exception as exc:  # raised by the caller once the files are done
                        if not procs.procs[busy].is_alive():  # the worker died: it cannot render either
                            raise
                        outcome.error = exc
                    busy = None

            def submit() -> None:
                nonlocal turn
                if busy is not None and procs.ready(busy):
                    collect_beside()
                while len(pending) < workers * _WINDOW and (job := next(jobs, None)) is not None:
                    if isinstance(job, list):  # a piece made here
                        pending.append(job)
                        continue
                    free = workers - (busy is not None)
                    number, worker, turn = turn, turn % free, turn + 1
                    # a task of the shared graphs or a batch of articles; a spawned worker is sent copies
                    # of what it reads (as text), a forked one reads this process's objects
                    if isinstance(job[0], str):
                        procs.send(worker, _render_shared, (number, job, _task_text(pieces.task_data(job))
                                                            if spool is not None else None))
                    elif spool is not None:
                        start, stop = job
                        procs.send(worker, _render_batch, (number, start, stop, _json_text(articles[start:stop]),
                                                           [spool.raw(i) for i in range(start, stop)]))
                    else:
                        procs.send(worker, _render_batch, (number, *job, None, None))
                    pending.append((worker, number))

            submit()
            while pending:
                job = pending.popleft()
                submit()
                if isinstance(job, list):
                    yield job
                    continue
                worker, number = job
                result = procs.recv(worker)
                items = result if isinstance(result, list) else [result]
                if problems is not None:
                    for rendered in items:
                        problems.extend(rendered.problems)
                yield _Placed(items, partial(_send_place, procs, worker, number))
            collect_beside()
            for worker in range(workers):  # every region written: the files are whole once this process syncs them
                procs.send(worker, _finish)
            for worker in range(workers):
                procs.recv(worker)
            procs.close()
        except BaseException:  # an error here or in the caller (GeneratorExit): stop the workers at once
            procs.kill()
            raise
        finally:
            aside.join()
        yield aside if spool is not None else outcome
    finally:
        _STATE, _BESIDE = None, None
        _PATHS.clear()


def _send_place(procs: _Workers, worker: int, number: int, regions: dict[str, tuple[int, list[bytes | _Ref]]]
                ) -> None:
    """Tell ``worker`` where the bytes of its task ``number`` go (:func:`_place`)."""
    procs.send(worker, _place, (number, regions))
