"""The PyTorch eager fp32 row of `kompress bench`: batched_model.KompressBatched on the same ids,
timed with the same protocol as the other engines' rows (one warm-up call per call shape, then
PASSES timed passes over the first CHUNKS chunks in calls of BATCH, right-padded; tokens/s over the real
tokens, per-chunk p50/p99, peak RSS of this process, load time = mapping the weights and
building the module). Prints one JSON row.

    bench_pytorch.py MODEL_DIR WORKLOAD BATCH CHUNKS PASSES THREADS IDS_JSON

`kompress bench` runs it with Debian's /usr/bin/python3 (torch 1.13), OMP_WAIT_POLICY from its
own setting (PASSIVE unless the caller chose) and OPENBLAS_NUM_THREADS=THREADS, since Debian's
torch does its matrix products in OpenBLAS.
"""

import json
import sys
import time

import torch

from batched_model import load_model, pad_batch


def percentile(values, p):
    """The same nearest-rank rule as kompress's bench_measure.cc."""
    v = sorted(values)
    return v[min(int(p * (len(v) - 1) + 0.5), len(v) - 1)]


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def main():
    model_dir, workload, batch, chunks, passes, threads, ids_path = sys.argv[1:8]
    batch, chunks, passes, threads = int(batch), int(chunks), int(passes), int(threads)
    torch.set_num_threads(threads)
    with open(ids_path) as f:
        sequences = json.load(f)[:chunks]
    start = time.perf_counter()
    model = load_model(model_dir)
    load_ms = (time.perf_counter() - start) * 1000
    calls = [sequences[i : i + batch] for i in range(0, len(sequences), batch)]
    tokens = sum(len(s) for s in sequences)
    per_chunk, total = [], 0.0
    with torch.inference_mode():
        shapes = {}
        for call in calls:
            shapes.setdefault((len(call), max(len(s) for s in call)), call)
        for call in shapes.values():
            model(*pad_batch(call, model.pad_id))
        for _ in range(passes):
            for call in calls:
                t = time.perf_counter()
                model(*pad_batch(call, model.pad_id))
                seconds = time.perf_counter() - t
                total += seconds
                per_chunk.append(seconds * 1000 / len(call))
    row = {
        "engine": "pytorch",
        "precision": "fp32",
        "workload": workload,
        "batch": batch,
        "tokens": tokens,
        "tokens_per_s": tokens * passes / total,
        "p50_ms": percentile(per_chunk, 0.5),
        "p99_ms": percentile(per_chunk, 0.99),
        "peak_rss_mb": peak_rss_mb(),
        "load_ms": load_ms,
        "cpu": f"torch {torch.__version__}, {threads} threads",
    }
    print(json.dumps(row))


if __name__ == "__main__":
    main()
