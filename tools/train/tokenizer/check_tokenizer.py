#!/usr/bin/python3
"""Compare token ids of the npm oracle and the C++ `kompress tokenize` on corpus lines.

  /usr/bin/python3 tools/train/tokenizer/check_tokenizer.py [--tokenizer PATH] [--kompress BIN] [--n 1000]

Inputs: the first --n documents of the valid split (sorted ids), each cut to ~120 words, once
as {"text"} and once as {"words"} (text.split()). Also prints tokens per word and bytes per
token. Skips the C++ side when the binary is missing.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.environ.get("KOMPRESS_CORPUS_DIR",
                                                     os.path.expanduser("~/.cache/kompress/corpus")))
    ap.add_argument("--tokenizer", default=str(ROOT / "models/kompress-mini/tokenizer.json"))
    ap.add_argument("--kompress", default=(sorted(glob.glob(str(ROOT / "build-*/bin/kompress"))) or [""])[0])
    ap.add_argument("--npm-dir", default=str(ROOT / "tools/reference/tokenizer"))
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    docs = [json.loads(l) for l in open(Path(args.work) / "corpus" / "valid.jsonl")]
    docs = [d for d in docs if d["text"].strip()]
    step = max(1, len(docs) // args.n)
    inputs = []
    for d in docs[::step][:args.n]:
        words = d["text"].split()
        start = len(words) // 3
        text = " ".join(words[start:start + 120])
        # keep the document's own whitespace for the text form (newlines, indentation)
        lines = d["text"].split("\n")
        raw = "\n".join(lines[len(lines) // 3: len(lines) // 3 + 12])
        inputs += [{"text": raw or text}, {"words": words[start:start + 120]}]
    payload = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in inputs)
    run = lambda cmd: subprocess.run(cmd, input=payload, capture_output=True, text=True, check=True).stdout
    oracle = [json.loads(l)["ids"] for l in run(["node", str(Path(__file__).with_name("oracle_encode.mjs")),
                                                 args.npm_dir, args.tokenizer]).splitlines()]
    assert len(oracle) == len(inputs)
    n_tok = sum(len(o) - 2 for x, o in zip(inputs, oracle) if "words" in x)
    n_words = sum(len(x["words"]) for x in inputs if "words" in x)
    n_bytes = sum(len(w.encode()) for x in inputs if "words" in x for w in x["words"])
    print(f"oracle: {len(inputs)} inputs; word mode {n_tok / n_words:.2f} tokens/word, "
          f"{n_bytes / n_tok:.2f} bytes/token")
    if not args.kompress or not os.path.exists(args.kompress):
        print("C++ kompress binary not found: comparison skipped")
        return
    cpp = [json.loads(l)["ids"] for l in run([args.kompress, "tokenize", "--tokenizer", args.tokenizer]).splitlines()]
    bad = [i for i, (a, b) in enumerate(zip(oracle, cpp)) if a != b]
    print(f"C++ {args.kompress}: {len(inputs) - len(bad)}/{len(inputs)} inputs identical")
    for i in bad[:5]:
        print("  differs:", json.dumps(inputs[i], ensure_ascii=False)[:200])
    sys.exit(1 if bad or len(cpp) != len(oracle) else 0)


if __name__ == "__main__":
    main()
