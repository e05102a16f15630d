#!/usr/bin/python3
"""Label the corpus with a self-supervised teacher (formulas: greedy.py, ngram.py).

  /usr/bin/python3 tools/train/teacher/label.py [--work DIR] [--teacher greedy|ngram] [--target 0.62]

Reads WORK/corpus/{train,valid,test}.jsonl, writes
  WORK/labels/{train,valid,test}.jsonl  {"id", "kind", "split", "words", "keep", "span"[, "score"]}
      one line per chunk of <= 350 words of a document (words = text.split())
  WORK/labels/teacher_stats.json        settings, keep rates, ultrawhale calibration

Teachers (both count the n-gram on the train split only):
  greedy  (default) drops words one at a time, the cheapest to recover from the words still
          kept first (must-keep words pay --must-keep-bonus bits); a word's score is its drop
          rank mapped so that score > 0.5 exactly for the last --target of the chunk; keep =
          score > 0.5. The trainer learns the score, i.e. the whole order.
  ngram   surprisal of each word given its original neighbours, thresholded per content kind
          so that --target of the words are kept; must-keep words always kept (0/1 labels).
Span labels: the local density of kept words (labeled_data.derive_span).
"""
import argparse
import collections
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import calibrate  # noqa: E402
import greedy  # noqa: E402
import ngram  # noqa: E402
from labeled_data import derive_span  # noqa: E402  (the span rule users' labels get too)
from must_keep import must_keep_mask  # noqa: E402

CHUNK = 350
SPLITS = ("train", "valid", "test")
GREEDY_BATCH = 2000  # chunks ranked together


def calibrate_thresholds(scores, forced, kinds, target):
    """Per kind: the surprisal threshold t with mean(forced | score > t) == target."""
    th = {}
    for kind in sorted(set(kinds)):
        s = np.concatenate([x for x, k in zip(scores, kinds) if k == kind])
        f = np.concatenate([x for x, k in zip(forced, kinds) if k == kind])
        free = s[~f]
        need = target * len(s) - f.sum()  # words to keep among the non-forced ones
        if need <= 0 or len(free) == 0:
            th[kind] = float("inf")
        else:
            q = 1.0 - min(1.0, need / len(free))
            th[kind] = float(np.quantile(free, q)) if q > 0 else float("-inf")
    return th


def chunks_of(docs, every=1):
    """(doc, first word, words) of every `every`-th 350-word chunk of the documents."""
    out = [(d, c0, w[c0:c0 + CHUNK]) for d, w in docs for c0 in range(0, len(w), CHUNK)]
    return out[::every]


class GreedyTeacher:
    def __init__(self, vocab, model, target, bonus):
        self.vocab, self.model, self.bonus = vocab, model, bonus
        self.gamma = math.log(0.5) / math.log(1.0 - target)  # rank 1 - target -> score 0.5

    def scores(self, chunk_words, counted=None):
        """counted: for train text, (starts document, ends document) per chunk (greedy.drop_ranks)."""
        ids = [self.vocab.encode(w, grow=False) for w in chunk_words]
        must = [must_keep_mask(w) for w in chunk_words]
        out = []
        for b in range(0, len(ids), GREEDY_BATCH):
            part = None if counted is None else tuple(np.asarray(c)[b:b + GREEDY_BATCH] for c in counted)
            ranks = greedy.drop_ranks(ids[b:b + GREEDY_BATCH], must[b:b + GREEDY_BATCH], self.model, self.bonus,
                                      part)
            out += [np.round(r.astype(np.float64) ** self.gamma, 4) for r in ranks]
        return out

    def keep(self, words):
        """Keep mask of one text, chunked like the corpus (for the ultrawhale check)."""
        parts = [words[c:c + CHUNK] for c in range(0, len(words), CHUNK)]
        return np.concatenate([s > 0.5 for s in self.scores(parts)]) if parts else np.zeros(0, bool)


def label_greedy(teacher, docs, every, counted, write, log):
    chunks = chunks_of(docs, every)
    edges = ([c0 == 0 for _, c0, _ in chunks], [c0 + len(w) == len(d["text"].split()) for d, c0, w in chunks])
    scores = teacher.scores([w for _, _, w in chunks], edges if counted else None)
    for (d, c0, w), score in zip(chunks, scores):
        keep = (score > 0.5).astype(np.int8)
        write(d, c0, w, keep, must_keep_mask(w), {"score": score.tolist()})
    log(f"{len(chunks)} chunks ranked")


