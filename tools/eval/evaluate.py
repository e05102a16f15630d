#!/usr/bin/python3
"""Evaluate a Kompress model against three baselines on the held-out test split (issue 3).

  /usr/bin/python3 tools/eval/evaluate.py [--model models/kompress-mini] [--work DIR] [--max-words 120000]

Inputs (made by tools/train/corpus/build_corpus.sh and tools/train/teacher/label.py):
  WORK/labels/test.jsonl   chunks of <= 350 words of the test split (only words and kind are used)
  WORK/corpus/train.jsonl  word and document counts for the IDF baseline and "rare"
  WORK/corpus/valid.jsonl  the evaluation LM's training text (the teacher never counted it)

Methods (plus the teacher's order, for reference): the model (word score = max final_score over its tokens, scored by the trainer's
PyTorch model on the exported weights), random drop, stop-word drop (stop words first, in
random order), and IDF rank (most frequent words dropped first). Paths: target ratios 0.3,
0.5, 0.7 (keep the top floor(n * ratio) words of each chunk) and the model's threshold
path (keep a word when its score > 0.5; the baselines keep as many words per chunk).
The must-keep override is OFF everywhere.

Columns:
  must-keep  share of must-keep-category words kept (numbers, paths, identifiers, flags, ...)
  rare       share of rare content words kept (alphabetic, not a stop word, <= 3 times in train)
  recover    evaluation-LM loss (bits) of each dropped word given the compressed context:
             -log2 P(w | nearest kept word on the left, nearest kept word on the right) under
             a bidirectional Witten-Bell n-gram counted on the valid split. Lower = the words
             dropped were recoverable.
"""
import argparse
import collections
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools/train"))
sys.path.insert(0, str(ROOT / "tools/train/teacher"))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import ngram  # noqa: E402
import torch  # noqa: E402
from kompress_model import KompressModel  # noqa: E402
from labeled_data import load_windows  # noqa: E402
from must_keep import must_keep_mask  # noqa: E402
from safetensors_io import load_file  # noqa: E402

RATIOS = (0.3, 0.5, 0.7)
RARE_MAX_COUNT = 3
STOP_WORDS = set("""a about above after again against all am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just me more
most my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your yours
yourself yourselves also may might must shall should will would can cannot""".split())
PUNCT = re.compile(r"^\W+|\W+$")


def norm(word):
    return PUNCT.sub("", word).lower()


def is_stop(word):
    return norm(word) in STOP_WORDS


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def sample_chunks(path, max_words):
    """Every k-th chunk of the test labels so that about max_words words are kept, all kinds."""
    chunks = list(read_jsonl(path))
    total = sum(len(c["words"]) for c in chunks)
    step = max(1, math.ceil(total / max_words))
    return chunks[::step]


def train_counts(work):
    """Word counts and document frequencies over the train split (digits kept as they are)."""
    count, df, docs = collections.Counter(), collections.Counter(), 0
    for d in read_jsonl(work / "corpus" / "train.jsonl"):
        words = d["text"].split()
        count.update(words)
        df.update(set(words))
        docs += 1
    return count, df, docs


def model_scores(model_dir, chunks, kompress_bin, work):
    """Per chunk: word scores (max final_score over the word's tokens)."""
    cfg = json.load(open(model_dir / "config.json"))
    model = KompressModel(cfg)
    model.load_v1(load_file(str(model_dir / "model.safetensors"))[0])
    model.eval()
    tmp = work / "eval" / "chunks.jsonl"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps({"words": c["words"], "keep": [0] * len(c["words"])}, ensure_ascii=False) + "\n")
    data = load_windows(str(tmp), kompress_bin, str(model_dir / "tokenizer.json"),
                        min(512, cfg["max_position_embeddings"]))
    scores = [np.full(len(c["words"]), -1.0) for c in chunks]
    order = np.argsort([len(x) for x in data["ids"]])
    batch = 8
    with torch.no_grad():
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            length = max(len(data["ids"][i]) for i in idx)
            ids = torch.zeros(len(idx), length, dtype=torch.long)
            mask = torch.zeros(len(idx), length, dtype=torch.bool)
            for r, i in enumerate(idx):
                ids[r, :len(data["ids"][i])] = torch.from_numpy(data["ids"][i])
                mask[r, :len(data["ids"][i])] = True
            final = KompressModel.final_scores(*model(ids, mask)).numpy()
            for r, i in enumerate(idx):
                wid = data["word"][i]
                on = wid >= 0
                np.maximum.at(scores[data["record"][i]], wid[on], final[r, :len(wid)][on])
    return scores


def keep_top(score, k):
    """Mask of the k best words; ties go to the lower index (stable sort)."""
    keep = np.zeros(len(score), dtype=bool)
    keep[np.argsort(-score, kind="stable")[:k]] = True
    return keep


