"""Check the teacher against the two small real signals in ../shared/data/ultrawhale.

- c3_qwen*_labeled.jsonl: an LLM marked must-keep spans in tool outputs. Spans are
  re-anchored by searching their text (the offsets are often wrong). Reported: the share
  of words inside marked spans that the teacher keeps (recall), with and without the
  must-keep override, and the teacher's keep rate on these texts.
- c3_real_compressed.jsonl: outputs of a fine-tuned Kompress. Its kept words are found by
  matching the compressed words in order against the original's words; reported: the
  agreement of the teacher's keep/drop with the model's over the covered prefix.
"""
import json
import re
from pathlib import Path

import numpy as np

from must_keep import must_keep_mask

WORD = re.compile(r"\S+")


def marked_words(text, spans):
    """Per word of text.split(): True when it overlaps an LLM-marked span (re-anchored)."""
    covered = np.zeros(len(text) + 1, dtype=bool)
    for sp in spans:
        needle = (sp.get("text") or "").strip()
        if not needle:
            continue
        at = text.find(needle)
        if at >= 0:
            covered[at:at + len(needle)] = True
    return np.array([covered[m.start():m.end()].any() for m in WORD.finditer(text)])


def kept_by_model(words, compressed_words):
    """Greedy in-order match of the compressed words; (kept mask, index after the last match)."""
    kept = np.zeros(len(words), dtype=bool)
    j, last = 0, 0
    for i, w in enumerate(words):
        if j < len(compressed_words) and w == compressed_words[j]:
            kept[i], j, last = True, j + 1, i + 1
    return kept, last


def run(folder, teacher_keep):
    """teacher_keep(words) -> the teacher's keep mask for one text (tool output)."""
    folder = Path(folder)
    report = {}
    hit = hit_forced = marked = words = kept = 0
    for name in ("c3_qwen_labeled.jsonl", "c3_qwen3coder_labeled.jsonl"):
        for line in open(folder / name, encoding="utf-8"):
            row = json.loads(line)
            w = row["text"].split()
            if not w:
                continue
            keep, forced = teacher_keep(w), must_keep_mask(w)
            m = marked_words(row["text"], row.get("spans", []))
            hit += int((keep & m).sum())
            hit_forced += int((forced & m).sum())
            marked += int(m.sum())
            words += len(w)
            kept += int(keep.sum())
    report["llm_spans"] = {"marked_words": marked, "teacher_recall": round(hit / max(1, marked), 4),
                           "must_keep_only_recall": round(hit_forced / max(1, marked), 4),
                           "teacher_keep_rate": round(kept / max(1, words), 4)}
    agree = total = model_kept = teacher_kept = 0
    for line in open(folder / "c3_real_compressed.jsonl", encoding="utf-8"):
        row = json.loads(line)
        w = row["text"].split()
        if not w:
            continue
        ref, last = kept_by_model(w, row["compressed"].split())
        keep = teacher_keep(w)
        agree += int((ref[:last] == keep[:last]).sum())
        total += last
        model_kept += int(ref[:last].sum())
        teacher_kept += int(keep[:last].sum())
    report["kompress_v8"] = {"words": total, "agreement": round(agree / max(1, total), 4),
                             "model_keep_rate": round(model_kept / max(1, total), 4),
                             "teacher_keep_rate": round(teacher_kept / max(1, total), 4)}
    return report
