"""Write the model golden files under tests/data/golden/ from the float64 reference.

tiny: a 3-layer ModernBERT config written here (new `layer_types` + `rope_parameters`
      spelling), seed 1234, three sequences of random ids.
base: the real ModernBERT-base config (read from ../shared at generation time, old
      spelling), seed 42, two sequences of real token ids: GPL-3 prose from Debian
      tokenized by the npm oracle @anush008/tokenizers (HF tokenizers bindings).

Each golden stores, per sequence k: input_ids_k (I32 [L]), hidden_k (F32 [L,H], after
final_norm), p_keep_k, span_k, final_scores_k (F32 [L]); ids are stored so the C++
tests need neither node nor the text. Run with /usr/bin/python3 (Debian's torch).
"""

import argparse
import json
import os
import subprocess
import time

import numpy as np
import torch

from modernbert_reference import kompress_forward, parse_config
from random_weights import kompress_v1_weights
from safetensors_io import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GOLDEN_DIR = os.path.join(REPO, "tests", "data", "golden")
GENERATOR = "tools/reference/make_model_goldens.py"

TINY_SEED = 1234
TINY_LENGTHS = (40, 7, 25)
TINY_CONFIG = {
    "architectures": ["ModernBertModel"],
    "model_type": "modernbert",
    "vocab_size": 1000,
    "hidden_size": 64,
    "intermediate_size": 96,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "hidden_activation": "gelu",
    "max_position_embeddings": 512,
    "local_attention": 16,
    "layer_types": ["full_attention", "sliding_attention", "sliding_attention"],
    "rope_parameters": {
        "full_attention": {"rope_type": "default", "rope_theta": 160000.0},
        "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
    },
    "norm_eps": 1e-05,
    "norm_bias": False,
    "attention_bias": False,
    "mlp_bias": False,
    "attention_dropout": 0.0,
    "embedding_dropout": 0.0,
    "mlp_dropout": 0.0,
    "initializer_range": 0.02,
    "initializer_cutoff_factor": 2.0,
    "pad_token_id": 0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "cls_token_id": 1,
    "sep_token_id": 2,
}

BASE_SEED = 42
BASE_CONFIG = os.path.join(REPO, "..", "shared", "models", "modernbert-base", "config.json")
BASE_TOKENIZER = os.path.join(REPO, "..", "shared", "models", "modernbert-base", "tokenizer.json")
BASE_CONFIG_REL = "../shared/models/modernbert-base/config.json"
BASE_TEXT = "/usr/share/common-licenses/GPL-3"
BASE_LONG_START = "  The GNU General Public License is a free"  # the Preamble body, raw (indents, newlines)
BASE_SHORT_START = "  Developers that use the GNU GPL"  # one paragraph, whitespace collapsed: 47 ids
CLS_ID, SEP_ID, MAX_LEN = 50281, 50282, 512

ORACLE_JS = """
const tk = require('@anush008/tokenizers');
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const { tokenizer, texts } = JSON.parse(input);
  const t = tk.Tokenizer.fromFile(tokenizer);
  const out = [];
  for (const s of texts) out.push(Array.from((await t.encode(s)).getIds()));
  process.stdout.write(JSON.stringify(out));
});
"""
NODE_MODULES = (os.path.join(HERE, "tokenizer", "node_modules"), "/tmp/oracle/node_modules")


# ---------------------------------------------------------------- inputs


def tiny_sequences():
    """Three id sequences: [CLS]=1, random ids in [3, vocab), [SEP]=2, from a fixed RNG."""
    rng = np.random.default_rng(TINY_SEED)
    return [
        np.concatenate([[1], rng.integers(3, TINY_CONFIG["vocab_size"], n - 2), [2]]).astype(np.int32)
        for n in TINY_LENGTHS
    ]


