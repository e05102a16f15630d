#!/usr/bin/python3
"""Train or fine-tune a Kompress model (ModernBERT encoder + token head + span head).

From scratch (the kompress-mini recipe, see docs/training.md):
  /usr/bin/python3 tools/train/train.py --train WORK/labels/train.jsonl --valid WORK/labels/valid.jsonl \\
      --tokenizer models/kompress-mini/tokenizer.json --hidden 256 --layers 4 --heads 4 \\
      --intermediate 384 --minutes 40 --out WORK/run
Fine-tune any Kompress v1 folder (config.json + model.safetensors [+ tokenizer.json]):
  ... train.py --init models/kompress-mini --train my_labels.jsonl --steps 500 --out my_run
Resume an interrupted run (same data and flags):  ... train.py --resume my_run/last.pt ...
Export the result: tools/train/export.py my_run/last.pt OUT_DIR.

Loss = cross-entropy against the words' keep probabilities (`score`, else the 0/1 `keep`
labels) of the token head's p_keep (--fit token) or of the production score
p_keep * (0.5 + 0.5 * span) (--fit final) + --span-weight x binary cross-entropy of the
span head, over the tokens of words ([CLS]/[SEP] and padding excluded). Runs on CPU (Debian
torch 1.13) or CUDA (torch 2.x), same script.
"""
import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

# One BLAS thread per process: on a shared CPU, oversubscribed OpenBLAS/OpenMP threads
# spin and run several times slower than a single thread (measured: 1070 vs 338 tokens/s).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kompress_model import KompressModel, modernbert_config  # noqa: E402
from labeled_data import IGNORE, LabelError, load_windows  # noqa: E402
from safetensors_io import load_file  # noqa: E402  (tools/reference, on the path via kompress_model)

ROOT = Path(__file__).resolve().parents[2]
MIN_TRAIN_WINDOWS = 8
MIN_TRAIN_WORDS = 2000


def default_kompress():
    found = sorted(ROOT.glob("build*/bin/kompress"))
    return str(found[0]) if found else ""


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--train", required=True, help="labelled JSON lines (see labeled_data.py)")
    ap.add_argument("--valid", help="labelled JSON lines for validation (default: 2%% of --train)")
    ap.add_argument("--out", required=True, help="run directory: last.pt, log.jsonl")
    ap.add_argument("--init", help="Kompress v1 folder to fine-tune (config.json, model.safetensors)")
    ap.add_argument("--resume", help="checkpoint (last.pt) to continue from")
    ap.add_argument("--tokenizer", help="tokenizer.json (default: the --init folder's)")
    ap.add_argument("--kompress", default=default_kompress(), help="the kompress binary (tokenizes words)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--intermediate", type=int, default=384)
    ap.add_argument("--max-tokens", type=int, default=256, help="training window, specials included")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--span-weight", type=float, default=0.5)
    ap.add_argument("--fit", choices=("token", "final"), default="token",
                    help="what the keep probabilities are fitted to: the token head's p_keep, or the final "
                         "score (p_keep times the span factor), whose order the ratio path uses")
    ap.add_argument("--steps", type=int, help="optimizer steps (default: what fits in --minutes)")
    ap.add_argument("--minutes", type=float, default=30.0, help="time budget when --steps is not given")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--valid-windows", type=int, default=200, help="validation windows scored each time")
    ap.add_argument("--limit", type=int, help="read at most this many training records")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--kind-power", type=float, default=0.3,
                    help="sample a record kind with probability ~ (its windows)^power (1: as in the data)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def fail(msg):
    print(f"train.py: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------- data


def batches(data, batch, rng, kind_power):
    """Endless random batches of window indices; kinds weighted by (their windows)^kind_power,
    so that small kinds (logs, JSON, listings) are not drowned by prose and code."""
    kinds = np.array(data["kind"])
    names, counts = np.unique(kinds, return_counts=True)
    share = counts.astype(np.float64) ** kind_power
    weight = (share / share.sum() / counts)[np.searchsorted(names, kinds)]
    weight /= weight.sum()
    while True:
        yield rng.choice(len(kinds), size=batch, p=weight)


def collate(data, idx, pad_id, device):
    length = max(len(data["ids"][i]) for i in idx)
    ids = torch.full((len(idx), length), pad_id, dtype=torch.long)
    span = torch.full((len(idx), length), IGNORE, dtype=torch.long)
    score = torch.full((len(idx), length), -1.0)
    mask = torch.zeros((len(idx), length), dtype=torch.bool)
    for r, i in enumerate(idx):
        n = len(data["ids"][i])
        ids[r, :n] = torch.from_numpy(data["ids"][i])
        span[r, :n] = torch.from_numpy(data["span"][i])
        score[r, :n] = torch.from_numpy(data["score"][i])
        mask[r, :n] = True
    return ids.to(device), mask.to(device), score.to(device), span.to(device)


def log_keep_drop(logits, span_logits, fit):
    """(log P(keep), log P(drop)) of p_keep (fit "token") or of the final score (fit "final")."""
    logp = F.log_softmax(logits.float(), dim=-1)
    if fit == "token":
        return logp[:, 1], logp[:, 0]
    log_keep = logp[:, 1] + torch.log(KompressModel.span_factor(span_logits.float()))
    return log_keep, torch.log1p(-torch.exp(log_keep).clamp(max=1 - 1e-6))


def losses(model, ids, mask, score, span, fit="token"):
    """Cross-entropy of p_keep or of the final score (`fit`) against the keep probability `score`
    (0/1 labels when the file has no scores), and of the span head against the span labels."""
    logits, span_logits = model(ids, mask)
    on = score >= 0
    log_keep, log_drop = log_keep_drop(logits[on], span_logits[on], fit)
    t = score[on]
    tok = -(t * log_keep + (1 - t) * log_drop).mean()
    on = span != IGNORE
    sp = F.binary_cross_entropy_with_logits(span_logits[on].float(), span[on].float())
    return tok, sp, logits, span_logits


@torch.no_grad()
def evaluate(model, data, pad_id, device, n_windows, batch, fit):
    """Token losses, and word-level agreement with the labels at the production rule
    (a word is kept when the max final_score over its tokens > 0.5)."""
    model.eval()
    chosen = np.unique(np.linspace(0, len(data["ids"]) - 1, n_windows).astype(np.int64))  # spread over kinds
    tot = {"tok": 0.0, "span": 0.0, "batches": 0}
    tp = fp = fn = tn = 0
    for s in range(0, len(chosen), batch):
        idx = [int(i) for i in chosen[s:s + batch]]
        ids, mask, score, span = collate(data, idx, pad_id, device)
        tok, sp, logits, span_logits = losses(model, ids, mask, score, span, fit)
        tot["tok"] += tok.item()
        tot["span"] += sp.item()
        tot["batches"] += 1
        scores = KompressModel.final_scores(logits.float(), span_logits.float()).cpu().numpy()
        for r, i in enumerate(idx):
            wid, lab = data["word"][i], data["keep"][i]
            on = wid >= 0
            words, first = np.unique(wid[on], return_index=True)
            best = np.full(len(words), -1.0)
            np.maximum.at(best, np.searchsorted(words, wid[on]), scores[r, :len(wid)][on])
            pred, truth = best > 0.5, lab[on][first] == 1
            tp += int((pred & truth).sum())
            fp += int((pred & ~truth).sum())
            fn += int((~pred & truth).sum())
            tn += int((~pred & ~truth).sum())
    model.train()
    words = max(1, tp + fp + fn + tn)
    prec, rec = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"token_loss": tot["tok"] / max(1, tot["batches"]), "span_loss": tot["span"] / max(1, tot["batches"]),
            "word_acc": (tp + tn) / words, "keep_f1": 2 * prec * rec / max(1e-9, prec + rec),
            "keep_rate": (tp + fp) / words, "label_keep_rate": (tp + fn) / words, "words": words}


