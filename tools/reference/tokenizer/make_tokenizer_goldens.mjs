// Writes tests/data/tokenizer/modernbert_golden.jsonl.gz: inputs and the ids / word ids that
// Hugging Face tokenizers (via @anush008/tokenizers, see package.json) gives for them with the
// ModernBERT tokenizer. Inputs are generated with a fixed seed from text found on any Debian 12
// machine plus synthetic text aimed at the tricky parts (whitespace, Unicode classes, added
// tokens, normalization). The inputs are stored in the golden file, so the C++ test needs
// nothing else.
//
//   npm install && node make_tokenizer_goldens.mjs [--tokenizer PATH] [--out PATH]
//
// One JSON object per line:
//   {"kind": "text", "text": "...", "add_special_tokens": true, "max_tokens": 0,
//    "ids": [...], "word_ids": [null, 0, ...]}
//   {"kind": "words", "words": ["...", ...], ...same fields}
// Word inputs follow is_split_into_words=True: each word encoded alone without specials, the
// results concatenated, word id = word index, then [CLS] ... [SEP] and truncation.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import tk from '@anush008/tokenizers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const tokenizerPath = argValue('--tokenizer',
  path.resolve(repo, '../shared/models/modernbert-base/tokenizer.json'));
const outPath = argValue('--out', path.join(repo, 'tests/data/tokenizer/modernbert_golden.jsonl.gz'));

// ---- deterministic randomness (mulberry32) ----
let seed = 0x6b6f6d70;  // "komp"
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));  // inclusive
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const cp = (c) => String.fromCodePoint(c);

// ---- source material from the machine (sorted, so the choice is stable) ----
function readIf(file) {
  try { return fs.readFileSync(file, 'utf8'); } catch { return ''; }
}
function listDir(dir, filter) {
  try { return fs.readdirSync(dir).filter(filter).sort().map((f) => path.join(dir, f)); } catch { return []; }
}
const licenses = listDir('/usr/share/common-licenses', () => true)
  .filter((f) => fs.statSync(f).isFile()).map(readIf).filter((s) => s.length > 0);
const headers = listDir('/usr/include', (f) => f.endsWith('.h')).map(readIf).filter((s) => s.length > 0);
const copyrights = listDir('/usr/share/doc', () => true)
  .map((d) => path.join(d, 'copyright')).map(readIf).filter((s) => s.length > 0);
const logs = ['/var/log/dpkg.log', '/var/log/apt/history.log', '/var/log/alternatives.log']
  .map(readIf).filter((s) => s.length > 0);

function slice(texts, minLen, maxLen) {
  if (texts.length === 0) return 'no source text on this machine';
  const t = pick(texts);
  const len = randInt(minLen, maxLen);
  const start = randInt(0, Math.max(0, t.length - len));
  return t.slice(start, start + len);
}

// ---- synthetic material ----
const englishWords = ('the of and to in is was he for it with as his on be at by had are but from or ' +
  'have an they which one you were her all she there would their we him been has when who will ' +
  'more no if out so said what up its about into than them can only other new some could time ' +
  "these two may then do first any my now such like our over man me even most made after also did " +
  "don't it's we're they've I'm you'll she'd Hello world Kompress tokenizer ModernBERT compression").split(' ');
const accentedNfc = ['café', 'naïve', 'résumé', 'Ångström', 'façade', 'jalapeño', 'Zürich', 'São Paulo',
  'Œuvre', 'Dvořák', 'Łódź', 'İstanbul', 'ﬁnal', 'Ǆemal', 'ẞtraße', 'Việt Nam', 'Ελληνικά', 'Русский', 'ǅ'];
const cjk = ['東京は日本の首都です。', '我爱北京天安门', '한국어를 배우고 있어요', 'カタカナとひらがな',
  '中文，标点符号！', '漢字かな交じり文', '가나다라마바사', '㈱会社　全角スペース', 'ｱｲｳｴｵ半角カナ', '𠀀𠀁𪚥'];
const rtl = ['مرحبا بالعالم', 'السلام عليكم ورحمة الله', 'שלום עולם', 'עברית היא שפה שמית',
  'العربية ١٢٣ و 456', 'كتاب‎ (book)', 'שָׁלוֹם עִם נִקּוּד', 'فارسی: سلام دنیا'];
const emoji = ['😀', '👍🏽', '👩‍💻', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '❤️', '🧑🏿‍🚀', '👋🏻👋🏼👋🏽👋🏾👋🏿', '🤷‍♀️', '✋🏾',
  '1️⃣', '🫠', '☺︎', '🐕‍🦺'];
