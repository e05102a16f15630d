"""Self-checks of the reference: the judge must itself be checked before it judges the C++ engine.

Each check attacks one way the reference could be wrong while still looking plausible:
the weight formula (against a pure-Python big-integer restatement), the safetensors
writer, the vectorized model (against a loop-by-loop numpy restatement with RoPE as a
complex rotation), the sliding-window boundary (|i-j| <= w, not < w), window >= L
equalling global attention, both config spellings, float32 vs float64, and whether
the committed goldens are still what the reference computes.

Runs on CPU in a few seconds; --base adds the ModernBERT-base golden and an fp32 run
of it (about two minutes with Debian's reference BLAS).
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time

import numpy as np
import torch

import make_model_goldens as goldens
from modernbert_reference import apply_rope, kompress_forward, load_config, parse_config
from random_weights import fnv1a64, generate_tensor, init_params, kompress_v1_shapes, kompress_v1_weights
from safetensors_io import load_file, save_file

MASK64 = (1 << 64) - 1
FAILURES = []


def check(ok, what):
    """Record and print one verdict; the script exits non-zero if any failed."""
    print(("PASS " if ok else "FAIL ") + what)
    if not ok:
        FAILURES.append(what)


# ---------------------------------------------------------------- weights


def py_mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def py_value(name, shape, seed, k):
    """Element k of tensor `name` from the documented formula in Python ints (no numpy wrapping)."""
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    r = py_mix64(((h ^ py_mix64(seed)) + (k + 1) * 0x9E3779B97F4A7C15) & MASK64)
    center, scale = init_params(name, shape)
    return np.float32(center + scale * (2.0 * ((r >> 40) / 2.0**24) - 1.0))


def check_weight_formula():
    """numpy generator == pure-Python formula, bit for bit, at both ends of every tensor kind."""
    config = goldens.TINY_CONFIG
    cases = kompress_v1_shapes(config) + [("ünïcode.bias", (3,)), ("embeddings.tok_embeddings.weight", (5, 4))]
    worst = 0
    for name, shape in cases:
        got = generate_tensor(name, shape, 1234).reshape(-1)
        n = got.size
        for k in sorted({0, 1, 2, n // 2, n - 2, n - 1} & set(range(n))):
            worst += int(got[k].view(np.uint32) != py_value(name, shape, 1234, k).view(np.uint32))
    check(worst == 0, f"weight generator bit-exact vs pure-Python formula ({len(cases)} tensors, {worst} mismatches)")
    check(int(fnv1a64("")) == 0xCBF29CE484222325 and int(fnv1a64("a")) == 0xAF63DC4C8601EC8C, "fnv1a64 test vectors")
    w = kompress_v1_weights(config, 1234)
    emb = w["encoder.embeddings.tok_embeddings.weight"]
    norm = w["encoder.embeddings.norm.weight"]
    check(
        np.abs(emb).max() <= 1.0 and np.all(np.abs(norm - 1.0) <= 0.2) and "encoder.layers.0.attn_norm.weight" not in w,
        "weight ranges (embeddings in [-1,1], norms in [0.8,1.2]) and no layer-0 attn_norm",
    )


# ---------------------------------------------------------------- safetensors


def check_safetensors():
    """Round trip of every dtype the goldens use, header alignment, and rejection of a corrupt file."""
    rng = np.random.default_rng(0)
    tensors = {
        "f32": rng.standard_normal((3, 5)).astype(np.float32),
        "f64": rng.standard_normal(7),
        "i32": rng.integers(-(2**31), 2**31, 11).astype(np.int32),
        "i64": rng.integers(-(2**62), 2**62, (2, 2)).astype(np.int64),
        "empty": np.zeros((0, 4), np.float32),
    }
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.safetensors")
        save_file(path, tensors, {"seed": "1"})
        back, meta = load_file(path)
        raw = open(path, "rb").read()
        same = all(back[k].dtype == v.dtype and back[k].tobytes() == v.tobytes() for k, v in tensors.items())
        check(same and meta == {"seed": "1"} and set(back) == set(tensors), "safetensors round trip (F32 F64 I32 I64, metadata)")
        check(int.from_bytes(raw[:8], "little") % 8 == 0, "safetensors header padded to 8 bytes")
        with open(path, "wb") as f:
            f.write(raw[:-4])
        try:
            load_file(path)
            check(False, "truncated safetensors rejected")
        except ValueError:
            check(True, "truncated safetensors rejected")


# ---------------------------------------------------------------- naive model


def naive_ln(x, w, eps):
    return (x - x.mean()) / math.sqrt(x.var() + eps) * w


def naive_gelu(x):
    return np.array([0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))) for v in np.ravel(x)]).reshape(np.shape(x))


def naive_rope(vec, pos, theta):
    """RoPE as a complex rotation: (x_j + i x_{j+d/2}) * e^{i pos / theta^(2j/d)}."""
    half = len(vec) // 2
    freq = 1.0 / theta ** (np.arange(half) * 2.0 / len(vec))
    z = (vec[:half] + 1j * vec[half:]) * np.exp(1j * pos * freq)
    return np.concatenate([z.real, z.imag])


def naive_attention(x, wqkv, wo, cfg, is_global):
    """One query, one head, one key at a time; the window test written as the spec states it."""
    length, hid = x.shape
    hd = cfg.head_dim
    theta = cfg.theta_global if is_global else cfg.theta_local
    qkv = x @ wqkv.T
    out = np.zeros((length, hid))
    for h in range(cfg.num_heads):
        cols = slice(h * hd, (h + 1) * hd)
        q = [naive_rope(qkv[i, :hid][cols], i, theta) for i in range(length)]
        k = [naive_rope(qkv[j, hid : 2 * hid][cols], j, theta) for j in range(length)]
        v = qkv[:, 2 * hid :][:, cols]
        for i in range(length):
            keys = [j for j in range(length) if is_global or abs(i - j) <= cfg.window_half]
            s = np.array([q[i] @ k[j] / math.sqrt(hd) for j in keys])
            p = np.exp(s - s.max())
            out[i, cols] = (p / p.sum()) @ v[keys]
    return out @ wo.T


def naive_conv(x, w, b):
    """Conv1d over positions with 'same' zero padding, one output position and tap at a time."""
    length = x.shape[0]
    ksize = w.shape[2]
    pad = ksize // 2
    out = np.tile(b, (length, 1)).astype(np.float64)
    for t in range(length):
        for tap in range(ksize):
            src = t + tap - pad
            if 0 <= src < length:
                out[t] += w[:, :, tap] @ x[src]
    return out


def naive_kompress(ids, weights, cfg):
    """The whole model restated in float64 numpy loops, independent of the torch code."""
    W = {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()}
    eps = cfg.norm_eps
    rows = lambda x, w: np.stack([naive_ln(r, w, eps) for r in x])  # noqa: E731
    h = rows(W["encoder.embeddings.tok_embeddings.weight"][ids], W["encoder.embeddings.norm.weight"])
    for i in range(cfg.num_layers):
        p = f"encoder.layers.{i}."
        a_in = h if i == 0 else rows(h, W[p + "attn_norm.weight"])
        h = h + naive_attention(a_in, W[p + "attn.Wqkv.weight"], W[p + "attn.Wo.weight"], cfg, cfg.layer_is_global[i])
        z = rows(h, W[p + "mlp_norm.weight"]) @ W[p + "mlp.Wi.weight"].T
        inter = cfg.intermediate_size
        h = h + (naive_gelu(z[:, :inter]) * z[:, inter:]) @ W[p + "mlp.Wo.weight"].T
    h = rows(h, W["encoder.final_norm.weight"])
    logits = h @ W["token_head.weight"].T + W["token_head.bias"]
    p_keep = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))
    c1 = naive_gelu(naive_conv(h, W["span_conv.0.weight"], W["span_conv.0.bias"]))
    span = 1.0 / (1.0 + np.exp(-naive_conv(c1, W["span_conv.2.weight"], W["span_conv.2.bias"])[:, 0]))
    return {"hidden": h, "p_keep": p_keep, "span": span, "final_scores": p_keep * (0.5 + 0.5 * span)}


def max_diff(a, b):
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())


def run(ids, weights, cfg, dtype=torch.float64):
    with torch.no_grad():
        return {k: v.numpy() for k, v in kompress_forward(ids, weights, cfg, dtype).items()}


def check_against_naive(weights, cfg, sequences):
    """Vectorized torch reference == naive numpy loops on every tiny sequence, to float64 noise."""
    worst = 0.0
    for ids in sequences:
        ref, naive = run(ids, weights, cfg), naive_kompress(ids, weights, cfg)
        worst = max(worst, *(max_diff(ref[k], naive[k]) for k in ref))
    check(worst < 1e-9, f"torch reference vs naive loops (tiny, 3 sequences): max diff {worst:.1e}")


# ---------------------------------------------------------------- attention semantics


def with_changes(config, **changes):
    return dict(config, **changes)


def check_window_boundary(weights):
    """All-local layers, half-window w: changing token j moves position i iff |i - j| <= layers * w.

    With 3 local layers and w = 2 the receptive field is exactly 6: a '< w' mask would give 3,
    a missing mask would give everything.
    """
    n_layers, w = 3, 2
    config = with_changes(goldens.TINY_CONFIG, local_attention=2 * w, layer_types=["sliding_attention"] * n_layers)
    cfg = parse_config(config)
    ids = goldens.tiny_sequences()[0]
    j = len(ids) // 2
    changed = ids.copy()
    changed[j] = (changed[j] + 17) % config["vocab_size"]
    diff = np.abs(run(ids, weights, cfg)["hidden"] - run(changed, weights, cfg)["hidden"]).max(axis=1)
    moved = sorted(int(i) for i in np.nonzero(diff > 0)[0])
    expect = list(range(j - n_layers * w, j + n_layers * w + 1))
    check(moved == expect, f"sliding window |i-j| <= {w}: a change at {j} reaches exactly {expect[0]}..{expect[-1]} (got {moved[0]}..{moved[-1]})")


def check_window_vs_global(weights):
    """A local layer whose window covers the sequence is a global layer (same theta); a small one is not."""
    ids = goldens.tiny_sequences()[0]
    same_theta = {"rope_type": "default", "rope_theta": 10000.0}
    rope = {"full_attention": same_theta, "sliding_attention": same_theta}
    wide = parse_config(with_changes(goldens.TINY_CONFIG, rope_parameters=rope, local_attention=2 * len(ids)))
    all_global = parse_config(with_changes(goldens.TINY_CONFIG, rope_parameters=rope, layer_types=["full_attention"] * 3))
    narrow = parse_config(with_changes(goldens.TINY_CONFIG, rope_parameters=rope))
    d_wide = max_diff(run(ids, weights, wide)["hidden"], run(ids, weights, all_global)["hidden"])
    d_narrow = max_diff(run(ids, weights, narrow)["hidden"], run(ids, weights, all_global)["hidden"])
    check(d_wide == 0.0 and d_narrow > 1e-3, f"window >= L equals global (diff {d_wide:.1e}); window 8 < L differs ({d_narrow:.2f})")


def check_rope_relative():
    """RoPE scores depend only on the offset: <R_m q, R_n k> == <R_{m+s} q, R_{n+s} k>."""
    from modernbert_reference import rope_cos_sin

    rng = np.random.default_rng(1)
    q, k = (torch.tensor(rng.standard_normal(64)) for _ in range(2))
    cos, sin = rope_cos_sin(600, 64, 10000.0, torch.float64)
    rot = lambda x, p: apply_rope(x, cos[p], sin[p])  # noqa: E731
    d = max(abs(float(rot(q, m) @ rot(k, n) - rot(q, m + 77) @ rot(k, n + 77))) for m, n in [(0, 5), (100, 3), (511, 400)])
    check(d < 1e-10, f"RoPE is relative (shift by 77 changes scores by {d:.1e})")


# ---------------------------------------------------------------- configs and precision


def check_config_spellings():
    """The tiny config in the old spelling parses to the same Config; the base config reads as the spec says."""
    old = {k: v for k, v in goldens.TINY_CONFIG.items() if k not in ("layer_types", "rope_parameters", "norm_eps")}
    old.update(global_attn_every_n_layers=3, global_rope_theta=160000.0, local_rope_theta=10000.0, layer_norm_eps=1e-5)
    check(parse_config(old) == parse_config(goldens.TINY_CONFIG), "old and new config spellings agree (tiny)")
    base = load_config(goldens.BASE_CONFIG)
    ok = (
        base.num_layers == 22
        and base.layer_is_global == tuple(i % 3 == 0 for i in range(22))
        and (base.window_half, base.theta_global, base.theta_local, base.norm_eps, base.head_dim) == (64, 160000.0, 10000.0, 1e-5, 64)
    )
    check(ok, "base config: 22 layers, global at i%3==0, window half 64, thetas 160000/10000, eps 1e-5, head_dim 64")


def check_fp32(weights, cfg, sequences):
    """float32 and float64 runs of the same reference agree to ~1e-4 (sanity of the model's conditioning)."""
    worst_scores = worst_hidden = 0.0
    for ids in sequences:
        a, b = run(ids, weights, cfg), run(ids, weights, cfg, torch.float32)
        worst_scores = max(worst_scores, max_diff(a["final_scores"], b["final_scores"]))
        worst_hidden = max(worst_hidden, max_diff(a["hidden"], b["hidden"]))
    check(worst_scores < 1e-4 and worst_hidden < 1e-3, f"fp32 vs fp64 (tiny): final_scores {worst_scores:.1e}, hidden {worst_hidden:.1e}")


# ---------------------------------------------------------------- goldens


def check_golden(path, config, seed, fp32=False):
    """The committed golden is what the reference computes now (and, optionally, fp32 keeps the decisions)."""
    tensors, meta = load_file(path)
    cfg = parse_config(config)
    weights = kompress_v1_weights(config, seed)
    worst = 0.0
    for k in range(int(meta["num_sequences"])):
        ids = tensors[f"input_ids_{k}"]
        ref = run(ids, weights, cfg)
        worst = max(worst, *(max_diff(tensors[f"{key}_{k}"], ref[key]) for key in ref))
        if fp32:
            f32 = run(ids, weights, cfg, torch.float32)
            d = max_diff(f32["final_scores"], ref["final_scores"])
            margin = float(np.abs(ref["final_scores"] - 0.5).min())
            same = bool(np.all((f32["final_scores"] > 0.5) == (ref["final_scores"] > 0.5)))
            check(same and d < margin, f"{os.path.basename(path)} seq {k}: fp32 scores within {d:.1e} of fp64, margin {margin:.1e}, same keeps")
    check(meta.get("seed") == str(seed) and worst < 1e-6, f"{os.path.basename(path)} matches the reference (max diff {worst:.1e})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", action="store_true", help="also verify the ModernBERT-base golden (slow)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    tiny_weights = kompress_v1_weights(goldens.TINY_CONFIG, goldens.TINY_SEED)
    tiny_cfg = parse_config(goldens.TINY_CONFIG)
    tiny_seqs = goldens.tiny_sequences()
    check_weight_formula()
    check_safetensors()
    check_config_spellings()
    check_rope_relative()
    check_against_naive(tiny_weights, tiny_cfg, tiny_seqs)
    check_window_boundary(tiny_weights)
    check_window_vs_global(tiny_weights)
    check_fp32(tiny_weights, tiny_cfg, tiny_seqs)
    golden_dir = goldens.GOLDEN_DIR
    with open(os.path.join(golden_dir, "tiny_config.json")) as f:
        check(json.load(f) == goldens.TINY_CONFIG, "tiny_config.json is the generator's config")
    check_golden(os.path.join(golden_dir, "tiny_golden.safetensors"), goldens.TINY_CONFIG, goldens.TINY_SEED)
    if args.base:
        with open(goldens.BASE_CONFIG) as f:
            base_config = json.load(f)
        check_golden(os.path.join(golden_dir, "base_golden.safetensors"), base_config, goldens.BASE_SEED, fp32=True)
    print(f"{len(FAILURES)} failure(s) in {time.perf_counter() - t0:.1f} s")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