# ---------------------------------------------------------------- model and checkpoints


def special_ids(tokenizer_path):
    tok = json.load(open(tokenizer_path, encoding="utf-8"))
    return {t["content"]: t["id"] for t in tok.get("added_tokens", []) if t.get("special")}


def build_model(args):
    """(model, tokenizer path, init description) from --init or the size flags."""
    if args.init:
        init = Path(args.init)
        cfg = json.load(open(init / "config.json"))
        tokenizer = args.tokenizer or str(init / "tokenizer.json")
        model = KompressModel(cfg)
        tensors, _ = load_file(str(init / "model.safetensors"))
        model.load_v1(tensors)
        return model, tokenizer, f"fine-tune of {init}"
    if not args.tokenizer:
        fail("--tokenizer is required when training from scratch (or pass --init)")
    ids = special_ids(args.tokenizer)
    vocab = 1 + max(list(json.load(open(args.tokenizer, encoding="utf-8"))["model"]["vocab"].values())
                    + list(ids.values()))
    cfg = modernbert_config(vocab, args.hidden, args.layers, args.heads, args.intermediate,
                            special_ids=ids)
    return KompressModel(cfg), args.tokenizer, "from scratch"


def save_checkpoint(path, model, opt, state):
    tmp = str(path) + ".tmp"
    torch.save({"model": model.state_dict(), "config": model.config_dict, "optimizer": opt.state_dict(),
                **state}, tmp)
    os.replace(tmp, path)


