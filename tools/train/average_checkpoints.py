#!/usr/bin/python3
"""Average the weights of several checkpoints of one model (same config): a "model soup".

  /usr/bin/python3 tools/train/average_checkpoints.py OUT.pt RUN1/last.pt RUN2/last.pt [...]

Fine-tunes that start from the same weights stay in one basin, so their mean usually scores
better than each of them (tested on kompress-mini: docs/training.md). OUT.pt is a checkpoint
that tools/train/export.py reads; it has no optimizer state, so it cannot be resumed.
"""
import argparse
import sys

import torch


def average(checkpoints):
    """The first checkpoint's metadata with the element-wise mean of every model tensor."""
    first = checkpoints[0]
    for i, c in enumerate(checkpoints[1:], 2):
        if c["config"] != first["config"] or c["model"].keys() != first["model"].keys():
            raise ValueError(f"checkpoint {i} is not the same model as checkpoint 1 (config or tensor names differ)")
    model = {k: torch.stack([c["model"][k].double() for c in checkpoints]).mean(0).to(v.dtype)
             for k, v in first["model"].items()}
    return {"model": model, "config": first["config"], "tokenizer": first["tokenizer"],
            "step": max(c["step"] for c in checkpoints), "tokens": sum(c["tokens"] for c in checkpoints),
            "origin": f"mean of {len(checkpoints)} checkpoints ({'; '.join(sorted({c['origin'] for c in checkpoints}))})"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("checkpoints", nargs="+")
    args = ap.parse_args()
    if len(args.checkpoints) < 2:
        ap.error("give at least two checkpoints")
    try:
        soup = average([torch.load(p, map_location="cpu") for p in args.checkpoints])
    except (ValueError, KeyError, OSError, RuntimeError) as e:
        sys.exit(f"average_checkpoints: {e}")
    torch.save(soup, args.out)
    print(f"{args.out}: {soup['origin']}")


if __name__ == "__main__":
    main()