def oracle_ids(texts, node_modules):
    """Token ids of each text (with [CLS]/[SEP]) from the HF tokenizers npm bindings."""
    request = json.dumps({"tokenizer": os.path.abspath(BASE_TOKENIZER), "texts": texts})
    env = dict(os.environ, NODE_PATH=node_modules)
    done = subprocess.run(["node", "-e", ORACLE_JS], input=request, capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


def paragraph_at(text, start):
    """The paragraph of `text` beginning with `start`, whitespace collapsed to single spaces."""
    begin = text.index(start)
    end = text.index("\n\n", begin)
    return " ".join(text[begin:end].split())


def base_sequences(node_modules):
    """A 512-id sequence (real prose truncated, ending in [SEP]) and a 47-id one."""
    with open(BASE_TEXT, encoding="utf-8") as f:
        text = f.read()
    long_text = text[text.index(BASE_LONG_START) :]
    full, short = oracle_ids([long_text, paragraph_at(text, BASE_SHORT_START)], node_modules)
    for ids in (full, short):
        if ids[0] != CLS_ID or ids[-1] != SEP_ID:
            raise ValueError("oracle output does not start with [CLS] and end with [SEP]")
    if len(full) <= MAX_LEN:
        raise ValueError(f"long text gave only {len(full)} ids")
    long_ids = full[: MAX_LEN - 1] + [SEP_ID]
    return [np.array(long_ids, dtype=np.int32), np.array(short, dtype=np.int32)]


# ---------------------------------------------------------------- outputs


def run_case(name, config, seed, sequences, metadata, out_path):
    """Generate weights, run the float64 reference on each sequence, write the golden, print stats."""
    cfg = parse_config(config)
    t0 = time.perf_counter()
    weights = kompress_v1_weights(config, seed)
    t_weights = time.perf_counter() - t0
    tensors = {}
    print(f"[{name}] weights: {sum(w.size for w in weights.values())} params in {t_weights:.1f} s")
    for k, ids in enumerate(sequences):
        t0 = time.perf_counter()
        with torch.no_grad():
            out = kompress_forward(ids, weights, cfg, torch.float64)
        t_fwd = time.perf_counter() - t0
        tensors[f"input_ids_{k}"] = ids.astype(np.int32)
        for key in ("hidden", "p_keep", "span", "final_scores"):
            tensors[f"{key}_{k}"] = out[key].numpy().astype(np.float32)
        print_stats(f"[{name}] seq {k} (L={len(ids)}, {t_fwd:.1f} s)", out)
    metadata = dict(metadata, num_sequences=str(len(sequences)))
    save_file(out_path, tensors, metadata)
    print(f"[{name}] wrote {os.path.relpath(out_path, REPO)} ({os.path.getsize(out_path)} bytes)")


def print_stats(label, out):
    """Score spread and the keep-decision margin: how far the closest score sits from 0.5."""
    fs = out["final_scores"].numpy()
    margin = np.abs(fs - 0.5)
    i = int(margin.argmin())
    print(
        f"{label}: final_scores min {fs.min():.4f} max {fs.max():.4f} max|.| {np.abs(fs).max():.4f}; "
        f"kept (>0.5) {np.mean(fs > 0.5):.3f}; margin min|fs-0.5| {margin.min():.3e} at {i}; "
        f"p_keep>0.5 {np.mean(out['p_keep'].numpy() > 0.5):.3f}; "
        f"span [{out['span'].min():.3f}, {out['span'].max():.3f}]"
    )


def make_tiny(out_dir):
    config_path = os.path.join(out_dir, "tiny_config.json")
    with open(config_path, "w") as f:
        json.dump(TINY_CONFIG, f, indent=2)
        f.write("\n")
    metadata = {"seed": str(TINY_SEED), "config": "tiny_config.json", "generator": GENERATOR}
    run_case("tiny", TINY_CONFIG, TINY_SEED, tiny_sequences(), metadata, os.path.join(out_dir, "tiny_golden.safetensors"))


def make_base(out_dir, node_modules):
    with open(BASE_CONFIG) as f:
        config = json.load(f)
    metadata = {
        "seed": str(BASE_SEED),
        "config": BASE_CONFIG_REL,
        "generator": GENERATOR,
        "text": f"{BASE_TEXT} (Debian base-files): Preamble body truncated to 512 ids; paragraph "
        f"'{BASE_SHORT_START.strip()}...' whitespace-collapsed",
        "tokenizer": "../shared/models/modernbert-base/tokenizer.json via npm @anush008/tokenizers",
    }
    sequences = base_sequences(node_modules)
    run_case("base", config, BASE_SEED, sequences, metadata, os.path.join(out_dir, "base_golden.safetensors"))


def default_node_modules():
    return next((p for p in NODE_MODULES if os.path.isdir(os.path.join(p, "@anush008", "tokenizers"))), NODE_MODULES[0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=("tiny", "base"), help="generate one golden only")
    ap.add_argument("--out-dir", default=GOLDEN_DIR)
    ap.add_argument("--node-modules", default=default_node_modules(), help="folder holding @anush008/tokenizers")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.only in (None, "tiny"):
        make_tiny(args.out_dir)
    if args.only in (None, "base"):
        make_base(args.out_dir, args.node_modules)


if __name__ == "__main__":
    main()