def lr_at(step, total, base, warmup):
    """Linear warm-up, then cosine decay to 10% of the base rate."""
    if step < warmup:
        return base * (step + 1) / warmup
    t = min(1.0, (step - warmup) / max(1, total - warmup))
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          "cpu" if args.device == "auto" else args.device)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = torch.load(args.resume, map_location="cpu") if args.resume else None
    if ckpt:
        model = KompressModel(ckpt["config"])
        model.load_state_dict(ckpt["model"])
        tokenizer, origin = ckpt["tokenizer"], ckpt["origin"]
        args.max_tokens = ckpt["max_tokens"]
    else:
        model, tokenizer, origin = build_model(args)
    model.to(device)
    if args.max_tokens > model.config_dict["max_position_embeddings"]:
        fail(f"--max-tokens {args.max_tokens} exceeds the model's max_position_embeddings")
    pad_id = model.config_dict.get("pad_token_id", 0)
    cache = out / "cache"
    try:
        train = load_windows(args.train, args.kompress, tokenizer, args.max_tokens, cache, args.limit)
        if args.valid:
            valid = load_windows(args.valid, args.kompress, tokenizer, args.max_tokens, cache)
        else:  # hold out every 50th window
            valid = {k: v[::50] for k, v in train.items()}
            train = {k: [x for i, x in enumerate(v) if i % 50] for k, v in train.items()}
    except LabelError as e:
        fail(str(e))
    n_words = sum(int((w >= 0).sum()) for w in train["word"])
    if len(train["ids"]) < MIN_TRAIN_WINDOWS or n_words < MIN_TRAIN_WORDS:
        fail(f"{args.train}: only {len(train['ids'])} windows / {n_words} word tokens to train on; "
             f"need at least {MIN_TRAIN_WINDOWS} windows and {MIN_TRAIN_WORDS} word tokens")
    if not valid["ids"]:
        fail(f"{args.valid or args.train}: no validation windows")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {origin}; {model.cfg.num_layers} layers, hidden {model.cfg.hidden_size}, "
          f"{model.cfg.num_heads} heads, intermediate {model.cfg.intermediate_size}, vocab {model.cfg.vocab_size}; "
          f"{n_params / 1e6:.2f}M params; device {device}", flush=True)
    kinds, counts = np.unique(train["kind"], return_counts=True)
    print("train windows by kind: " + ", ".join(f"{k or '-'} {c}" for k, c in zip(kinds, counts)), flush=True)
    print(f"data: {len(train['ids'])} train windows ({n_words} word tokens), {len(valid['ids'])} valid windows, "
          f"max {args.max_tokens} tokens", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    state = {"step": 0, "total_steps": args.steps, "tokenizer": tokenizer, "origin": origin,
             "max_tokens": args.max_tokens, "seconds": 0.0, "tokens": 0, "args": vars(args)}
    rng = np.random.default_rng(args.seed)
    if ckpt:
        opt.load_state_dict(ckpt["optimizer"])
        state.update({k: ckpt[k] for k in ("step", "total_steps", "seconds", "tokens")})
        state["total_steps"] = args.steps or state["total_steps"]  # --steps extends a finished run
        rng = np.random.default_rng(args.seed + state["step"])
        print(f"resumed at step {state['step']} of {state['total_steps']}", flush=True)
    torch.manual_seed(args.seed + state["step"])
    log = open(out / "log.jsonl", "a")
    it = batches(train, args.batch, rng, args.kind_power)
    model.train()
    t_start, t_report = time.time(), time.time()
    seconds0, run_tok, run_span, run_n = state["seconds"], 0.0, 0.0, 0
    while state["total_steps"] is None or state["step"] < state["total_steps"]:
        for g in opt.param_groups:
            g["lr"] = lr_at(state["step"], state["total_steps"] or 10 ** 9, args.lr, args.warmup)
        ids, mask, score, span = collate(train, next(it), pad_id, device)
        tok, sp, _, _ = losses(model, ids, mask, score, span, args.fit)
        loss = tok + args.span_weight * sp
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] += 1
        state["tokens"] += int(mask.sum())
        state["seconds"] = seconds0 + time.time() - t_start
        run_tok, run_span, run_n = run_tok + tok.item(), run_span + sp.item(), run_n + 1
        if state["total_steps"] is None and state["step"] == 20:
            per_step = state["seconds"] / 20
            state["total_steps"] = max(40, int(args.minutes * 60 / per_step))
            print(f"{per_step:.2f} s/step: planning {state['total_steps']} steps for {args.minutes} min",
                  flush=True)
        if state["step"] % 10 == 0 or time.time() - t_report > 60:
            print(f"step {state['step']}/{state['total_steps']} loss tok {run_tok / run_n:.4f} span "
                  f"{run_span / run_n:.4f} lr {opt.param_groups[0]['lr']:.2e} "
                  f"{state['tokens'] / max(1e-9, state['seconds']):.0f} tok/s {state['seconds'] / 60:.1f} min",
                  flush=True)
            run_tok, run_span, run_n, t_report = 0.0, 0.0, 0, time.time()
        done = state["total_steps"] is not None and state["step"] >= state["total_steps"]
        if state["step"] % args.eval_every == 0 or done:
            ev = evaluate(model, valid, pad_id, device, args.valid_windows, args.batch, args.fit)
            print("valid " + " ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                      for k, v in ev.items()), flush=True)
            log.write(json.dumps({"step": state["step"], "seconds": round(state["seconds"], 1),
                                  "tokens": state["tokens"], **ev}) + "\n")
            log.flush()
        if state["step"] % args.ckpt_every == 0 or done:
            save_checkpoint(out / "last.pt", model, opt, state)
    print(f"done: {state['step']} steps, {state['tokens']} tokens, {state['seconds'] / 60:.1f} min; "
          f"checkpoint {out / 'last.pt'}", flush=True)


if __name__ == "__main__":
    main()