class Recovery:
    """-log2 P(dropped word | nearest kept neighbours) under an n-gram counted on the valid split."""

    def __init__(self, work):
        self.vocab = ngram.Vocab()
        docs = [self.vocab.encode(d["text"].split(), grow=True) for d in read_jsonl(work / "corpus" / "valid.jsonl")]
        self.model = ngram.NgramModel(ngram.stream(docs), len(self.vocab.ids))

    def bits(self, words, keep):
        """Sum of bits and count over the dropped words of one chunk."""
        ids = self.vocab.encode(words, grow=False)
        drop = np.nonzero(~keep)[0]
        if len(drop) == 0:
            return 0.0, 0
        kept_pos = np.nonzero(keep)[0]
        li = np.searchsorted(kept_pos, drop) - 1
        ri = li + 1
        left = np.where(li >= 0, ids[kept_pos[np.maximum(li, 0)]] if len(kept_pos) else 0, ngram.BOUNDARY)
        right = np.where(ri < len(kept_pos), ids[kept_pos[np.minimum(ri, len(kept_pos) - 1)]]
                         if len(kept_pos) else 0, ngram.BOUNDARY)
        bits = self.model.surprisal_of(left, ids[drop], right)
        return float(bits.sum()), len(drop)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models/kompress-mini"))
    ap.add_argument("--work", default=os.environ.get("KOMPRESS_CORPUS_DIR",
                                                     os.path.expanduser("~/.cache/kompress/corpus")))
    ap.add_argument("--kompress", default=(sorted(str(p) for p in ROOT.glob("build*/bin/kompress")) or [""])[0])
    ap.add_argument("--max-words", type=int, default=120000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    work = Path(args.work)
    chunks = sample_chunks(work / "labels" / "test.jsonl", args.max_words)
    n_words = sum(len(c["words"]) for c in chunks)
    print(f"test sample: {len(chunks)} chunks, {n_words} words", file=sys.stderr, flush=True)
    count, df, docs = train_counts(work)
    recovery = Recovery(work)
    print("counts ready; scoring with the model", file=sys.stderr, flush=True)
    rng = np.random.default_rng(args.seed)
    methods = {"model": model_scores(Path(args.model), chunks, args.kompress, work)}
    methods["random"] = [rng.random(len(c["words"])) for c in chunks]
    methods["stop-word"] = [np.array([0.0 if is_stop(w) else 1.0 for w in c["words"]]) + 0.5 * rng.random(len(c["words"]))
                            for c in chunks]
    methods["idf"] = [np.array([math.log((docs + 1) / (df.get(w, 0) + 1)) for w in c["words"]]) for c in chunks]
    # Not a baseline: the teacher's own order (its keep probabilities, or its 0/1 labels with random
    # order inside each class), to tell what the model failed to learn from what the teacher does.
    methods["teacher"] = [np.asarray(c["score"]) if "score" in c else
                          np.asarray(c["keep"]) + 0.5 * rng.random(len(c["words"])) for c in chunks]
    must = [must_keep_mask(c["words"]) for c in chunks]
    rare = [np.array([w.isalpha() and not is_stop(w) and count.get(w, 0) <= RARE_MAX_COUNT for w in c["words"]])
            for c in chunks]
    threshold_k = [int((s > 0.5).sum()) for s in methods["model"]]
    paths = [(f"ratio {r}", [max(1, int(len(c["words"]) * r)) for c in chunks]) for r in RATIOS]
    paths.append(("threshold 0.5", threshold_k))
    rows = []
    for path, ks in paths:
        for name, scores in methods.items():
            m_keep = m_all = r_keep = r_all = kept = 0
            bits, dropped = 0.0, 0
            for c, s, k, mu, ra in zip(chunks, scores, ks, must, rare):
                keep = (s > 0.5) if (name == "model" and path.startswith("threshold")) else keep_top(s, k)
                m_keep += int((keep & mu).sum())
                m_all += int(mu.sum())
                r_keep += int((keep & ra).sum())
                r_all += int(ra.sum())
                kept += int(keep.sum())
                b, n = recovery.bits(c["words"], keep)
                bits, dropped = bits + b, dropped + n
            rows.append({"path": path, "method": name, "kept": kept / n_words, "must_keep": m_keep / max(1, m_all),
                         "rare": r_keep / max(1, r_all), "recover_bits": bits / max(1, dropped)})
            print(f"{path:14s} {name:10s} done", file=sys.stderr, flush=True)
    print("| path | method | words kept | must-keep kept | rare kept | recover (bits, lower is better) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['path']} | {r['method']} | {r['kept']:.3f} | {r['must_keep']:.3f} | {r['rare']:.3f} | "
              f"{r['recover_bits']:.2f} |")
    print()
    print("Threshold path (model, score > 0.5), words kept per content kind:")
    by_kind = collections.defaultdict(lambda: [0, 0])
    for c, s in zip(chunks, methods["model"]):
        by_kind[c["kind"]][0] += int((s > 0.5).sum())
        by_kind[c["kind"]][1] += len(s)
    for kind, (k, n) in sorted(by_kind.items()):
        print(f"  {kind:8s} {k / n:.3f} of {n} words")
    out = work / "eval" / "results.json"
    out.write_text(json.dumps({"rows": rows, "kinds": {k: v[0] / v[1] for k, v in by_kind.items()},
                               "words": n_words, "chunks": len(chunks)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
