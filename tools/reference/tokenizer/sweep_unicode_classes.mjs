// Writes tests/data/tokenizer/oracle_pretokenizer_classes.txt: how Hugging Face's ByteLevel
// pre-tokenizer (Oniguruma) classes every code point in the GPT-2 regex, as runs
// "<first code point, hex> <class>": L letter (\p{L}), N number (\p{N}), S whitespace (\s),
// O anything else, - surrogate (not probed). The class comes from the pieces of "x" c c "1":
// L -> ["xcc", "1"], N -> ["x", "cc1"], S -> ["x", "c", "c", "1"], O -> ["x", "cc", "1"].
// (ASCII letters, digits and ' ' come out as the probe shapes them, identically in kompress.)
//
//   node sweep_unicode_classes.mjs [--tokenizer PATH]   (about 15 s)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tk from '@anush008/tokenizers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const i = process.argv.indexOf('--tokenizer');
const tokenizerPath = i >= 0 ? process.argv[i + 1] : path.resolve(repo, '../shared/models/modernbert-base/tokenizer.json');
const pre = tk.Tokenizer.fromFile(tokenizerPath).getPreTokenizer();

const runs = [];
let last = '';
for (let c = 0; c <= 0x10ffff; c++) {
  let k = '-';
  if (c < 0xd800 || c > 0xdfff) {
    const ch = String.fromCodePoint(c);
    const p = pre.preTokenizeString('x' + ch + ch + '1');
    k = p.length === 4 ? 'S' : p.length === 3 ? 'O' : p[0][0] === 'x' ? 'N' : 'L';
  }
  if (k !== last) runs.push(`${c.toString(16)} ${k}`);
  last = k;
}
const out = path.join(repo, 'tests/data/tokenizer/oracle_pretokenizer_classes.txt');
fs.writeFileSync(out, runs.join('\n') + '\n');
console.log(`wrote ${runs.length} runs to ${out}`);
