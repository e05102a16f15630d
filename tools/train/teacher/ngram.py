"""Bidirectional word n-gram model: surprisal of a word given its left and right neighbour.

Words are whitespace-split tokens (`text.split()`), counted with every digit mapped to 0.
For a word w with left neighbour l and right neighbour r (a document edge is the token <s>):

  P1(w)       = (c(w) + 1) / (N + V)                                   add-one unigram
  PL(w | l)   = (c(l w) + u(l .) P1(w)) / (c(l .) + u(l .))            Witten-Bell
  PR(w | r)   = (c(w r) + u(. r) P1(w)) / (c(. r) + u(. r))            Witten-Bell
  P2          = (PL + PR) / 2
  P(w | l, r) = (c(l w r) + u(l . r) P2) / (c(l . r) + u(l . r))      Witten-Bell
  surprisal   = -log2 P(w | l, r)

c(.) are counts over the train split, u(.) the number of distinct words seen in that
context, N the number of words, V the vocabulary size; a context never seen falls back to
the lower order. Words of the train split are scored leave-one-out (their own occurrence is
removed from every count, and from u when it was the only one), so train and held-out
documents get comparable scores.
"""
import re

import numpy as np

BOUNDARY = 0  # id of <s>: the separator between documents
_DIGITS = re.compile(r"\d")
_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9)


def _key(*cols):
    """64-bit hash of id tuples (wrapping multiply-add); collisions are negligible here."""
    k = np.zeros(len(cols[0]), dtype=np.uint64)
    for c, m in zip(cols, (_M1, _M2, _M3)):
        with np.errstate(over="ignore"):
            k = (k ^ c.astype(np.uint64)) * m + np.uint64(0x632BE59BD9B4E019)
    return k


class _Table:
    """Sorted keys with counts, looked up with searchsorted."""

    def __init__(self, keys, counts=None):
        if counts is None:
            self.keys, self.counts = np.unique(keys, return_counts=True)
        else:
            self.keys, self.counts = keys, counts

    def get(self, q):
        i = np.searchsorted(self.keys, q)
        i[i == len(self.keys)] = 0
        return np.where(self.keys[i] == q, self.counts[i], 0).astype(np.float64)


class Vocab:
    def __init__(self):
        self.ids = {"\n": BOUNDARY}  # no word of text.split() holds a newline (the word "<s>" may occur)

    def norm(self, w):
        return _DIGITS.sub("0", w)

    def encode(self, words, grow):
        out = np.empty(len(words), dtype=np.int64)
        ids = self.ids
        for i, w in enumerate(words):
            w = _DIGITS.sub("0", w) if any(ch.isdigit() for ch in w) else w
            j = ids.get(w)
            if j is None:
                j = len(ids) if grow else -1
                if grow:
                    ids[w] = j
            out[i] = j
        return out


def stream(docs_ids):
    """Concatenate id arrays with <s> before, between and after documents."""
    parts = [np.array([BOUNDARY])]
    for a in docs_ids:
        parts += [a, np.array([BOUNDARY])]
    return np.concatenate(parts)


def _contexts(s):
    """Positions of real words in stream s and their (l, w, r) ids."""
    pos = np.nonzero(s != BOUNDARY)[0]
    return s[pos - 1], s[pos], s[pos + 1]


class NgramModel:
    def __init__(self, train_stream, vocab_size):
        l, w, r = _contexts(train_stream)
        self.N, self.V = len(w), vocab_size
        self.c1 = np.bincount(w, minlength=vocab_size).astype(np.float64)
        # left bigram
        klw = _key(l, w)
        uk, first, cnt = np.unique(klw, return_index=True, return_counts=True)
        self.c_lw = _Table(uk, cnt)
        self.c_l = np.bincount(l, minlength=vocab_size).astype(np.float64)
        self.u_l = np.bincount(l[first], minlength=vocab_size).astype(np.float64)
        # right bigram
        kwr = _key(w, r)
        uk, first, cnt = np.unique(kwr, return_index=True, return_counts=True)
        self.c_wr = _Table(uk, cnt)
        self.c_r = np.bincount(r, minlength=vocab_size).astype(np.float64)
        self.u_r = np.bincount(r[first], minlength=vocab_size).astype(np.float64)
        # sandwich
        klwr = _key(l, w, r)
        uk, first, cnt = np.unique(klwr, return_index=True, return_counts=True)
        self.c_lwr = _Table(uk, cnt)
        klr = _key(l, r)
        self.c_lr = _Table(klr)
        self.u_lr = _Table(klr[first])  # distinct w per (l, r)

    def surprisal(self, s, loo):
        """Surprisal (bits) of every real word of stream s; loo: s is part of the train counts."""
        return self.surprisal_of(*_contexts(s), loo=loo)

    def surprisal_of(self, l, w, r, loo=False, left_seen=True, right_seen=True):
        """Surprisal (bits) of words w between neighbours l and r (id arrays; -1 = unknown).

        loo: each w is an occurrence the model counted, whose own counts are removed: from the
        unigram always, from the left bigram where left_seen (l is the neighbour it was counted
        with), the right bigram where right_seen, the trigram where both (bools or bool arrays).
        """
        unknown = w < 0
        w = np.where(unknown, 0, w)
        l = np.where(l < 0, 0, l)
        r = np.where(r < 0, 0, r)
        d1 = 1.0 if loo else 0.0
        dl = d1 * np.asarray(left_seen, dtype=np.float64)
        dr = d1 * np.asarray(right_seen, dtype=np.float64)
        c1 = np.where(unknown, 0, self.c1[w] - d1)
        p1 = (c1 + 1) / (self.N - d1 + self.V)

        def wb(c_full, C, u, lower, d):
            c = np.where(unknown, 0, c_full - d)
            u = u - ((c_full == 1) & (d == 1) & ~unknown)
            C = C - d
            denom = C + u
            with np.errstate(invalid="ignore", divide="ignore"):
                p = (c + u * lower) / denom
            return np.where(denom > 0, p, lower)

        pl = wb(self.c_lw.get(_key(l, w)), self.c_l[l], self.u_l[l], p1, dl)
        pr = wb(self.c_wr.get(_key(w, r)), self.c_r[r], self.u_r[r], p1, dr)
        p2 = (pl + pr) / 2
        klr = _key(l, r)
        p = wb(self.c_lwr.get(_key(l, w, r)), self.c_lr.get(klr), self.u_lr.get(klr), p2, dl * dr)
        return -np.log2(np.maximum(p, 1e-300))
