#!/usr/bin/python3
"""Label the corpus with the n-gram teacher (formula: README.md here, ngram.py).

  /usr/bin/python3 tools/train/teacher/label.py [--work DIR] [--target 0.62]

Reads WORK/corpus/{train,valid,test}.jsonl, writes
  WORK/labels/{train,valid,test}.jsonl  {"id", "kind", "split", "words", "keep", "span"}
      one line per chunk of <= 350 words of a document (words = text.split())
  WORK/labels/teacher_stats.json        thresholds, keep rates, ultrawhale calibration
"""
import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import calibrate  # noqa: E402
import ngram  # noqa: E402
from labeled_data import derive_span  # noqa: E402  (the span rule users' labels get too)
from must_keep import must_keep_mask  # noqa: E402

CHUNK = 350
SPLITS = ("train", "valid", "test")


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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.environ.get("KOMPRESS_CORPUS_DIR",
                                                     os.path.expanduser("~/.cache/kompress/corpus")))
    ap.add_argument("--target", type=float, default=0.62, help="keep rate per kind (train split)")
    ap.add_argument("--ultrawhale", default=str(Path(__file__).resolve().parents[4] / "shared/data/ultrawhale"))
    args = ap.parse_args()
    work = Path(args.work)
    t0 = time.time()
    log = lambda msg: print(f"[teacher {time.time() - t0:6.0f}s] {msg}", file=sys.stderr, flush=True)

    docs = {s: [json.loads(l) for l in open(work / "corpus" / f"{s}.jsonl")] for s in SPLITS}
    words = {s: [d["text"].split() for d in docs[s]] for s in SPLITS}
    log(f"read {sum(len(v) for v in docs.values())} docs")
    vocab = ngram.Vocab()
    ids = {"train": [vocab.encode(w, grow=True) for w in words["train"]]}
    for s in ("valid", "test"):
        ids[s] = [vocab.encode(w, grow=False) for w in words[s]]
    model = ngram.NgramModel(ngram.stream(ids["train"]), len(vocab.ids))
    log(f"model: {model.N} train words, vocabulary {model.V}")

    scores, forced = {}, {}
    for s in SPLITS:
        flat = model.surprisal(ngram.stream(ids[s]), loo=(s == "train"))
        bounds = np.cumsum([0] + [len(w) for w in words[s]])
        scores[s] = [flat[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        forced[s] = [must_keep_mask(w) for w in words[s]]
    log("scored")
    kinds = {s: [d["kind"] for d in docs[s]] for s in SPLITS}
    th = calibrate_thresholds(scores["train"], forced["train"], kinds["train"], args.target)

    out = work / "labels"
    out.mkdir(exist_ok=True)
    stats = collections.defaultdict(collections.Counter)
    for s in SPLITS:
        with open(out / f"{s}.jsonl", "w") as f:
            for d, w, sc, fo in zip(docs[s], words[s], scores[s], forced[s]):
                keep = (fo | (sc > th[d["kind"]])).astype(np.int8)
                for c0 in range(0, len(w), CHUNK):
                    k = keep[c0:c0 + CHUNK]
                    sp = derive_span(k)
                    f.write(json.dumps({"id": f"{d['id']}#{c0 // CHUNK}", "kind": d["kind"],
                                        "split": s, "words": w[c0:c0 + CHUNK],
                                        "keep": k.tolist(), "span": sp.tolist()},
                                       ensure_ascii=False) + "\n")
                    st = stats[f"{d['kind']}/{s}"]
                    st["chunks"] += 1
                    st["words"] += len(k)
                    st["kept"] += int(k.sum())
                    st["forced"] += int(fo[c0:c0 + CHUNK].sum())
                    st["span"] += int(sp.sum())
    log("labels written")
    table = {}
    for key, st in sorted(stats.items()):
        table[key] = {"chunks": st["chunks"], "words": st["words"],
                      "keep_rate": round(st["kept"] / st["words"], 4),
                      "must_keep_rate": round(st["forced"] / st["words"], 4),
                      "span_rate": round(st["span"] / st["words"], 4)}
        print(f"{key:16s} chunks {st['chunks']:7d} words {st['words']:10d} keep {table[key]['keep_rate']:.3f}"
              f" must-keep {table[key]['must_keep_rate']:.3f} span {table[key]['span_rate']:.3f}")
    report = {"target": args.target, "thresholds_bits": th, "train_words": model.N,
              "vocabulary": model.V, "per_kind_split": table}
    if os.path.isdir(args.ultrawhale):
        report["ultrawhale"] = calibrate.run(args.ultrawhale, vocab, model, th)
        print(json.dumps(report["ultrawhale"], indent=2))
    else:
        log(f"{args.ultrawhale} absent: calibration skipped")
    (out / "teacher_stats.json").write_text(json.dumps(report, indent=2) + "\n")
    log("done")


if __name__ == "__main__":
    main()
