// Learn byte-level BPE merges with the Hugging Face `tokenizers` library (npm
// @anush008/tokenizers@0.6.0, the same package as the test oracle).
//   node bpe_merges.mjs NPM_DIR OUT_JSON TEXT_FILE...
// NPM_DIR holds node_modules/@anush008/tokenizers (tools/reference/tokenizer).
// The binding exposes only Tokenizer.train(files) with the model's default BpeTrainer
// (vocab_size 30000, min_frequency 0, no special tokens, alphabet = bytes seen), so this
// script learns the first ~30k merges; train_bpe.py keeps the first N (BPE merges are
// learned greedily, so a prefix of the list is exactly what a smaller vocab would learn)
// and assembles the final tokenizer.json.
import { createRequire } from "node:module";
import path from "node:path";

const [npmDir, out, ...files] = process.argv.slice(2);
const require = createRequire(path.resolve(npmDir, "package.json"));
const tk = require("@anush008/tokenizers");

const tok = new tk.Tokenizer(tk.BPE.empty());
tok.setNormalizer(tk.nfcNormalizer());
tok.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
tok.train(files);
tok.save(out, false);
console.error(`trained: ${tok.getVocabSize()} tokens -> ${out}`);