const zeroWidth = ['\u200b', '\u200c', '\u200d', '\ufeff', '\u2060', '\u00ad'];
const specials = ['[MASK]', '[CLS]', '[SEP]', '[PAD]', '[UNK]', '<|endoftext|>', '<|padding|>',
  '|||IP_ADDRESS|||', '|||EMAIL_ADDRESS|||', '|||PHONE_NUMBER|||', '[unused0]', '[unused42]', '[MASK'];
// Every code point with the White_Space property, plus the ones Python's isspace adds.
const whitespace = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002,
  0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f,
  0x3000, 0x1c, 0x1d, 0x1e, 0x1f, 0x180e, 0x200b, 0xfeff].map(cp);
const controls = [...Array(32).keys()].map(cp).concat([cp(0x7f), cp(0x85), cp(0x9f), cp(0x80)]);
const combining = [0x300, 0x301, 0x302, 0x303, 0x308, 0x30a, 0x323, 0x327, 0x328, 0x331, 0x345, 0x35c,
  0x361, 0x489, 0x5b4, 0x64b, 0x93c, 0x1ab0, 0x1dc0, 0x20d7, 0x20e3, 0xfe20, 0x1d165, 0x1d16d].map(cp);
const wordish = () => pick(englishWords);

function randomSentence(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(wordish());
  return out.join(' ');
}

function randomUrl() {
  const host = pick(['example.com', 'github.com', 'docs.python.org', 'xn--bcher-kva.example', 'localhost:8080',
    '192.168.0.1', '[::1]:443', 'münchen.de']);
  const parts = [];
  for (let i = randInt(0, 4); i > 0; i--) parts.push(pick(['api', 'v1', 'users', 'repo', 'issues', '42', 'a%20b', 'résumé', '~me', 'index.html']));
  let url = `${pick(['https', 'http', 'ftp', 'file'])}://${host}/${parts.join('/')}`;
  if (rand() < 0.5) url += `?q=${encodeURIComponent(randomSentence(randInt(1, 3)))}&page=${randInt(1, 99)}`;
  if (rand() < 0.3) url += '#section-' + randInt(1, 9);
  return url;
}

function randomJsonValue(depth) {
  const r = rand();
  if (depth > 3 || r < 0.3) return pick([randInt(-1000, 100000), rand() * 1e6, true, false, null, randomSentence(randInt(0, 5)),
    pick(accentedNfc), pick(emoji), pick(cjk)]);
  if (r < 0.6) return Array.from({ length: randInt(0, 4) }, () => randomJsonValue(depth + 1));
  const obj = {};
  for (let i = randInt(0, 5); i > 0; i--) obj[pick(['id', 'name', 'value', 'tags', 'créé', 'user_id', 'data', 'x'])] = randomJsonValue(depth + 1);
  return obj;
}

function lsLine() {
  const perms = pick(['-rw-r--r--', 'drwxr-xr-x', 'lrwxrwxrwx', '-rwxr-xr-x', 'crw-rw----']);
  const size = String(randInt(0, 99999999)).padStart(9);
  const month = pick(['Jan', 'Feb', 'Mar', 'Nov', 'Dec']);
  const name = pick(['README.md', 'src', 'build-tok', '.gitignore', 'naïve file.txt', 'tokenizer.json', 'a -> b', '日本語.txt']);
  return `${perms} ${randInt(1, 40)} root root ${size} ${month} ${String(randInt(1, 31)).padStart(2)} ${randInt(10, 23)}:${String(randInt(0, 59)).padStart(2, '0')} ${name}`;
}

function whitespaceMix() {
  const pieces = [];
  for (let i = randInt(1, 8); i > 0; i--) {
    pieces.push(rand() < 0.8 ? wordish() : pick(['x', '1', '.', '!!', 'é', '日本']));
    const r = rand();
    if (r < 0.4) pieces.push(' '.repeat(randInt(1, 30)));
    else if (r < 0.55) pieces.push('\t'.repeat(randInt(1, 4)));
    else if (r < 0.7) pieces.push('\r\n'.repeat(randInt(1, 3)));
    else if (r < 0.8) pieces.push(' '.repeat(randInt(1, 30)) + '\n' + ' '.repeat(randInt(0, 8)));
    else if (r < 0.9) pieces.push(pick(whitespace).repeat(randInt(1, 3)));
    else pieces.push(' ');
  }
  if (rand() < 0.3) pieces.unshift(' '.repeat(randInt(1, 30)));
  if (rand() < 0.3) pieces.push(' '.repeat(randInt(1, 30)));
  return pieces.join('');
}

function combiningSoup() {
  let s = '';
  for (let i = randInt(1, 6); i > 0; i--) {
    s += pick(['a', 'e', 'o', 'A', 'n', 'c', 'ο', 'и', 'ש', 'क', ' ', '1']);
    for (let j = randInt(0, 4); j > 0; j--) s += pick(combining);
  }
  return s;
}

