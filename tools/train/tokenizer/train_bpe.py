#!/usr/bin/python3
"""Train the kompress-mini byte-level BPE tokenizer on the corpus train split.

  /usr/bin/python3 tools/train/tokenizer/train_bpe.py [--work DIR] [--out models/kompress-mini/tokenizer.json]

Layout of the result (same conventions as the ModernBERT tokenizer, spec section 2):
  ids 0..255            the 256 byte-level symbols (GPT-2 byte order)
  ids 256..V-29         merge results, in merge order (first N learned merges)
  ids V-28..V-6         runs of 24..2 spaces (model vocab and added tokens, longest first)
  ids V-5..V-1          [UNK] [CLS] [SEP] [PAD] [MASK] (added special tokens; [MASK] lstrip)
with V = --vocab (16384). NFC normalizer, ByteLevel pre-tokenizer (add_prefix_space false,
GPT-2 regex), TemplateProcessing "[CLS] $A [SEP]", ByteLevel decoder.

Training text: each document of the train split as `text.split()` words, one word a line.
Kompress tokenizes pre-split words (is_split_into_words: no word gets the leading-space
marker), so the merges are learned on exactly the strings the engine will tokenize; no
vocabulary is spent on "Ġword" forms. Merges are learned by the Hugging Face BPE trainer
(bpe_merges.mjs); the binding cannot set vocab_size, so we keep a prefix of its merges.
"""
import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
SPACE_RUNS = [" " * n for n in range(24, 1, -1)]


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (ByteLevel alphabet), in byte order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    table = dict(zip(bs, (chr(c) for c in cs)))
    return [table[b] for b in range(256)]


def added(id_, content, special, lstrip=False):
    return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip,
            "rstrip": False, "normalized": not special, "special": special}


def assemble(merges, vocab_size):
    alphabet = bytes_to_unicode()
    n_merges = vocab_size - len(alphabet) - len(SPACE_RUNS) - len(SPECIALS)
    if len(merges) < n_merges:
        sys.exit(f"only {len(merges)} merges learned, need {n_merges}")
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    kept = []
    for a, b in merges:
        if len(kept) == n_merges:
            break
        assert a in vocab and b in vocab, (a, b)
        if a + b in vocab:  # cannot happen with the HF trainer; keep ids dense anyway
            continue
        vocab[a + b] = len(vocab)
        kept.append(f"{a} {b}")
    added_tokens = []
    for s in SPACE_RUNS:
        added_tokens.append(added(len(vocab), s, False))
        vocab[s] = len(vocab)
    for i, s in enumerate(SPECIALS):
        added_tokens.append(added(vocab_size - len(SPECIALS) + i, s, True, s == "[MASK]"))
    sid = {t["content"]: t["id"] for t in added_tokens}
    assert len(vocab) == vocab_size - len(SPECIALS)
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                  "use_regex": True}
    seq = lambda name: {"Sequence": {"id": name, "type_id": 0}}
    spec = lambda name: {"SpecialToken": {"id": name, "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": added_tokens,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": byte_level,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [spec("[CLS]"), seq("A"), spec("[SEP]")],
            "pair": [spec("[CLS]"), seq("A"), spec("[SEP]"), seq("B"), spec("[SEP]")],
            "special_tokens": {s: {"id": s, "ids": [sid[s]], "tokens": [s]} for s in SPECIALS}},
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": kept},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=os.environ.get("KOMPRESS_CORPUS_DIR",
                                                     os.path.expanduser("~/.cache/kompress/corpus")))
    ap.add_argument("--out", default=str(ROOT / "models/kompress-mini/tokenizer.json"))
    ap.add_argument("--vocab", type=int, default=16384)
    ap.add_argument("--npm-dir", default=str(ROOT / "tools/reference/tokenizer"))
    args = ap.parse_args()
    work = Path(args.work)
    tdir = work / "tokenizer"
    tdir.mkdir(exist_ok=True)
    words = tdir / "train_words.txt"
    n_words = 0
    with open(words, "w") as out:
        for line in open(work / "corpus" / "train.jsonl"):
            ws = json.loads(line)["text"].split()
            n_words += len(ws)
            out.write("\n".join(ws) + "\n")
    print(f"training text: {n_words} words, {words.stat().st_size / 2**20:.1f} MB", file=sys.stderr)
    raw = tdir / "hf_trained.json"
    subprocess.run(["node", str(Path(__file__).with_name("bpe_merges.mjs")), args.npm_dir,
                    str(raw), str(words)], check=True)
    merges = json.load(open(raw))["model"]["merges"]
    merges = [m.split(" ", 1) if isinstance(m, str) else m for m in merges]
    tok = assemble(merges, args.vocab)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(tok, f, ensure_ascii=False, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {args.out}: {args.vocab} ids, {len(tok['model']['merges'])} merges, "
          f"{os.path.getsize(args.out) / 2**20:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
