"""Programs versus rhetoric: hand-worked sentences, and precision/recall measured on the gold page."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from kg.extract.orgs import extract_orgs
from kg.extract.programs import extract_programs
from kg.layout import layout
from kg.models import Article
from kg.sources import read_source

ROOT = Path(__file__).resolve().parents[1]
STRIP = re.compile(r"[\s“”‘’\"'《》()（）·]")


def _norm(t: str) -> str:
    return STRIP.sub("", unicodedata.normalize("NFKC", t))


def _programs(text: str) -> list[str]:
    a = Article(id="x", source_id="s", index=1, text=text, source_lines=(1, 1))
    return [m.name or m.surface for m in extract_programs(a, extract_orgs(a))]


@pytest.mark.parametrize(("text", "expected"), [
    ("全面推行“四议两公开”工作法，", ["四议两公开"]),
    ("打通服务群众“最后一公里”。", []),
    ("解决群众“头疼事”“烦心事”。", []),
    ("破解“交什么”难题。", []),
    ("推动工作由“要我做”向“我要做”转变。", []),
    ("发挥老党员“情况熟、人脉广”优势。", []),
    ("实施“红色引擎·助企发展”行动，", ["红色引擎·助企发展"]),
    ("印发《乡村振兴实施方案》，", ["乡村振兴实施方案"]),
    ("擦亮“金色学园”老年教育品牌。", ["金色学园"]),
    ("推行党支部领办合作社模式，", ["党支部领办合作社模式"]),
])
def test_programs_and_rhetoric(text, expected):
    assert _programs(text) == expected


def test_precision_and_recall_on_the_gold_page():
    gold = json.loads((ROOT / "tests" / "data" / "seed_gold.json").read_text(encoding="utf-8"))
    programs = [e for e in gold["entities"] if e["type"] == "Program"]
    names = [{_norm(x) for x in [e["name"], e.get("qualified_name") or "", *e["aliases"], *e["mentions"]] if x}
             for e in programs]
    found: set[int] = set()
    predicted = spurious = 0
    for a in layout(read_source(ROOT / "sources" / "jining-daily-page.txt")):
        for m in extract_programs(a, extract_orgs(a)):
            predicted += 1
            labels = {_norm(m.surface), _norm(m.name or "")}
            hit = [i for i, n in enumerate(names) if labels & n]
            if hit:
                found.update(hit)
            else:
                spurious += 1
    precision = (predicted - spurious) / predicted
    recall = len(found) / len(programs)
    assert precision >= 0.85, precision
    assert recall >= 0.90, recall
