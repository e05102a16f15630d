"""Deterministic pseudo-random Kompress weights, bit-exact with the C++ generator.

Real Kompress checkpoints are hundreds of MB and cannot be committed, so tests
run the engine on weights that both sides derive from a seed. The formula below
is the contract: the C++ side implements the same integer arithmetic, so every
float32 value must match bit for bit.

For tensor `name` with `numel` elements (row-major, k = 0 .. numel-1):

    base = fnv1a64(utf8(name)) ^ mix64(seed)
    r_k  = mix64(base + (k + 1) * 0x9E3779B97F4A7C15)          (mod 2^64)
    u_k  = (r_k >> 40) / 2^24                                  (float64, exact)
    v_k  = 2 * u_k - 1                                         (float64, exact)
    w_k  = float32(center + scale * v_k)                       (float64, then round)

`center` and `scale` depend on the tensor (see `init_params`).
"""

import argparse
import math
import time

import numpy as np

GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1

# Elements generated per numpy pass: bounds peak memory for the 38M-element
# embedding matrix without slowing the generator down.
CHUNK = 1 << 22

TOK_EMBEDDINGS = ("encoder.embeddings.tok_embeddings.weight", "embeddings.tok_embeddings.weight")


def mix64(z):
    """SplitMix64 finalizer on numpy uint64 (scalar or array), wrapping mod 2^64."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def fnv1a64(name):
    """FNV-1a 64-bit hash of the UTF-8 bytes of a tensor name (plain ints, so no overflow games)."""
    h = FNV_OFFSET
    for b in name.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return np.uint64(h)


def fan_in(shape):
    """Elements per output row: in_features for a matrix, in_channels * kernel for a conv."""
    return math.prod(shape) // shape[0] if len(shape) > 1 else 1


def init_params(name, shape):
    """(center, scale) for a tensor: norms near 1, small biases, unit-variance-ish activations elsewhere.

    The matrix scale sqrt(3 / fan_in) gives uniform weights of variance 1/fan_in, so
    activations keep their magnitude through the layers; the token head is doubled
    (sqrt(6 / fan_in)) so that p_keep spreads over both sides of 0.5.
    """
    if name.endswith("norm.weight"):
        return 1.0, 0.2
    if name.endswith(".bias"):
        return 0.0, 0.1
    if name in TOK_EMBEDDINGS:
        return 0.0, 1.0
    if name == "token_head.weight":
        return 0.0, math.sqrt(6.0 / fan_in(shape))
    return 0.0, math.sqrt(3.0 / fan_in(shape))


def uniform_pm1(name, seed, start, stop):
    """v_k = 2 * u_k - 1 in float64 for elements k in [start, stop) of tensor `name`."""
    base = fnv1a64(name) ^ mix64(np.uint64(seed))
    k1 = np.arange(start + 1, stop + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        r = mix64(base + k1 * GOLDEN_GAMMA)
    u = (r >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return 2.0 * u - 1.0


def generate_tensor(name, shape, seed):
    """The float32 tensor `name` of `shape` for `seed`, exactly as the C++ generator makes it."""
    center, scale = init_params(name, shape)
    numel = math.prod(shape)
    out = np.empty(numel, dtype=np.float32)
    for start in range(0, numel, CHUNK):
        stop = min(start + CHUNK, numel)
        v = uniform_pm1(name, seed, start, stop)
        out[start:stop] = (center + scale * v).astype(np.float32)
    return out.reshape(shape)


def kompress_v1_shapes(config):
    """Ordered (name, shape) of the Kompress v1 checkpoint for a ModernBERT config dict.

    Layer 0 has no attn_norm (ModernBERT uses an identity there); the encoder has no biases.
    """
    hid = config["hidden_size"]
    inter = config["intermediate_size"]
    shapes = [
        ("encoder.embeddings.tok_embeddings.weight", (config["vocab_size"], hid)),
        ("encoder.embeddings.norm.weight", (hid,)),
    ]
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layers.{i}."
        if i != 0:
            shapes.append((p + "attn_norm.weight", (hid,)))
        shapes += [
            (p + "attn.Wqkv.weight", (3 * hid, hid)),
            (p + "attn.Wo.weight", (hid, hid)),
            (p + "mlp_norm.weight", (hid,)),
            (p + "mlp.Wi.weight", (2 * inter, hid)),
            (p + "mlp.Wo.weight", (hid, inter)),
        ]
    shapes += [
        ("encoder.final_norm.weight", (hid,)),
        ("token_head.weight", (2, hid)),
        ("token_head.bias", (2,)),
        ("span_conv.0.weight", (256, hid, 5)),
        ("span_conv.0.bias", (256,)),
        ("span_conv.2.weight", (1, 256, 3)),
        ("span_conv.2.bias", (1,)),
    ]
    return shapes


def kompress_v1_weights(config, seed):
    """All Kompress v1 tensors (name -> float32 array) for a config dict and seed."""
    return {name: generate_tensor(name, shape, seed) for name, shape in kompress_v1_shapes(config)}


def main():
    """Time the generator on a config and print a few values (handy for C++ test vectors)."""
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("config", help="ModernBERT config.json")
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    with open(args.config) as f:
        config = json.load(f)
    t0 = time.perf_counter()
    weights = kompress_v1_weights(config, args.seed)
    dt = time.perf_counter() - t0
    n = sum(w.size for w in weights.values())
    print(f"{len(weights)} tensors, {n} params in {dt:.1f} s")
    for name in ("encoder.embeddings.tok_embeddings.weight", "encoder.embeddings.norm.weight", "token_head.bias"):
        print(name, [f"{x:.9g}" for x in weights[name].reshape(-1)[:4]])


if __name__ == "__main__":
    main()
