"""Greedy deletion: the order in which words can be dropped from a chunk, most recoverable first.

The question a compressor must answer is whether a dropped word can be recovered from what is
*left*, not from its original neighbours. Starting from the whole chunk, this repeatedly drops
the word whose cost is lowest given its nearest *kept* neighbours, then rescores the two
neighbours that now face each other across the gap:

  cost(w) = surprisal(w | nearest kept word left, nearest kept word right) + bonus * must_keep(w)

under the bidirectional n-gram of ngram.py (chunk edges are the boundary token). A word's
rank is the fraction of the chunk dropped before it: 0 = dropped first, close to 1 = dropped
last. Keeping the words of rank >= 1 - r keeps a fraction r. `bonus` (bits) makes must-keep
words (spec section 3 step 6) go late without making them untouchable.

All chunks advance together, one word each per step, so the work is a few vector operations
per step rather than Python loops per word.
"""
import numpy as np

import ngram

PAD = -2  # id of a padding slot (chunks shorter than the longest)


def drop_ranks(chunks_ids, must, model, bonus, counted=None):
    """Per chunk (list of int64 id arrays, -1 = unknown word), the float32 rank of each word.

    counted: None, or for text the model counted, per chunk (starts its document, ends its
    document) as two bool arrays. A word's own occurrence is then left out of the counts
    wherever its context is still the one it was counted with (ngram.surprisal_of); a chunk
    edge is that context only at a document edge.
    """
    n_chunks = len(chunks_ids)
    width = max((len(c) for c in chunks_ids), default=0)
    if n_chunks == 0 or width == 0:
        return [np.zeros(len(c), dtype=np.float32) for c in chunks_ids]
    ids = np.full((n_chunks, width + 2), ngram.BOUNDARY, dtype=np.int64)  # slot 0 and n+1: edges
    bonus_bits = np.zeros((n_chunks, width + 2))
    lengths = np.array([len(c) for c in chunks_ids])
    for k, (c, m) in enumerate(zip(chunks_ids, must)):
        ids[k, 1:len(c) + 1] = c
        ids[k, len(c) + 1:] = PAD
        ids[k, len(c) + 1] = ngram.BOUNDARY
        bonus_bits[k, 1:len(c) + 1] = bonus * np.asarray(m, dtype=np.float64)
    cols = np.arange(width + 2)
    prev = np.broadcast_to(cols - 1, ids.shape).copy()
    nxt = np.broadcast_to(cols + 1, ids.shape).copy()
    real = (cols[None, :] >= 1) & (cols[None, :] <= lengths[:, None])
    loo = counted is not None
    starts, ends = (np.asarray(c, dtype=bool) for c in counted) if loo else (False, False)

    def ranges(r, lo, hi):
        """Flattened (row, column) pairs of the columns lo+1 .. hi-1 of each row r."""
        n = np.maximum(hi - lo - 1, 0)
        rows = np.repeat(r, n)
        starts = np.repeat(lo + 1 - np.cumsum(n) + n, n)
        return rows, starts + np.arange(n.sum())

    def surprisal(r, j, p, q):
        at_start = starts[r] if loo else False
        at_end = ends[r] if loo else False
        left_seen = (p == j - 1) & ((p >= 1) | at_start)
        right_seen = (q == j + 1) & ((q <= lengths[r]) | at_end)
        return model.surprisal_of(ids[r, p], ids[r, j], ids[r, q], loo, left_seen, right_seen)

    def cost_of(r, j):
        """Bits added to the dropped words by dropping j now: its own surprisal between its kept
        neighbours, plus the change for the dropped words around it, whose context widens."""
        p, q = prev[r, j], nxt[r, j]
        total = surprisal(r, j, p, q) + bonus_bits[r, j]
        gr, gc = ranges(np.arange(len(r)), p, q)
        gc_row = r[gr]
        delta = surprisal(gc_row, gc, p[gr], q[gr]) - current[gc_row, gc]
        delta[gc == j[gr]] = 0.0
        np.add.at(total, gr, delta)
        return total

    current = np.zeros(ids.shape)  # surprisal of each dropped word in its current context
    cost = np.full(ids.shape, np.inf)
    rr, jj = np.nonzero(real)
    cost[rr, jj] = cost_of(rr, jj)
    order = np.zeros(ids.shape, dtype=np.int64)
    for step in range(width):
        active = np.nonzero(lengths > step)[0]
        j = np.argmin(cost[active], axis=1)
        order[active, j] = step
        cost[active, j] = np.inf
        p, q = prev[active, j], nxt[active, j]
        gi, gc = ranges(np.arange(len(active)), p, q)  # j's gap, j included: now between p and q
        current[active[gi], gc] = surprisal(active[gi], gc, p[gi], q[gi])
        nxt[active, p] = q
        prev[active, q] = p
        for side in (p, q):  # the two neighbours now face each other across the gap
            ok = (side >= 1) & (side <= lengths[active])
            r, s = active[ok], side[ok]
            cost[r, s] = cost_of(r, s)
    return [(order[k, 1:n + 1] / max(1, n)).astype(np.float32) for k, n in enumerate(lengths)]
