"""Must-keep categories of the reference (spec section 3 step 6), Python `re` semantics.

A word is forced keep when any pattern is found anywhere in it (re.search), as in the
engine (src/text/must_keep.cc).
"""
import re

import numpy as np

PATTERNS = [
    r"\b0x[0-9A-Fa-f]+\b",                 # hex
    r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])",   # standalone number
    r"[A-Z_]{2,}",                         # ALLCAPS
    r"[a-z_][a-z0-9_]*\.[a-z0-9_]+",       # dotted names
    r"/[a-z0-9/._-]{2,}",                  # paths
    r"\.[a-z]{2,4}\b",                     # extensions
    r"--?[a-z][\w-]*",                     # flags
    r"\b[A-Z][a-z]+[A-Z]\w*",              # CamelCase
    r"(?i:\b(?:not|never|none|cannot|can't|don't|doesn't|didn't|won't|shouldn't|mustn't|isn't"
    r"|aren't|avoid|refuse|prohibited|forbidden|disallow|unless|except|without|must|should"
    r"|shall|required|always|only|mandatory)\b)",
    r"(?i:\b(?:and|or|nor|xor)\b)",
]
MUST_KEEP = re.compile("|".join(f"(?:{p})" for p in PATTERNS))
_cache = {}


def must_keep(word):
    r = _cache.get(word)
    if r is None:
        r = MUST_KEEP.search(word) is not None
        if len(_cache) < 5_000_000:
            _cache[word] = r
    return r


def must_keep_mask(words):
    return np.fromiter((must_keep(w) for w in words), dtype=bool, count=len(words))
