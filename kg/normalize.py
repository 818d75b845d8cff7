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


def matching_text(text: str) -> str:
    """The simplified, punctuation-normalised view of ``text``; ``len`` is preserved.

    Pure function of its input; raises nothing.
    """
    if text.isascii():
        return text
    simp = _converter().convert(text)
    if len(simp) != len(text):
        simp = "".join(_char_t2s(c) for c in text)
    chars = list(simp)
    for i, c in enumerate(chars):
        if c in _PUNCT:
            if c in _DIGIT_SEPARATORS and 0 < i < len(chars) - 1 and chars[i - 1].isdigit() and chars[i + 1].isdigit():
                continue
            chars[i] = _PUNCT[c]
        else:
            chars[i] = _fold(c)
    return "".join(chars)
