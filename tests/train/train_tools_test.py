#!/usr/bin/python3
"""Tests of tools/train: the labelled format, the greedy teacher, the trainer's token loss,
checkpoint averaging."""
import os
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as e:
    print(f"SKIP: {e} (install python3-torch and python3-numpy)")
    sys.exit(77)
sys.path[:0] = [str(ROOT / "tools/train"), str(ROOT / "tools/train/teacher")]
import greedy  # noqa: E402
import ngram  # noqa: E402
import train  # noqa: E402
from average_checkpoints import average  # noqa: E402
from kompress_model import KompressModel  # noqa: E402
from labeled_data import LabelError, parse_line, read_labels  # noqa: E402


class LabelFormat(unittest.TestCase):
    def test_errors_name_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "labels.jsonl")
            with open(path, "w") as f:
                f.write('{"words": ["a", "b"], "keep": [1, 0]}\n\n{"words": ["a"], "keep": [1, 1]}\n')
            with self.assertRaisesRegex(LabelError, r"labels\.jsonl:3: \"keep\" must be a list of 1"):
                read_labels(path)

    def test_scores_are_probabilities_or_default_to_keep(self):
        rec = parse_line('{"words": ["a", "b"], "keep": [1, 0], "score": [0.75, 0.25]}', "x:1")
        np.testing.assert_allclose(rec["score"], [0.75, 0.25])
        rec = parse_line('{"words": ["a", "b"], "keep": [0, 1]}', "x:1")
        np.testing.assert_array_equal(rec["score"], [0.0, 1.0])
        for bad in ("[0.5, 1.5]", "[0.5]", '[0.5, "x"]', "[true, 0]"):
            with self.assertRaisesRegex(LabelError, r"x:2: \"score\""):
                parse_line('{"words": ["a", "b"], "keep": [1, 0], "score": %s}' % bad, "x:2")


def toy_model(sentences):
    vocab = ngram.Vocab()
    docs = [vocab.encode(s.split(), grow=True) for s in sentences]
    return vocab, ngram.NgramModel(ngram.stream(docs), len(vocab.ids))


class GreedyTeacher(unittest.TestCase):
    def setUp(self):
        corpus = ["the cat sat on the mat", "the dog sat on the rug", "a cat and the dog sat on the mat"] * 50
        corpus += ["zebra quietly ate the grass"]
        self.vocab, self.model = toy_model(corpus)

    def ranks(self, chunks, bonus=0.0, must=None):
        ids = [self.vocab.encode(c, grow=False) for c in chunks]
        must = must or [np.zeros(len(c), dtype=bool) for c in chunks]
        return greedy.drop_ranks(ids, must, self.model, bonus)

    def test_ranks_are_a_drop_order(self):
        words = "the cat sat on the mat".split()
        r = self.ranks([words])[0]
        np.testing.assert_array_equal(np.sort(r * len(words)), np.arange(len(words)))

    def test_rare_words_go_last_and_predictable_words_first(self):
        words = "the zebra sat on the mat".split()
        r = self.ranks([words])[0]
        self.assertEqual(int(np.argmin(r)), 4)  # "the" in "on the mat" is the easiest to recover
        self.assertGreater(r[1], 0.5)  # "zebra", seen once, outlasts half the words
        self.assertGreater(r[1], r[0])

    def test_bonus_delays_must_keep_words(self):
        words = "the cat sat on the mat".split()
        plain = self.ranks([words])[0]
        first = int(np.argmin(plain))
        must = np.zeros(len(words), dtype=bool)
        must[first] = True
        delayed = self.ranks([words], bonus=50.0, must=[must])[0]
        self.assertEqual(int(np.argmax(delayed)), first)

    def test_batch_equals_one_chunk_at_a_time(self):
        chunks = ["the cat sat on the mat".split(), "a dog".split(), "zebra ate the grass on the rug".split(),
                  "the".split()]
        together = self.ranks(chunks, bonus=3.0, must=[np.arange(len(c)) % 3 == 0 for c in chunks])
        for c, r in zip(chunks, together):
            alone = self.ranks([c], bonus=3.0, must=[np.arange(len(c)) % 3 == 0])[0]
            np.testing.assert_array_equal(r, alone)

    def test_leave_one_out_on_counted_text(self):
        # The one counted sentence with "zebra": seen with its own counts, its every word looks
        # predictable; with them left out, "zebra" and "quietly" are the surprising ones.
        words = "zebra quietly ate the grass".split()
        ids = [self.vocab.encode(words, grow=False)]
        must = [np.zeros(len(words), dtype=bool)]
        counted = greedy.drop_ranks(ids, must, self.model, 0.0)[0]
        left_out = greedy.drop_ranks(ids, must, self.model, 0.0, counted=([True], [True]))[0]
        s_in = self.model.surprisal_of(ids[0][:1] * 0, ids[0][:1], ids[0][1:2])
        s_out = self.model.surprisal_of(ids[0][:1] * 0, ids[0][:1], ids[0][1:2], loo=True)
        self.assertGreater(s_out[0], s_in[0] + 1.0)
        self.assertFalse(np.array_equal(counted, left_out))
        self.assertGreater(min(left_out[0], left_out[1]), left_out[3])  # "the" goes before them

    def test_empty_input(self):
        self.assertEqual(self.ranks([]), [])