// Random code points: assigned-looking ranges and anything at all (surrogates become lone).
function codePointSoup(n) {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    let c;
    if (r < 0.3) c = randInt(0x20, 0x7e);
    else if (r < 0.6) c = randInt(0x80, 0x2fff);
    else if (r < 0.75) c = randInt(0x3000, 0xffff);
    else if (r < 0.9) c = randInt(0x10000, 0x2ffff);
    else c = randInt(0, 0x10ffff);
    s += cp(c);
  }
  return s;
}

function specialsInText() {
  const sp = pick(specials);
  const w = wordish();
  return pick([
    `${w} ${sp} ${wordish()}`, `${w}${sp}${wordish()}`, `${sp}${w}`, `${w}${sp}`, `  ${sp}  ${w}`,
    `${sp}${sp} ${pick(specials)}`, `${w}\n${sp}\t${w}`, `${sp}`, ` ${sp}`, `${w}   ${sp}`,
    `${pick(accentedNfc)}${sp}${pick(cjk)}`, `${w}\u3000${sp}`, `${w}\u00a0${sp}`,
  ]);
}

function mixed() {
  const gens = [
    () => wordish(), () => pick(accentedNfc), () => pick(accentedNfc).normalize('NFD'), () => pick(cjk),
    () => pick(rtl), () => pick(emoji), () => pick(zeroWidth), () => pick(controls), () => pick(whitespace),
    () => pick(specials), () => String(randInt(0, 1e9)), () => combiningSoup(), () => ' '.repeat(randInt(1, 30)),
    () => pick(['\ud800', '\udc00', '\udbff', '\udfff', '\ud83d']), () => randomUrl(), () => codePointSoup(3),
    () => pick(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "’s", "''"]),
  ];
  let s = '';
  for (let i = randInt(1, 12); i > 0; i--) {
    s += pick(gens)();
    if (rand() < 0.6) s += ' ';
  }
  return s;
}

// ---- the input list ----
const inputs = [];  // {kind, text|words, add_special_tokens, max_tokens}
const addText = (text, special = true, max = 0) => inputs.push({ kind: 'text', text, add_special_tokens: special, max_tokens: max });
const addWords = (words, special = true, max = 0) => inputs.push({ kind: 'words', words, add_special_tokens: special, max_tokens: max });

// Fixed cases first: the examples of the spec and every single interesting character.
['', ' ', 'Hello world', 'a  b', '  lead', 'trail  ', '[MASK] hi [MASK]x', 'x\ud800y', '\ud800', '\udc00\ud800',
  '\ud83d\ude00', 'é', 'e\u0301', "I'm don't we'll THEY'RE", '\r\n', '\t\t', ' '.repeat(24), ' '.repeat(25),
  ' '.repeat(50)].forEach((t) => addText(t));
for (const w of whitespace) {
  addText(`a${w}b`); addText(`a ${w} b`); addText(`${w}${w}x`); addText(`x ${w}`); addText(w);
}
for (const c of controls) { addText(`a${c}b`); addText(`${c} word`); }
for (const z of zeroWidth) { addText(`zero${z}width`); addText(`${z}start`); addText(`a ${z} b`); }
for (let n = 1; n <= 30; n++) { addText(`a${' '.repeat(n)}b`); addText(`${' '.repeat(n)}x`); addText(`x${' '.repeat(n)}`); }
for (const s of specials) {
  for (const t of [`${s}`, ` ${s} `, `a ${s} b`, `a${s}b`, `${s}${s}`, `  ${s}`, `\t${s}`, `x\u00a0${s}`]) addText(t);
}
for (const a of accentedNfc) { addText(a); addText(a.normalize('NFD')); addText(`${a} ${a.normalize('NFD')} ${a.normalize('NFKD')}`); }
addWords(['Hello', 'world']);
addWords([]);
addWords(['']);
addWords(['', 'a', '']);
addWords([' ', '  ', 'x y', '[MASK]', ' [MASK]', '\ud800', '日本', 'e\u0301']);