def doc_surprisal(model, ids, loo):
    """Per document: the n-gram surprisal of each word given its original neighbours."""
    flat = model.surprisal(ngram.stream(ids), loo=loo)
    bounds = np.cumsum([0] + [len(i) for i in ids])
    return [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def label_ngram(docs, surprisal, th, write):
    for (d, w), sc in zip(docs, surprisal):
        forced = must_keep_mask(w)
        keep = (forced | (sc > th[d["kind"]])).astype(np.int8)
        for c0 in range(0, len(w), CHUNK):
            write(d, c0, w[c0:c0 + CHUNK], keep[c0:c0 + CHUNK], forced[c0:c0 + CHUNK], {})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.environ.get("KOMPRESS_CORPUS_DIR",
                                                     os.path.expanduser("~/.cache/kompress/corpus")))
    ap.add_argument("--teacher", choices=("greedy", "ngram"), default="greedy")
    ap.add_argument("--target", type=float, default=0.62, help="keep rate (per chunk, or per kind for ngram)")
    ap.add_argument("--must-keep-bonus", type=float, default=3.0, help="greedy: bits added to must-keep words")
    ap.add_argument("--train-chunks", type=int, default=8000,
                    help="greedy: label about this many train chunks (every k-th); 0 = all")
    ap.add_argument("--ultrawhale", default=str(Path(__file__).resolve().parents[4] / "shared/data/ultrawhale"))
    args = ap.parse_args()
    if not 0 < args.target < 1:
        ap.error("--target must be in (0, 1)")
    work = Path(args.work)
    t0 = time.time()
    log = lambda msg: print(f"[teacher {time.time() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)

    docs = {s: [json.loads(line) for line in open(work / "corpus" / f"{s}.jsonl")] for s in SPLITS}
    words = {s: [d["text"].split() for d in docs[s]] for s in SPLITS}
    if not words["train"] or sum(len(w) for w in words["train"]) < 1000:
        sys.exit(f"label: the train split of {work / 'corpus'} is empty or tiny: build the corpus first")
    log(f"read {sum(len(v) for v in docs.values())} docs")
    vocab = ngram.Vocab()
    ids = {"train": [vocab.encode(w, grow=True) for w in words["train"]]}
    for s in ("valid", "test"):
        ids[s] = [vocab.encode(w, grow=False) for w in words[s]]
    model = ngram.NgramModel(ngram.stream(ids["train"]), len(vocab.ids))
    log(f"model: {model.N} train words, vocabulary {model.V}")

    out = work / "labels"
    out.mkdir(exist_ok=True)
    stats = collections.defaultdict(collections.Counter)
    report = {"teacher": args.teacher, "target": args.target, "train_words": model.N, "vocabulary": model.V}
    if args.teacher == "greedy":
        teacher = GreedyTeacher(vocab, model, args.target, args.must_keep_bonus)
        report["must_keep_bonus_bits"] = args.must_keep_bonus
        keep_fn = teacher.keep
    else:
        surprisal = {s: doc_surprisal(model, ids[s], loo=(s == "train")) for s in SPLITS}
        kinds = [d["kind"] for d in docs["train"]]
        th = calibrate_thresholds(surprisal["train"], [must_keep_mask(w) for w in words["train"]], kinds,
                                  args.target)
        report["thresholds_bits"] = th

        def keep_fn(w):  # tool output: the "log" threshold
            sc = doc_surprisal(model, [vocab.encode(w, grow=False)], loo=False)[0]
            return must_keep_mask(w) | (sc > th.get("log", 0.0))

    for s in SPLITS:
        with open(out / f"{s}.jsonl", "w") as f:
            def write(d, c0, w, keep, forced, extra):
                sp = derive_span(keep)
                f.write(json.dumps({"id": f"{d['id']}#{c0 // CHUNK}", "kind": d["kind"], "split": s, "words": w,
                                    "keep": keep.tolist(), "span": sp.tolist(), **extra},
                                   ensure_ascii=False) + "\n")
                st = stats[f"{d['kind']}/{s}"]
                st["chunks"] += 1
                st["words"] += len(keep)
                st["kept"] += int(keep.sum())
                st["forced"] += int(forced.sum())
                st["forced_kept"] += int((forced & (keep == 1)).sum())
                st["span"] += int(sp.sum())

            pairs = list(zip(docs[s], words[s]))
            if args.teacher == "greedy":
                total = sum(math.ceil(len(w) / CHUNK) for w in words[s])
                every = max(1, total // args.train_chunks) if s == "train" and args.train_chunks else 1
                label_greedy(teacher, pairs, every, s == "train", write, log)
            else:
                label_ngram(pairs, surprisal[s], th, write)
        log(f"{s} labels written")
    table = {}
    for key, st in sorted(stats.items()):
        table[key] = {"chunks": st["chunks"], "words": st["words"],
                      "keep_rate": round(st["kept"] / st["words"], 4),
                      "must_keep_rate": round(st["forced"] / st["words"], 4),
                      "must_keep_kept": round(st["forced_kept"] / max(1, st["forced"]), 4),
                      "span_rate": round(st["span"] / st["words"], 4)}
        print(f"{key:16s} chunks {st['chunks']:7d} words {st['words']:10d} keep {table[key]['keep_rate']:.3f}"
              f" must-keep {table[key]['must_keep_rate']:.3f} (kept {table[key]['must_keep_kept']:.3f})"
              f" span {table[key]['span_rate']:.3f}")
    report["per_kind_split"] = table
    if os.path.isdir(args.ultrawhale):
        report["ultrawhale"] = calibrate.run(args.ultrawhale, keep_fn)
        print(json.dumps(report["ultrawhale"], indent=2))
    else:
        log(f"{args.ultrawhale} absent: calibration skipped")
    (out / "teacher_stats.json").write_text(json.dumps(report, indent=2) + "\n")
    log("done")


if __name__ == "__main__":
    main()
