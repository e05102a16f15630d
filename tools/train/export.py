#!/usr/bin/python3
"""Export a training checkpoint as a model folder the engine loads.

  /usr/bin/python3 tools/train/export.py RUN/last.pt models/kompress-mini [--card CARD.md]
      [--embeddings-f16]

Writes OUT/config.json (ModernBERT spelling), OUT/model.safetensors (Kompress v1 layout:
encoder.*, token_head.*, span_conv.*), OUT/tokenizer.json (copied from the run's tokenizer)
and, with --card, OUT/README.md. --embeddings-f16 stores the token embedding table in
float16 (the engine widens it to float32 on load); the tensor is rounded once here, so
what the engine computes is what PyTorch computes with the exported weights.
"""
import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kompress_model import KompressModel  # noqa: E402
from safetensors_io import save_file  # noqa: E402

EMBEDDINGS = "encoder.embeddings.tok_embeddings.weight"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("out")
    ap.add_argument("--card", help="model card (markdown) copied to OUT/README.md")
    ap.add_argument("--embeddings-f16", action="store_true")
    args = ap.parse_args()
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    model = KompressModel(ckpt["config"])
    model.load_state_dict(ckpt["model"])
    model.check_layout()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    if args.embeddings_f16:
        tensors[EMBEDDINGS] = tensors[EMBEDDINGS].astype(np.float16)
    meta = {"format": "pt", "kompress_layout": "v1", "step": str(ckpt["step"]),
            "tokens_seen": str(ckpt["tokens"]), "origin": ckpt["origin"]}
    save_file(str(out / "model.safetensors"), tensors, meta)
    with open(out / "config.json", "w") as f:
        json.dump(ckpt["config"], f, indent=2)
        f.write("\n")
    if Path(ckpt["tokenizer"]).resolve() != (out / "tokenizer.json").resolve():
        shutil.copyfile(ckpt["tokenizer"], out / "tokenizer.json")
    if args.card:
        shutil.copyfile(args.card, out / "README.md")
    total = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    n = sum(t.size for t in tensors.values())
    print(f"exported {out}: {n / 1e6:.2f}M params, {total / 2**20:.1f} MiB in the folder")


if __name__ == "__main__":
    main()
