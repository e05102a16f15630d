"""Checks of the ONNX export behind the benchmark's ONNX Runtime rows, on the tiny golden config.

What could go wrong while still producing numbers: the batched module drifting from the float64
reference (padding, the sliding window, RoPE), a weight-only LayerNorm sneaking into the export
(ONNX Runtime's SkipLayerNorm fusion crashes on it), the int8 rewrite leaving a weight MatMul in
float or quantizing along the wrong axis, and ONNX Runtime computing something else than
PyTorch at its full optimization level. Exit 0 when all pass, 1 on a failure, 77 (skip) when
torch or onnx is missing, or when ONNX Runtime is (after the checks that need only onnx).

Run with Debian's /usr/bin/python3; ctest runs it as onnx_export_check.
"""

import json
import os
import sys
import tempfile

try:
    import numpy as np
    import onnx
    import torch
    from onnx import numpy_helper
except ImportError as e:
    print(f"SKIP: {e} (Debian's python3-torch and python3-onnx)")
    sys.exit(77)

import export_onnx
from batched_model import load_model, pad_batch
from modernbert_reference import kompress_forward, parse_config
from random_weights import kompress_v1_weights
from safetensors_io import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
TINY_CONFIG = os.path.join(HERE, "..", "..", "tests", "data", "golden", "tiny_config.json")
SEED = 1234
LENGTHS = (40, 7, 300, 25)  # 300 > the window; 7 is mostly padding in a batch of 300
FAILURES = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


def tiny_model_dir(tmp):
    with open(TINY_CONFIG) as f:
        config = json.load(f)
    save_file(os.path.join(tmp, "model.safetensors"), kompress_v1_weights(config, SEED))
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config, f)
    return config


def reference_scores(config, sequences):
    weights = kompress_v1_weights(config, SEED)
    cfg = parse_config(config)
    return [kompress_forward(s, weights, cfg)["final_scores"].numpy() for s in sequences]


def max_diff(a, b):
    return float(np.abs(np.concatenate(a) - np.concatenate(b)).max())


def check_batched_module(model_dir, sequences, expected):
    model = load_model(model_dir)
    ids, mask = pad_batch(sequences, model.pad_id)
    with torch.inference_mode():
        out = model(ids, mask).numpy()
    got = [out[i, : len(s)] for i, s in enumerate(sequences)]
    d = max_diff(got, expected)
    check(d < 2e-5, f"batched float32 module = float64 reference on a padded batch (max |diff| {d:.1e})")


def initializers(model):
    return {t.name: t for t in model.graph.initializer}


def weight_matmuls(model):
    inits = initializers(model)
    return [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits]


def check_fp32_graph(model):
    check(model.opset_import[0].version == 17, "fp32 graph: opset 17")
    ins = {i.name: i.type.tensor_type for i in model.graph.input}
    check(
        set(ins) == {"input_ids", "attention_mask"}
        and all(t.elem_type == onnx.TensorProto.INT64 for t in ins.values())
        and all(not d.HasField("dim_value") for t in ins.values() for d in t.shape.dim),
        "fp32 graph: inputs input_ids, attention_mask int64 with dynamic batch and sequence",
    )
    check([o.name for o in model.graph.output] == ["final_scores"], "fp32 graph: one output, final_scores")
    norms = [n for n in model.graph.node if n.op_type == "LayerNormalization"]
    check(
        norms and all(len(n.input) == 3 and n.input[2] for n in norms),
        f"fp32 graph: all {len(norms)} LayerNormalization nodes have an explicit bias",
    )


def check_int8_graph(fp32, int8):
    inits = initializers(int8)
    fp32_inits = initializers(fp32)
    expected = weight_matmuls(fp32)
    integer = [n for n in int8.graph.node if n.op_type == "MatMulInteger"]
    check(
        len(integer) == len(expected) > 0 and not weight_matmuls(int8),
        f"int8 graph: all {len(expected)} weight MatMuls became MatMulInteger, none left in float",
    )
    worst, layouts_ok = 0.0, True
    for node, original in zip(integer, expected):
        w = numpy_helper.to_array(fp32_inits[original.input[1]])
        q = numpy_helper.to_array(inits[node.input[1]])
        scale = numpy_helper.to_array(inits[original.input[1] + "_scale"])
        zero = numpy_helper.to_array(inits[node.input[3]])
        layouts_ok &= q.dtype == zero.dtype == np.int8 and scale.shape == (w.shape[1],) and not zero.any()
        worst = max(worst, float((np.abs(q * scale - w) / scale).max()))
    check(layouts_ok, "int8 graph: weights int8 with one scale per output column, zero points 0")
    check(worst <= 0.5 + 1e-3, f"int8 graph: weights round to nearest (max error {worst:.3f} of a step)")
    ops = [n.op_type for n in int8.graph.node]
    check(ops.count("ConvInteger") == 2 and "DequantizeLinear" in ops, "int8 graph: span convs and embeddings int8")


def check_onnxruntime(paths, sequences, pad_id, expected):
    got = {p: export_onnx.run_onnxruntime(path, sequences, pad_id, threads=2) for p, path in paths.items()}
    d32, d8 = max_diff(got["fp32"], expected), max_diff(got["int8"], expected)
    check(d32 < 1e-4, f"ONNX Runtime (all optimizations) fp32 = reference (max |diff| {d32:.1e})")
    check(1e-4 < d8 < 0.15, f"ONNX Runtime int8 near the reference, not equal to it (max |diff| {d8:.3f})")
    keep = np.concatenate(expected) > 0.5
    agree = float((keep == (np.concatenate(got["int8"]) > 0.5)).mean())
    check(agree >= 0.9, f"int8 keep decisions agree with the reference on {100 * agree:.1f}% of tokens")


def main():
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory() as tmp:
        config = tiny_model_dir(tmp)
        sequences = [[1] + rng.integers(3, config["vocab_size"], n - 2).tolist() + [2] for n in LENGTHS]
        expected = reference_scores(config, sequences)
        check_batched_module(tmp, sequences, expected)
        paths = export_onnx.export(tmp, os.path.join(tmp, "onnx"))
        fp32, int8 = onnx.load(paths["fp32"]), onnx.load(paths["int8"])
        check_fp32_graph(fp32)
        check_int8_graph(fp32, int8)
        if FAILURES:
            sys.exit(1)
        if not export_onnx.onnxruntime_installed():
            print("SKIP: ONNX Runtime is not installed (scripts/install-onnxruntime.sh); graphs not run")
            sys.exit(77)
        check_onnxruntime(paths, sequences, config["pad_token_id"], expected)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
