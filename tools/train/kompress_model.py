"""The Kompress model as a batched, trainable torch.nn.Module (spec KOMPRESS.md section 1).

Parameter names are exactly the Kompress v1 checkpoint keys (`encoder.*`, `token_head.*`,
`span_conv.*`), so `state_dict()` is the checkpoint. Config parsing, the RoPE tables and
rotation, and the tensor list come from tools/reference/modernbert_reference.py (the one
definition of the architecture); this module only batches it: padded keys are masked,
and hidden states of padding rows are zeroed before each span convolution so that a padded
sequence scores exactly like the same sequence alone (zero padding at its edges).
tools/train/check_model.py checks it against the float64 reference.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
from modernbert_reference import apply_rope, parse_config, rope_cos_sin  # noqa: E402
from random_weights import kompress_v1_shapes  # noqa: E402

SPAN_CHANNELS = 256


def modernbert_config(vocab_size, hidden, layers, heads, intermediate, max_tokens=512,
                      special_ids=None):
    """A config.json dict in the ModernBERT spelling that the engine and the reference read."""
    ids = special_ids or {}
    return {
        "architectures": ["ModernBertModel"], "model_type": "modernbert",
        "vocab_size": vocab_size, "hidden_size": hidden, "intermediate_size": intermediate,
        "num_hidden_layers": layers, "num_attention_heads": heads,
        "hidden_activation": "gelu", "max_position_embeddings": max_tokens,
        "local_attention": 128, "global_attn_every_n_layers": 3,
        "global_rope_theta": 160000.0, "local_rope_theta": 10000.0,
        "norm_eps": 1e-05, "norm_bias": False, "attention_bias": False, "mlp_bias": False,
        "attention_dropout": 0.0, "embedding_dropout": 0.0, "mlp_dropout": 0.0,
        "initializer_range": 0.02,
        "pad_token_id": ids.get("[PAD]", 0), "cls_token_id": ids.get("[CLS]", 1),
        "sep_token_id": ids.get("[SEP]", 2), "bos_token_id": ids.get("[CLS]", 1),
        "eos_token_id": ids.get("[SEP]", 2),
    }


class Norm(nn.Module):
    """LayerNorm with a weight and no bias (torch 1.13's nn.LayerNorm cannot drop the bias)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.weight, None, self.eps)


class Embeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.norm = Norm(cfg.hidden_size, cfg.norm_eps)

    def forward(self, ids):
        return self.norm(self.tok_embeddings(ids))


class Attention(nn.Module):
    def __init__(self, cfg, is_global):
        super().__init__()
        self.cfg, self.is_global = cfg, is_global
        self.Wqkv = nn.Linear(cfg.hidden_size, 3 * cfg.hidden_size, bias=False)
        self.Wo = nn.Linear(cfg.hidden_size, cfg.hidden_size, bias=False)

    def forward(self, x, key_mask, rope):
        b, length, hid = x.shape
        nh, hd = self.cfg.num_heads, self.cfg.head_dim
        q, k, v = (t.reshape(b, length, nh, hd).transpose(1, 2) for t in self.Wqkv(x).split(hid, dim=-1))
        cos, sin = rope
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))  # [b, nh, L, L]
        allowed = key_mask[:, None, None, :]
        if not self.is_global:
            pos = torch.arange(length, device=x.device)
            allowed = allowed & ((pos[:, None] - pos[None, :]).abs() <= self.cfg.window_half)
        # finfo.min, not -inf: a padding query may see no real key and must not become NaN.
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        out = torch.softmax(scores, dim=-1) @ v
        return self.Wo(out.transpose(1, 2).reshape(b, length, hid))


