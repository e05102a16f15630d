"""Labelled JSON lines -> token windows for the trainer.

The labelled format (what the teacher writes and what users write for their own data),
one JSON object a line:
    {"words": ["ls", "-la", ...], "keep": [1, 1, 0, ...], "span": [1, 1, 0, ...]}
`words` are whitespace-free strings (as `text.split()` gives them), `keep` one 0/1 per
word (`labels` is accepted as another name), `span` optional (0/1 per word; when absent
it is derived from `keep`: 1 where most of the 5 words around are kept), `score` optional
(a keep probability in [0, 1] per word: when present the token head learns it instead of the
0/1 `keep`, so a teacher can teach an order, not only a cut). Other keys
("id", "kind", ...) are carried along and ignored by the trainer.

Words are tokenized by the engine itself (`kompress tokenize`, words mode: each word on
its own, no leading-space marker), so training sees exactly the ids inference sees. Each
token takes its word's labels; [CLS]/[SEP] and padding are not trained.
"""
import hashlib
import json
import os
import subprocess

import numpy as np

IGNORE = -100
_ARRAYS = ("ids", "keep", "span", "score", "word")  # per-token arrays of a window, in windows() order


class LabelError(ValueError):
    pass


def derive_span(keep, radius=2):
    """span[i] = 1 when more than half of the words in [i-radius, i+radius] are kept."""
    k = np.asarray(keep, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(k)])
    i = np.arange(len(k))
    lo, hi = np.maximum(i - radius, 0), np.minimum(i + radius + 1, len(k))
    return ((c[hi] - c[lo]) / (hi - lo) > 0.5).astype(np.int8)


def _binary_list(obj, key, n, where):
    v = obj[key]
    if not isinstance(v, list) or len(v) != n:
        raise LabelError(f"{where}: \"{key}\" must be a list of {n} values (one per word)")
    if any(x not in (0, 1) or isinstance(x, float) and x not in (0.0, 1.0) for x in v):
        raise LabelError(f"{where}: \"{key}\" holds a value that is not 0 or 1")
    return np.asarray(v, dtype=np.int8)


def _probability_list(obj, key, n, where):
    v = obj[key]
    if not isinstance(v, list) or len(v) != n:
        raise LabelError(f"{where}: \"{key}\" must be a list of {n} values (one per word)")
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 1 for x in v):
        raise LabelError(f"{where}: \"{key}\" holds a value that is not a number in [0, 1]")
    return np.asarray(v, dtype=np.float32)


def parse_line(line, where):
    """One labelled record, or LabelError naming `where` (file:line)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise LabelError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise LabelError(f"{where}: expected a JSON object {{\"words\": [...], \"keep\": [...]}}")
    words = obj.get("words")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise LabelError(f"{where}: \"words\" must be a list of strings")
    if any(not w or w != w.strip() or len(w.split()) != 1 for w in words):
        raise LabelError(f"{where}: a word is empty or contains whitespace (use text.split())")
    key = "keep" if "keep" in obj else "labels" if "labels" in obj else None
    if key is None:
        raise LabelError(f"{where}: missing \"keep\" (one 0/1 label per word)")
    keep = _binary_list(obj, key, len(words), where)
    span = _binary_list(obj, "span", len(words), where) if "span" in obj else derive_span(keep)
    score = _probability_list(obj, "score", len(words), where) if "score" in obj else keep.astype(np.float32)
    return {"words": words, "keep": keep, "span": span, "score": score, "kind": obj.get("kind", "")}


def read_labels(path, limit=None):
    """All records of a labelled JSON lines file (blank lines skipped); LabelError on bad input."""
    out = []
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        raise LabelError(f"{path}: cannot open ({e.strerror})") from None
    with f:
        try:
            for n, line in enumerate(f, 1):
                if line.strip():
                    rec = parse_line(line, f"{path}:{n}")
                    if rec["words"]:
                        out.append(rec)
                    if limit and len(out) >= limit:
                        break
        except UnicodeDecodeError as e:
            raise LabelError(f"{path}: not UTF-8 near byte {e.start} of line {n + 1}") from None
    return out


def tokenize_words(records, kompress_bin, tokenizer):
    """(ids, word_ids) per record from the engine's tokenizer; specials included."""
    if not kompress_bin or not os.path.exists(kompress_bin):
        raise LabelError(f"kompress binary not found ({kompress_bin!r}): build it (ninja -C build kompress) "
                         "or pass --kompress")
    payload = "".join(json.dumps({"words": r["words"]}, ensure_ascii=False) + "\n" for r in records)
    p = subprocess.run([kompress_bin, "tokenize", "--tokenizer", tokenizer], input=payload.encode(),
                       capture_output=True)
    if p.returncode != 0:
        raise LabelError(f"kompress tokenize failed: {p.stderr.decode(errors='replace').strip()}")
    out = [json.loads(line) for line in p.stdout.decode().splitlines()]
    if len(out) != len(records):
        raise LabelError(f"kompress tokenize returned {len(out)} lines for {len(records)} records")
    return [(o["ids"], o["word_ids"]) for o in out]


