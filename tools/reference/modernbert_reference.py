"""ModernBERT encoder + Kompress heads in plain PyTorch: the model definition in code.

Written from /work/shared/spec/KOMPRESS.md §1 (and checked against Hugging Face
transformers' modeling_modernbert.py), not from any optimized implementation, so it
can judge the C++ engine. It runs one sequence at a time (no padding, positions
0..L-1) and computes in float64 by default so that golden files carry as little
rounding error as possible; pass dtype=torch.float32 to see how far fp32 drifts.

Weights are a dict name -> array (numpy or torch, any float dtype) in the Kompress
v1 checkpoint layout (`encoder.<ModernBertModel key>`, `token_head.*`, `span_conv.*`).
Each tensor is converted to the compute dtype where it is used, so float32 weights
of the full model need not be copied to float64 up front.
"""

import json
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from random_weights import kompress_v1_shapes


@dataclass(frozen=True)
class Config:
    """The architecture numbers the forward pass needs, whatever spelling the config used."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    norm_eps: float
    window_half: int  # local layers: query i sees key j iff |i - j| <= window_half
    layer_is_global: tuple  # per layer: True = full attention
    theta_global: float
    theta_local: float

    @property
    def head_dim(self):
        return self.hidden_size // self.num_heads

    def as_shape_dict(self):
        """The keys random_weights.kompress_v1_shapes reads."""
        return {
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_layers,
        }


def parse_layer_types(d):
    """Per-layer global flags from `layer_types` (new spelling) or `global_attn_every_n_layers` (old).

    HF computes the old rule as `i % global_attn_every_n_layers == 0` (default 3).
    """
    n = d["num_hidden_layers"]
    if d.get("layer_types") is not None:
        types = d["layer_types"]
        if len(types) != n or not set(types) <= {"full_attention", "sliding_attention"}:
            raise ValueError(f"bad layer_types {types!r} for {n} layers")
        return tuple(t == "full_attention" for t in types)
    every = d.get("global_attn_every_n_layers", 3)
    return tuple(i % every == 0 for i in range(n))


def parse_rope_thetas(d):
    """(global, local) RoPE bases from `rope_parameters` (new) or `*_rope_theta` (old); HF defaults."""
    theta_global = d.get("global_rope_theta", 160000.0)
    theta_local = d.get("local_rope_theta", 10000.0)
    params = d.get("rope_parameters")
    if params is not None:
        for kind in ("full_attention", "sliding_attention"):
            rope_type = params.get(kind, {}).get("rope_type", "default")
            if rope_type != "default":
                raise NotImplementedError(f"rope_type {rope_type!r} for {kind}")
        theta_global = params.get("full_attention", {}).get("rope_theta", theta_global)
        theta_local = params.get("sliding_attention", {}).get("rope_theta", theta_local)
    return float(theta_global), float(theta_local)


def parse_config(d):
    """A Config from a ModernBERT config dict; refuses features Kompress does not use.

    `norm_eps` wins over `layer_norm_eps` when both are present, as in HF (which only
    reads norm_eps); the real ModernBERT-base config carries both, equal.
    """
    for flag in ("attention_bias", "mlp_bias", "norm_bias"):
        if d.get(flag, False):
            raise NotImplementedError(f"{flag}=true is not part of the Kompress model")
    if d.get("hidden_activation", "gelu") != "gelu":
        raise NotImplementedError(f"hidden_activation {d['hidden_activation']!r}")
    if d["hidden_size"] % d["num_attention_heads"]:
        raise ValueError("hidden_size must be a multiple of num_attention_heads")
    eps = d.get("norm_eps", d.get("layer_norm_eps", 1e-5))
    theta_global, theta_local = parse_rope_thetas(d)
    return Config(
        vocab_size=d["vocab_size"],
        hidden_size=d["hidden_size"],
        intermediate_size=d["intermediate_size"],
        num_layers=d["num_hidden_layers"],
        num_heads=d["num_attention_heads"],
        norm_eps=float(eps),
        window_half=d.get("local_attention", 128) // 2,
        layer_is_global=parse_layer_types(d),
        theta_global=theta_global,
        theta_local=theta_local,
    )


def load_config(path):
    with open(path) as f:
        return parse_config(json.load(f))


def check_weights(weights, cfg):
    """Fail loudly on a missing, extra or mis-shaped tensor instead of computing garbage."""
    expected = dict(kompress_v1_shapes(cfg.as_shape_dict()))
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        raise KeyError(f"weights do not match the Kompress v1 layout: missing {missing}, extra {extra}")
    for name, shape in expected.items():
        if tuple(weights[name].shape) != shape:
            raise ValueError(f"{name}: shape {tuple(weights[name].shape)}, expected {shape}")


def param(weights, name, dtype):
    return torch.as_tensor(weights[name]).to(dtype)


# ---------------------------------------------------------------- building blocks


def layer_norm(x, weight, eps):
    """LayerNorm without bias: population variance over the last axis, eps inside the sqrt."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * weight


