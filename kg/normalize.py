"""A matching view of a text: simplified characters and full-width punctuation, same length.

Rules run on :func:`matching_text`, never on the printed text, so one rule set
serves simplified and traditional pages, full-width and half-width
punctuation. The view has exactly the length of the original and maps
character ``i`` to character ``i``, so every span found on it indexes the
printed text too; labels keep the printed form and add the simplified one.

* Traditional → simplified by OpenCC (``t2s``), a maintained library; where a
  phrase conversion would change the length, characters are converted one by one.
* Half-width ``, ; : ( ) ! ?`` become ``，；：（）！？`` except between digits
  (``1,200``, ``8:30``); corner quotes 「」『』 become “”‘’.
* Full-width digits and Latin letters become ASCII (NFKC, character by character).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_PUNCT = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？",
          "「": "“", "」": "”", "『": "‘", "』": "’"}
_DIGIT_SEPARATORS = ",:"


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _char_t2s(c: str) -> str:
    out = _converter().convert(c)
    return out if len(out) == 1 else c


def _fold(c: str) -> str:
    if "\uff01" <= c <= "\uff5e":  # full-width ASCII block: ０-９, Ａ-Ｚ, ａ-ｚ …
        folded = unicodedata.normalize("NFKC", c)
        if len(folded) == 1 and folded.isalnum():
            return folded
    return c


# One translation table: half-width punctuation to full-width, full-width letters and digits to ASCII.
_TABLE = str.maketrans({**_PUNCT, **{chr(c): _fold(chr(c)) for c in range(0xFF01, 0xFF5F)
                                     if _fold(chr(c)) != chr(c)}})
# ，or ： between digits; opening with the character class lets the engine skip to candidates fast
# (the same matches as (?<=\d)[，：](?=\d)).
_SEPARATOR_BETWEEN_DIGITS = re.compile(r"[，：](?<=\d[，：])(?=\d)")
# The characters _TABLE changes, as one character class: most texts hold none of them, and a regex
# scan finds that far faster than str.translate walks a CJK text through a dict table.
_TRANSLATED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]")
_TABLE_STR = {chr(c): str(v) for c, v in _TABLE.items()}


@lru_cache(maxsize=256)
def matching_text(text: str) -> str:
    """The simplified, punctuation-normalised view of ``text``; ``len`` is preserved.

    Pure function of its input (cached: layout and extraction ask for the same
    texts); raises nothing.
    """
    if text.isascii():
        return text
    simp = _converter().convert(text)
    if len(simp) != len(text):
        simp = "".join(_char_t2s(c) for c in text)
    view = _TRANSLATED.sub(lambda m: _TABLE_STR[m.group()], simp)  # = simp.translate(_TABLE)
    if "," in text or ":" in text:  # 1,200 and 8:30 keep their separators
        chars = None
        for m in _SEPARATOR_BETWEEN_DIGITS.finditer(view):
            if text[m.start()] in _DIGIT_SEPARATORS:
                chars = chars or list(view)
                chars[m.start()] = text[m.start()]
        if chars is not None:
            view = "".join(chars)
    return view
