#!/usr/bin/python3
"""Check the trainable model (kompress_model.py) against the float64 reference.

  /usr/bin/python3 tools/train/check_model.py

Random small config (global + local layers, window smaller than the sequences), random
weights, three sequences of different lengths scored together in one padded batch in
float64: final_scores of each must equal the reference's kompress_forward on that sequence
alone (|diff| < 1e-10), which proves masking, RoPE, the window rule and the span-head
edges. Also checks that the state dict is exactly the Kompress v1 tensor list.
"""
import sys

import torch

from kompress_model import KompressModel, modernbert_config
from modernbert_reference import kompress_forward


def main():
    torch.manual_seed(0)
    cfg = modernbert_config(vocab_size=300, hidden=64, layers=4, heads=4, intermediate=96)
    cfg["local_attention"] = 16
    model = KompressModel(cfg).double()
    model.check_layout()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    weights = {k: v.detach() for k, v in model.state_dict().items()}
    lengths = [40, 7, 25]
    seqs = [torch.randint(3, 300, (n,)) for n in lengths]
    ids = torch.zeros(len(seqs), max(lengths), dtype=torch.long)
    mask = torch.zeros_like(ids, dtype=torch.bool)
    for i, s in enumerate(seqs):
        ids[i, :len(s)], mask[i, :len(s)] = s, True
    with torch.no_grad():
        logits, span = model(ids, mask)
        batched = model.final_scores(logits, span)
    worst = 0.0
    for i, s in enumerate(seqs):
        ref = kompress_forward(s, weights, model.cfg)["final_scores"]
        worst = max(worst, (batched[i, :len(s)] - ref).abs().max().item())
    ok = worst < 1e-10
    print(f"{'PASS' if ok else 'FAIL'} batched model vs reference: max |diff| {worst:.3g}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