def gelu(x):
    """Exact GELU, x * Phi(x) with the erf form (not the tanh approximation)."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def rope_cos_sin(length, head_dim, theta, dtype):
    """cos/sin tables [L, head_dim/2] for positions 0..L-1, inv_freq[j] = theta^(-2j/head_dim).

    Computed in float64 whatever the compute dtype, then rounded.
    """
    j = torch.arange(head_dim // 2, dtype=torch.float64)
    inv_freq = theta ** (-2.0 * j / head_dim)
    angles = torch.arange(length, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).to(dtype), torch.sin(angles).to(dtype)


def apply_rope(x, cos, sin):
    """GPT-NeoX "rotate half" RoPE on x [..., L, head_dim]: pairs (j, j + head_dim/2) rotate by angle_j."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def local_window_mask(length, window_half):
    """Bool [L, L]: True where query i may see key j on a local layer, i.e. |i - j| <= window_half."""
    pos = torch.arange(length)
    return (pos[:, None] - pos[None, :]).abs() <= window_half


def attention(x, wqkv, wo, cfg, is_global):
    """Multi-head self-attention of one sequence x [L, H] with fused Wqkv [3H, H].

    Wqkv output columns: [0, H) = Q, [H, 2H) = K, [2H, 3H) = V; head h is columns
    h*head_dim .. (h+1)*head_dim - 1 inside each.
    """
    length, hid = x.shape
    nh, hd = cfg.num_heads, cfg.head_dim
    q, k, v = (x @ wqkv.T).split(hid, dim=-1)
    q, k, v = (t.reshape(length, nh, hd).transpose(0, 1) for t in (q, k, v))  # [nh, L, hd]
    theta = cfg.theta_global if is_global else cfg.theta_local
    cos, sin = rope_cos_sin(length, hd, theta, x.dtype)
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))  # [nh, L, L]
    if not is_global:
        scores = scores.masked_fill(~local_window_mask(length, cfg.window_half), float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = (probs @ v).transpose(0, 1).reshape(length, hid)
    return out @ wo.T


def mlp(x, wi, wo):
    """GeGLU MLP: Wi's first half of outputs is the input, the second half the gate."""
    inp, gate = (x @ wi.T).chunk(2, dim=-1)
    return (gelu(inp) * gate) @ wo.T


# ---------------------------------------------------------------- the model


def encoder(input_ids, weights, cfg, dtype=torch.float64):
    """ModernBERT final hidden states [L, H] (after final_norm) for one sequence of ids."""
    ids = torch.as_tensor(input_ids, dtype=torch.long)
    w = lambda name: param(weights, name, dtype)  # noqa: E731
    eps = cfg.norm_eps
    table = torch.as_tensor(weights["encoder.embeddings.tok_embeddings.weight"])
    h = layer_norm(table[ids].to(dtype), w("encoder.embeddings.norm.weight"), eps)
    for i in range(cfg.num_layers):
        p = f"encoder.layers.{i}."
        # Layer 0 has no attn_norm: the embeddings norm already normalized its input.
        normed = h if i == 0 else layer_norm(h, w(p + "attn_norm.weight"), eps)
        h = h + attention(normed, w(p + "attn.Wqkv.weight"), w(p + "attn.Wo.weight"), cfg, cfg.layer_is_global[i])
        h = h + mlp(layer_norm(h, w(p + "mlp_norm.weight"), eps), w(p + "mlp.Wi.weight"), w(p + "mlp.Wo.weight"))
    return layer_norm(h, w("encoder.final_norm.weight"), eps)


def token_head(hidden, weights):
    """p_keep [L]: softmax over the two logits of Linear(H, 2), probability of class 1 (keep)."""
    dtype = hidden.dtype
    logits = hidden @ param(weights, "token_head.weight", dtype).T + param(weights, "token_head.bias", dtype)
    return torch.softmax(logits, dim=-1)[:, 1]


def span_head(hidden, weights):
    """span [L]: Conv1d(H,256,5,pad 2) -> GELU -> Conv1d(256,1,3,pad 1) -> sigmoid along the sequence.

    Zero padding at both sequence edges; [CLS]/[SEP] rows take part like any token.
    """
    dtype = hidden.dtype
    w = lambda name: param(weights, name, dtype)  # noqa: E731
    x = hidden.T.unsqueeze(0)  # [1, H, L]
    x = F.conv1d(x, w("span_conv.0.weight"), w("span_conv.0.bias"), padding=2)
    x = F.conv1d(gelu(x), w("span_conv.2.weight"), w("span_conv.2.bias"), padding=1)
    return torch.sigmoid(x)[0, 0]


def kompress_forward(input_ids, weights, cfg, dtype=torch.float64):
    """All outputs for one sequence: hidden [L,H], p_keep, span, final_scores [L].

    final_scores = p_keep * (0.5 + 0.5 * span); production keeps a token when it is > 0.5.
    """
    check_weights(weights, cfg)
    hidden = encoder(input_ids, weights, cfg, dtype)
    p_keep = token_head(hidden, weights)
    span = span_head(hidden, weights)
    return {"hidden": hidden, "p_keep": p_keep, "span": span, "final_scores": p_keep * (0.5 + 0.5 * span)}