const generators = [
  [900, () => slice(licenses, 1, 2000)],
  [500, () => slice(headers, 1, 1500)],
  [250, () => slice(copyrights, 1, 1200)],
  [300, () => slice(logs, 1, 1500)],
  [200, () => JSON.stringify(randomJsonValue(0), null, rand() < 0.5 ? 2 : 0)],
  [200, () => Array.from({ length: randInt(1, 3) }, randomUrl).join(pick([' ', '\n', ', ']))],
  [150, () => Array.from({ length: randInt(1, 8) }, lsLine).join('\n') + (rand() < 0.5 ? '\n' : '')],
  [400, whitespaceMix],
  [150, () => Array.from({ length: randInt(1, 4) }, () => pick(accentedNfc)).map((a) => (rand() < 0.5 ? a.normalize('NFD') : a)).join(' ')],
  [150, () => Array.from({ length: randInt(1, 4) }, () => pick(cjk)).join(pick(['', ' ', '\n', '　']))],
  [150, () => Array.from({ length: randInt(1, 6) }, () => pick(emoji)).join(pick(['', ' ', 'x']))],
  [150, () => Array.from({ length: randInt(1, 3) }, () => pick(rtl)).join(' ')],
  [200, combiningSoup],
  [100, () => `${wordish()}${pick(zeroWidth)}${wordish()} ${pick(zeroWidth)}${pick(zeroWidth)} ${wordish()}`],
  [100, () => `${wordish()}${pick(['\ud800', '\udbff', '\udc00', '\udfff', '\ud800\ud800', '\udc00\ud800'])}${pick(['', ' ', 'x', '\u0301'])}`],
  [150, () => `${wordish()}${pick(controls)}${pick(controls)}${wordish()} ${pick(controls)}`],
  [350, specialsInText],
  [400, mixed],
  [300, () => codePointSoup(randInt(1, 40))],
];
for (const [count, gen] of generators) for (let i = 0; i < count; i++) addText(gen(), rand() < 0.85);

// Word lists: whitespace-split real text and synthetic words.
const splitWords = (t) => t.split(/\s+/).filter((w) => w.length > 0);
for (let i = 0; i < 300; i++) addWords(splitWords(slice(licenses, 1, 800)), rand() < 0.9);
for (let i = 0; i < 100; i++) addWords(splitWords(slice(headers, 1, 600)));
for (let i = 0; i < 200; i++) addWords(splitWords(mixed()).concat(rand() < 0.3 ? [' '.repeat(randInt(1, 5))] : []));
for (let i = 0; i < 100; i++) addWords(Array.from({ length: randInt(1, 10) }, () => pick([wordish(), pick(specials), pick(emoji), pick(cjk), codePointSoup(2)])));

// Truncation (max_tokens counts the specials).
for (let i = 0; i < 60; i++) addText(slice(licenses, 50, 3000), true, pick([2, 3, 4, 5, 10, 17, 64, 128, 512]));
for (let i = 0; i < 20; i++) addText(slice(licenses, 50, 1000), false, pick([1, 2, 7, 33]));
for (let i = 0; i < 40; i++) addWords(splitWords(slice(licenses, 50, 2000)), true, pick([2, 3, 9, 64, 512]));
addText(slice(licenses, 5000, 6000), true, 512);

// ---- the oracle ----
const tok = tk.Tokenizer.fromFile(tokenizerPath);
const clsId = tok.tokenToId('[CLS]');
const sepId = tok.tokenToId('[SEP]');

async function encodeText(input) {
  if (input.max_tokens > 0) tok.setTruncation(input.max_tokens);
  else tok.disableTruncation();
  const e = await tok.encode(input.text, null, { addSpecialTokens: input.add_special_tokens });
  return { ids: e.getIds(), word_ids: e.getWordIds().map((w) => (w === undefined ? null : w)) };
}

async function encodeWords(input) {
  tok.disableTruncation();
  let ids = [];
  let wordIds = [];
  for (let i = 0; i < input.words.length; i++) {
    const e = await tok.encode(input.words[i], null, { addSpecialTokens: false });
    ids = ids.concat(e.getIds());
    wordIds = wordIds.concat(e.getIds().map(() => i));
  }
  const specialCount = input.add_special_tokens ? 2 : 0;
  if (input.max_tokens > 0) {
    ids = ids.slice(0, input.max_tokens - specialCount);
    wordIds = wordIds.slice(0, input.max_tokens - specialCount);
  }
  if (input.add_special_tokens) {
    ids = [clsId, ...ids, sepId];
    wordIds = [null, ...wordIds, null];
  }
  return { ids, word_ids: wordIds };
}

const lines = [];
for (const input of inputs) {
  const result = input.kind === 'text' ? await encodeText(input) : await encodeWords(input);
  lines.push(JSON.stringify({ ...input, ...result }));
}
fs.mkdirSync(path.dirname(outPath), { recursive: true });
const gz = zlib.gzipSync(Buffer.from(lines.join('\n') + '\n', 'utf8'), { level: 9 });
fs.writeFileSync(outPath, gz);
console.log(`wrote ${inputs.length} inputs to ${outPath} (${gz.length} bytes gzip)`);