class Mlp(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.Wi = nn.Linear(cfg.hidden_size, 2 * cfg.intermediate_size, bias=False)
        self.Wo = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        inp, gate = self.Wi(x).chunk(2, dim=-1)
        return self.Wo(F.gelu(inp) * gate)  # exact erf GELU (torch's default)


class Layer(nn.Module):
    def __init__(self, cfg, index):
        super().__init__()
        # Layer 0 has no attn_norm: the embeddings norm already normalized its input.
        self.attn_norm = Norm(cfg.hidden_size, cfg.norm_eps) if index else nn.Identity()
        self.attn = Attention(cfg, cfg.layer_is_global[index])
        self.mlp_norm = Norm(cfg.hidden_size, cfg.norm_eps)
        self.mlp = Mlp(cfg)

    def forward(self, h, key_mask, rope):
        h = h + self.attn(self.attn_norm(h), key_mask, rope)
        return h + self.mlp(self.mlp_norm(h))


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = Embeddings(cfg)
        self.layers = nn.ModuleList(Layer(cfg, i) for i in range(cfg.num_layers))
        self.final_norm = Norm(cfg.hidden_size, cfg.norm_eps)
        self._rope = {}

    def rope(self, length, is_global, device, dtype):
        theta = self.cfg.theta_global if is_global else self.cfg.theta_local
        key = (length, theta, device, dtype)
        if key not in self._rope:
            cos, sin = rope_cos_sin(length, self.cfg.head_dim, theta, dtype)
            self._rope[key] = (cos.to(device), sin.to(device))
        return self._rope[key]

    def forward(self, ids, key_mask):
        h = self.embeddings(ids)
        for layer in self.layers:
            rope = self.rope(ids.shape[1], layer.attn.is_global, h.device, h.dtype)
            h = layer(h, key_mask, rope)
        return self.final_norm(h)


class KompressModel(nn.Module):
    """forward(ids [B,L], mask [B,L] bool) -> (token logits [B,L,2], span logits [B,L])."""

    def __init__(self, config_dict):
        super().__init__()
        self.config_dict = dict(config_dict)
        self.cfg = cfg = parse_config(config_dict)
        self.encoder = Encoder(cfg)
        self.token_head = nn.Linear(cfg.hidden_size, 2)
        self.span_conv = nn.Sequential(nn.Conv1d(cfg.hidden_size, SPAN_CHANNELS, 5, padding=2), nn.GELU(),
                                       nn.Conv1d(SPAN_CHANNELS, 1, 3, padding=1))
        self.reset_parameters()

    def reset_parameters(self):
        """ModernBERT-style init: normal(0, 0.02) cut at 2 sigma for matrices, ones for norms."""
        for name, p in self.named_parameters():
            if name.endswith("norm.weight"):
                nn.init.ones_(p)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            else:
                nn.init.trunc_normal_(p, std=0.02, a=-0.04, b=0.04)

    def forward(self, ids, mask):
        h = self.encoder(ids, mask)
        logits = self.token_head(h)
        keep = mask[:, None, :].to(h.dtype)
        x = self.span_conv[0](h.transpose(1, 2) * keep)
        x = self.span_conv[2](self.span_conv[1](x) * keep)
        return logits, x[:, 0, :]

    @staticmethod
    def span_factor(span_logits):
        """0.5 + 0.5 * span: how the span head scales p_keep."""
        return 0.5 + 0.5 * torch.sigmoid(span_logits)

    @staticmethod
    def final_scores(logits, span_logits):
        """final_scores = p_keep * (0.5 + 0.5 * span), as the engine computes it."""
        return torch.softmax(logits, dim=-1)[..., 1] * KompressModel.span_factor(span_logits)

    def check_layout(self):
        """The state dict must be exactly the Kompress v1 tensor list the engine loads."""
        expected = dict(kompress_v1_shapes(self.config_dict))
        got = {k: tuple(v.shape) for k, v in self.state_dict().items()}
        if got != expected:
            raise AssertionError(f"layout mismatch: {sorted(set(got) ^ set(expected))}")

    def load_v1(self, tensors):
        """Load name -> array (numpy or torch) in the Kompress v1 layout; any dtype."""
        expected = dict(kompress_v1_shapes(self.config_dict))
        missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
        if missing or extra:
            raise ValueError(f"not a Kompress v1 checkpoint for this config: missing {missing[:5]}, "
                             f"unexpected {extra[:5]}")
        state = {}
        for k, shape in expected.items():
            t = torch.as_tensor(tensors[k]).float()
            if tuple(t.shape) != shape:
                raise ValueError(f"{k}: shape {tuple(t.shape)}, expected {shape}")
            state[k] = t
        self.load_state_dict(state)