class TokenLoss(unittest.TestCase):
    def test_soft_loss_equals_cross_entropy_on_hard_labels_and_ignores_specials(self):
        torch.manual_seed(0)

        class Fixed(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.logits = torch.randn(2, 5, 2)
                self.span = torch.randn(2, 5)

            def forward(self, ids, mask):
                return self.logits, self.span

        model = Fixed()
        score = torch.tensor([[-1.0, 1, 0, 1, -1], [-1.0, 0, 0, 1, -1]])
        span = torch.where(score >= 0, score, torch.full_like(score, -100)).long()
        tok, _, _, _ = train.losses(model, None, None, score, span)
        on = score >= 0
        expected = F.cross_entropy(model.logits[on], score[on].long())
        self.assertAlmostEqual(tok.item(), expected.item(), places=6)
        half = torch.where(on, torch.full_like(score, 0.5), score)
        tok_half, _, _, _ = train.losses(model, None, None, half, span)
        logp = F.log_softmax(model.logits[on], -1)
        self.assertAlmostEqual(tok_half.item(), (-(logp[:, 0] + logp[:, 1]) / 2).mean().item(), places=6)
        soft = torch.where(on, torch.rand_like(score), score)
        tok_final, _, _, _ = train.losses(model, None, None, soft, span, fit="final")
        final = KompressModel.final_scores(model.logits, model.span)[on]
        expected = F.binary_cross_entropy(final, soft[on])
        self.assertAlmostEqual(tok_final.item(), expected.item(), places=5)
        self.assertNotAlmostEqual(tok_final.item(), train.losses(model, None, None, soft, span)[0].item(), places=3)


class AverageCheckpoints(unittest.TestCase):
    @staticmethod
    def ckpt(value, config=None, origin="run"):
        return {"model": {"w": torch.full((2, 3), float(value)), "b": torch.tensor([value], dtype=torch.float16)},
                "config": config or {"hidden_size": 4}, "tokenizer": "tok.json", "step": int(value),
                "tokens": 10, "origin": origin}

    def test_mean_of_every_tensor_keeps_dtypes_and_metadata(self):
        soup = average([self.ckpt(1, origin="a"), self.ckpt(2, origin="b"), self.ckpt(6, origin="a")])
        torch.testing.assert_close(soup["model"]["w"], torch.full((2, 3), 3.0))
        self.assertEqual(soup["model"]["b"].dtype, torch.float16)
        self.assertEqual(soup["model"]["b"].item(), 3.0)
        self.assertEqual((soup["step"], soup["tokens"], soup["tokenizer"]), (6, 30, "tok.json"))
        self.assertEqual(soup["origin"], "mean of 3 checkpoints (a; b)")

    def test_different_models_are_refused(self):
        with self.assertRaisesRegex(ValueError, "checkpoint 2 is not the same model"):
            average([self.ckpt(1), self.ckpt(2, config={"hidden_size": 8})])


if __name__ == "__main__":
    unittest.main()
