#!/usr/bin/python3
"""Golden scores of the committed models/kompress-mini for tests/model/kompress_mini_test.cc.

  /usr/bin/python3 tools/train/make_mini_golden.py [--model models/kompress-mini]

Texts: a few fixed samples (prose, a shell listing, a Python traceback, JSON, and one text
longer than the 128-token local window). Words = text.split(), tokenized one by one by the
npm oracle (@anush008/tokenizers, tools/train/tokenizer/oracle_encode.mjs) with the model's
tokenizer.json, so the golden ids do not come from the engine's tokenizer. Scores come from
the trainer's model class (tools/train/kompress_model.py) loaded with the exported weights,
in float64, then rounded once to float32; the script also checks them against the
independent reference (tools/reference/modernbert_reference.py).

Writes tests/data/golden/kompress_mini_golden.safetensors: per sequence k input_ids_k (I32),
hidden_k, p_keep_k, span_k, final_scores_k (F32); metadata: seed "0" (unused), the words of
every sequence as JSON, and the sha256 of the model.safetensors the scores belong to.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kompress_model import KompressModel  # noqa: E402
from modernbert_reference import kompress_forward  # noqa: E402
from safetensors_io import load_file, save_file  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

SAMPLES = [
    "The kernel does not flush the page cache unless the caller asks for it explicitly; "
    "callers that need durability must use fsync(2) on the file descriptor and check its return value.",
    "total 48\ndrwxr-xr-x 5 root root 4096 Jan 1 12:00 .\n-rw-r--r-- 1 root root 1523 Jan 1 12:00 "
    "CMakeLists.txt\n-rw-r--r-- 1 root root 220 Jan 1 12:00 README.md\ndrwxr-xr-x 2 root root 4096 src",
    "Traceback (most recent call last):\n  File \"/usr/lib/python3.11/json/decoder.py\", line 355, in "
    "raw_decode\n    obj, end = self.scan_once(s, idx)\njson.decoder.JSONDecodeError: Expecting value: "
    "line 1 column 1 (char 0)",
    '{"name": "zlib", "version": "1.2.13", "depends": ["libc6 (>= 2.14)"], "installed_size_kb": 174, '
    '"description": "compression library - runtime"}',
]


def long_sample():
    """A text of more than 128 tokens, so a local layer's window is narrower than the sequence."""
    words = []
    for i in range(16):
        words += f"step {i}: the worker reads block {i * 7} from /var/lib/data and writes it back".split()
    return " ".join(words)


def oracle_ids(words_list, tokenizer):
    npm = ROOT / "tools/reference/tokenizer"
    payload = "".join(json.dumps({"words": w}, ensure_ascii=False) + "\n" for w in words_list)
    out = subprocess.run(["node", str(ROOT / "tools/train/tokenizer/oracle_encode.mjs"), str(npm), tokenizer],
                         input=payload, capture_output=True, text=True, check=True).stdout
    return [json.loads(line)["ids"] for line in out.splitlines()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models/kompress-mini"))
    ap.add_argument("--out", default=str(ROOT / "tests/data/golden/kompress_mini_golden.safetensors"))
    args = ap.parse_args()
    model_dir = Path(args.model)
    cfg = json.load(open(model_dir / "config.json"))
    weights, _ = load_file(str(model_dir / "model.safetensors"))
    model = KompressModel(cfg)
    model.load_v1(weights)
    model = model.double().eval()
    words_list = [s.split() for s in SAMPLES + [long_sample()]]
    ids_list = oracle_ids(words_list, str(model_dir / "tokenizer.json"))
    tensors, worst_ref = {}, 0.0
    for k, ids in enumerate(ids_list):
        t = torch.tensor([ids])
        with torch.no_grad():
            h = model.encoder(t, torch.ones_like(t, dtype=torch.bool))
            logits, span_logits = model(t, torch.ones_like(t, dtype=torch.bool))
        p_keep = torch.softmax(logits, -1)[0, :, 1]
        span = torch.sigmoid(span_logits[0])
        final = KompressModel.final_scores(logits, span_logits)[0]
        ref = kompress_forward(ids, {n: v.astype(np.float64) for n, v in weights.items()}, model.cfg)
        worst_ref = max(worst_ref, (ref["final_scores"] - final).abs().max().item())
        tensors[f"input_ids_{k}"] = np.asarray(ids, dtype=np.int32)
        tensors[f"hidden_{k}"] = h[0].numpy().astype(np.float32)
        tensors[f"p_keep_{k}"] = p_keep.numpy().astype(np.float32)
        tensors[f"span_{k}"] = span.numpy().astype(np.float32)
        tensors[f"final_scores_{k}"] = final.numpy().astype(np.float32)
        kept = (final.numpy() > 0.5).mean()
        print(f"sequence {k}: {len(ids)} ids, {kept:.2f} of tokens score > 0.5")
    if worst_ref > 1e-9:
        sys.exit(f"trainer model and reference disagree: max |diff| {worst_ref:.3g}")
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    meta = {"seed": "0", "generator": "tools/train/make_mini_golden.py", "model_sha256": digest,
            "words": json.dumps(words_list, ensure_ascii=False), "num_sequences": str(len(ids_list))}
    save_file(args.out, tensors, meta)
    print(f"wrote {args.out}; trainer model vs reference max |diff| {worst_ref:.2e}")


if __name__ == "__main__":
    main()
