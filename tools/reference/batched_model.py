"""The reference Kompress model as a batched float32 torch.nn.Module: what the ONNX export and
the PyTorch benchmark row run.

modernbert_reference.py judges the engine one sequence at a time in float64. This module
computes the same function on right-padded batches (`input_ids`, `attention_mask`, int64
[batch, seq]) and returns `final_scores` [batch, seq], the one output of the reference's ONNX
export (spec §1). It is written with operators that export one to one at opset 17: MatMul
with weight initializers (what dynamic int8 quantization rewrites), LayerNormalization with an
explicit zero bias (a weight-only LayerNorm crashes ONNX Runtime's SkipLayerNorm fusion above
the basic level), erf GELU, Conv. check_onnx_export.py checks it against the float64
reference, padding included.

Padding: padded keys are masked with a large finite negative bias (never -inf, so a padded
query whose local window holds only padding gets a uniform row instead of NaN, which would
leak into valid rows through probs @ V), and padded positions are zeroed before each span
convolution so a short sequence sees the zero padding it would see alone.
"""

import json
import math
import os
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from modernbert_reference import check_weights, parse_config
from safetensors_io import load_file

MASKED = -1e30  # added to the scores of keys a query may not see


def rope_tables(positions, head_dim, theta):
    """cos, sin [positions, head_dim] for rotate-half RoPE (both halves repeat), from float64 angles."""
    j = torch.arange(head_dim // 2, dtype=torch.float64)
    inv_freq = theta ** (-2.0 * j / head_dim)
    angles = torch.arange(positions, dtype=torch.float64)[:, None] * inv_freq[None, :]
    angles = torch.cat([angles, angles], dim=-1)
    return torch.cos(angles).float(), torch.sin(angles).float()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class KompressBatched(torch.nn.Module):
    """ModernBERT encoder + Kompress heads over padded batches; weights in the Kompress v1 layout."""

    def __init__(self, weights, config_dict):
        super().__init__()
        cfg = parse_config(config_dict)
        check_weights(weights, cfg)
        self.cfg = cfg
        self.pad_id = config_dict.get("pad_token_id", 0)
        # Parameters keep the checkpoint's names (dots become underscores) and its [out, in]
        # layout; torch.from_numpy shares memory with mmap'd arrays, so loading copies nothing.
        self.names = {}
        for name, array in weights.items():
            key = name.replace(".", "_")
            self.names[name] = key
            tensor = torch.from_numpy(np.asarray(array, dtype=np.float32))
            self.register_parameter(key, torch.nn.Parameter(tensor, requires_grad=False))
        self.register_buffer("zero_bias", torch.zeros(cfg.hidden_size))
        positions = config_dict.get("max_position_embeddings", 8192)
        for kind, theta in (("global", cfg.theta_global), ("local", cfg.theta_local)):
            cos, sin = rope_tables(positions, cfg.head_dim, theta)
            self.register_buffer(f"cos_{kind}", cos)
            self.register_buffer(f"sin_{kind}", sin)

    def w(self, name):
        return getattr(self, self.names[name])

    def norm(self, x, name):
        return F.layer_norm(x, (self.cfg.hidden_size,), self.w(name), self.zero_bias, self.cfg.norm_eps)

    def attention_biases(self, attention_mask, length):
        """Additive score biases [batch, 1, L, L] for global and local layers."""
        key_ok = attention_mask[:, None, None, :] > 0
        pos = torch.arange(length, device=attention_mask.device)
        in_window = (pos[:, None] - pos[None, :]).abs() <= self.cfg.window_half
        zero = torch.zeros((), dtype=torch.float32)
        masked = torch.full((), MASKED, dtype=torch.float32)
        return torch.where(key_ok, zero, masked), torch.where(key_ok & in_window, zero, masked)

    def attention(self, x, prefix, is_global, bias, length):
        batch = x.shape[0]
        nh, hd = self.cfg.num_heads, self.cfg.head_dim
        qkv = F.linear(x, self.w(prefix + "attn.Wqkv.weight"))
        q, k, v = qkv.view(batch, length, 3, nh, hd).permute(2, 0, 3, 1, 4)  # [B, nh, L, hd] each
        kind = "global" if is_global else "local"
        cos, sin = getattr(self, "cos_" + kind)[:length], getattr(self, "sin_" + kind)[:length]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = torch.matmul(q * (1.0 / math.sqrt(hd)), k.transpose(-1, -2)) + bias
        context = torch.matmul(torch.softmax(scores, dim=-1), v)
        context = context.transpose(1, 2).reshape(batch, length, nh * hd)
        return F.linear(context, self.w(prefix + "attn.Wo.weight"))

    def mlp(self, x, prefix):
        inp, gate = F.linear(x, self.w(prefix + "mlp.Wi.weight")).chunk(2, dim=-1)
        return F.linear(F.gelu(inp) * gate, self.w(prefix + "mlp.Wo.weight"))

    def forward(self, input_ids, attention_mask):
        length = input_ids.shape[1]
        global_bias, local_bias = self.attention_biases(attention_mask, length)
        h = F.embedding(input_ids, self.w("encoder.embeddings.tok_embeddings.weight"))
        h = self.norm(h, "encoder.embeddings.norm.weight")
        for i in range(self.cfg.num_layers):
            p = f"encoder.layers.{i}."
            is_global = self.cfg.layer_is_global[i]
            normed = h if i == 0 else self.norm(h, p + "attn_norm.weight")
            h = h + self.attention(normed, p, is_global, global_bias if is_global else local_bias, length)
            h = h + self.mlp(self.norm(h, p + "mlp_norm.weight"), p)
        h = self.norm(h, "encoder.final_norm.weight")
        logits = F.linear(h, self.w("token_head.weight"), self.w("token_head.bias"))
        p_keep = torch.softmax(logits, dim=-1)[..., 1]
        valid = attention_mask[:, None, :].to(h.dtype)  # [B, 1, L]
        x = h.transpose(1, 2) * valid  # [B, H, L]
        x = F.conv1d(x, self.w("span_conv.0.weight"), self.w("span_conv.0.bias"), padding=2)
        x = F.gelu(x) * valid  # the second conv must see zeros past the end too, not gelu(bias)
        x = F.conv1d(x, self.w("span_conv.2.weight"), self.w("span_conv.2.bias"), padding=1)
        span = torch.sigmoid(x)[:, 0, :]
        return p_keep * (0.5 + 0.5 * span)


def load_model(model_dir):
    """KompressBatched from a Kompress folder (config.json + fp32 model.safetensors), weights mmap'd."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    weights, _ = load_file(os.path.join(model_dir, "model.safetensors"), mmap=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # read-only mapped weights: the module never writes them
        return KompressBatched(weights, config).eval()


def pad_batch(sequences, pad_id):
    """(input_ids, attention_mask) int64 [batch, longest] from id lists, right-padded."""
    longest = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), longest), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), longest), dtype=torch.long)
    for row, s in enumerate(sequences):
        ids[row, : len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[row, : len(s)] = 1
    return ids, mask
