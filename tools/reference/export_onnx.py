"""Export a Kompress folder (config.json + fp32 model.safetensors, e.g. the seeded random
checkpoint `kompress bench` writes) to ONNX the way the reference ships it, for ONNX Runtime's
rows of the model benchmark.

Writes OUT_DIR/kompress-fp32.onnx (torch.onnx.export of batched_model.KompressBatched: opset
17, the highest torch 1.13 has; inputs input_ids and attention_mask, int64 [batch, seq], both
axes dynamic; output final_scores float32 [batch, seq]; every LayerNorm with an explicit zero
bias) and OUT_DIR/kompress-int8.onnx (onnx_int8.quantize_dynamic_int8 of it: MatMul weights
int8 per column, dynamic uint8 activations, as onnxruntime's quantize_dynamic per_channel).

--check runs both graphs through ONNX Runtime (tools/reference/onnxruntime, Node binding) on a
batch of two padded sequences and prints max |diff| against the PyTorch module and the int8
keep-decision agreement (final_scores > 0.5) with fp32.

Run with Debian's /usr/bin/python3 (torch 1.13, python3-onnx).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np
import onnx
import torch

from batched_model import load_model, pad_batch
from onnx_int8 import quantize_dynamic_int8

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_DIR = os.path.join(HERE, "onnxruntime")
OPSET = 17
FILES = {"fp32": "kompress-fp32.onnx", "int8": "kompress-int8.onnx"}


def export_fp32(model, path):
    """torch.onnx.export of `model` traced on a small padded batch (the axes stay dynamic)."""
    ids, mask = pad_batch([[1, 5, 7, 9, 2], [1, 6, 2]], model.pad_id)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes used as Python values
        torch.onnx.export(
            model,
            (ids, mask),
            path,
            input_names=["input_ids", "attention_mask"],
            output_names=["final_scores"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "final_scores": {0: "batch", 1: "sequence"},
            },
            opset_version=OPSET,
            do_constant_folding=True,
        )


def export(model_dir, out_dir):
    """Both ONNX files for `model_dir` in `out_dir`; returns {precision: path}."""
    os.makedirs(out_dir, exist_ok=True)
    model = load_model(model_dir)
    paths = {p: os.path.join(out_dir, f) for p, f in FILES.items()}
    t0 = time.perf_counter()
    export_fp32(model, paths["fp32"])
    t1 = time.perf_counter()
    int8 = quantize_dynamic_int8(onnx.load(paths["fp32"]))
    onnx.save(int8, paths["int8"])
    t2 = time.perf_counter()
    for p, path in paths.items():
        print(f"export_onnx: {path} ({os.path.getsize(path) / 1e6:.0f} MB)", file=sys.stderr)
    print(f"export_onnx: fp32 export {t1 - t0:.1f} s, int8 rewrite {t2 - t1:.1f} s", file=sys.stderr)
    return paths


def onnxruntime_installed():
    return os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node"))


def run_onnxruntime(model_path, sequences, pad, threads=1):
    """final_scores per sequence from ONNX Runtime (the Node binding beside run_onnx.mjs)."""
    request = {"model": model_path, "sequences": sequences, "pad_id": pad, "threads": threads}
    out = subprocess.run(
        ["node", os.path.join(ORT_DIR, "run_onnx.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    return [np.asarray(s, dtype=np.float32) for s in json.loads(out.stdout)["final_scores"]]


def torch_scores(model, sequences, pad):
    ids, mask = pad_batch(sequences, pad)
    with torch.inference_mode():
        out = model(ids, mask).numpy()
    return [out[i, : len(s)] for i, s in enumerate(sequences)]


def compare(model_dir, paths, sequences):
    """Max |diff| of each graph against the PyTorch module and int8/fp32 keep agreement, printed."""
    if not onnxruntime_installed():
        print("export_onnx: ONNX Runtime is absent (scripts/install-onnxruntime.sh); nothing checked")
        return None
    model = load_model(model_dir)
    pad = model.pad_id
    expected = torch_scores(model, sequences, pad)
    got = {p: run_onnxruntime(path, sequences, pad, threads=2) for p, path in paths.items()}
    flat = lambda xs: np.concatenate(xs)  # noqa: E731
    report = {p: float(np.abs(flat(got[p]) - flat(expected)).max()) for p in paths}
    keep_fp32, keep_int8 = flat(got["fp32"]) > 0.5, flat(got["int8"]) > 0.5
    report["int8_keep_agreement"] = float((keep_fp32 == keep_int8).mean())
    report["tokens"] = int(keep_fp32.size)
    print(
        f"export_onnx: {report['tokens']} tokens; max |ORT fp32 - PyTorch| {report['fp32']:.2e}, "
        f"max |ORT int8 - PyTorch| {report['int8']:.3f}, int8/fp32 keep agreement "
        f"{100 * report['int8_keep_agreement']:.2f}%"
    )
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_dir", help="Kompress folder: config.json + fp32 model.safetensors")
    ap.add_argument("out_dir", help="where kompress-fp32.onnx and kompress-int8.onnx go")
    ap.add_argument("--check", action="store_true", help="run both graphs through ONNX Runtime and compare")
    ap.add_argument("--ids", help="JSON list of id lists to check on (default: two random sequences)")
    args = ap.parse_args()
    paths = export(args.model_dir, args.out_dir)
    if args.check:
        if args.ids:
            with open(args.ids) as f:
                sequences = json.load(f)[:2]
        else:
            with open(os.path.join(args.model_dir, "config.json")) as f:
                vocab = json.load(f)["vocab_size"]
            rng = np.random.default_rng(7)
            sequences = [rng.integers(3, min(vocab, 50000), n).tolist() for n in (512, 300)]
        compare(args.model_dir, paths, sequences)


if __name__ == "__main__":
    main()