def windows(record, ids, word_ids, max_tokens):
    """Cut one record into windows of at most max_tokens ids ([CLS] ... [SEP]) at word boundaries.

    Yields (ids, token_keep, token_span, token_score, word_index) arrays; word_index is -1 on
    specials, where keep and span are IGNORE and score is negative.
    A word longer than a whole window keeps its first tokens only.
    """
    cls, sep = ids[0], ids[-1]
    budget = max_tokens - 2
    words = []  # (word index, its token ids), in order
    for t, w in zip(ids[1:-1], word_ids[1:-1]):
        if not words or words[-1][0] != w:
            words.append((w, []))
        words[-1][1].append(t)
    part = []
    for i, (w, toks) in enumerate(words):
        toks = toks[:budget]
        if len(part) + len(toks) > budget:
            yield _window(record, part, cls, sep)
            part = []
        part += [(t, w) for t in toks]
    if part:
        yield _window(record, part, cls, sep)


def _window(record, part, cls, sep):
    wid = np.array([-1] + [w for _, w in part] + [-1], dtype=np.int64)
    tok = np.array([cls] + [t for t, _ in part] + [sep], dtype=np.int64)
    safe = np.maximum(wid, 0)
    keep = np.where(wid >= 0, record["keep"][safe], IGNORE).astype(np.int64)
    span = np.where(wid >= 0, record["span"][safe], IGNORE).astype(np.int64)
    score = np.where(wid >= 0, record["score"][safe], -1.0).astype(np.float32)
    return tok, keep, span, score, wid


def load_windows(path, kompress_bin, tokenizer, max_tokens, cache_dir=None, limit=None):
    """All windows of a labelled file, cached by (file, tokenizer, max_tokens) content hash."""
    key = None
    if cache_dir:
        h = hashlib.sha1()
        for p in (path, tokenizer):
            st = os.stat(p)
            h.update(f"{os.path.abspath(p)}:{st.st_size}:{st.st_mtime_ns}".encode())
        h.update(f"{max_tokens}:{limit}".encode())
        key = os.path.join(cache_dir, f"windows-{h.hexdigest()[:16]}.npz")
        if os.path.exists(key):
            z = np.load(key, allow_pickle=False)
            return _unflatten(z)
    records = read_labels(path, limit)
    out = {"ids": [], "keep": [], "span": [], "score": [], "word": [], "record": [], "kind": []}
    for i, (rec, (ids, wids)) in enumerate(zip(records, tokenize_words(records, kompress_bin, tokenizer))):
        wids = [-1 if w is None else w for w in wids]
        for window in windows(rec, ids, wids, max_tokens):
            for k, v in zip(_ARRAYS, window):
                out[k].append(v)
            out["record"].append(i)
            out["kind"].append(rec["kind"])
    if key:
        os.makedirs(cache_dir, exist_ok=True)
        lens = np.array([len(x) for x in out["ids"]], dtype=np.int64)
        np.savez(key + ".tmp.npz", lens=lens, record=np.array(out["record"], dtype=np.int64),
                 kind=np.array(out["kind"], dtype=str),
                 **{k: np.concatenate(out[k]) if out[k] else np.zeros(0, np.int64)
                    for k in _ARRAYS})
        os.replace(key + ".tmp.npz", key)
    return out


def _unflatten(z):
    bounds = np.concatenate([[0], np.cumsum(z["lens"])])
    out = {}
    for k in _ARRAYS:
        flat = z[k]  # NpzFile reads the whole array on every access: once per key
        out[k] = [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    out["record"] = list(z["record"])
    out["kind"] = [str(k) for k in z["kind"]]
    return out
