// Encode JSON lines {"text"} or {"words"} from stdin with the npm oracle; print {"ids"} lines.
//   node oracle_encode.mjs NPM_DIR TOKENIZER_JSON < in.jsonl > out.jsonl
// Words are encoded one by one without specials (is_split_into_words), then wrapped in [CLS] [SEP].
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";

const [npmDir, tokPath] = process.argv.slice(2);
const tk = createRequire(path.resolve(npmDir, "package.json"))("@anush008/tokenizers");
const tok = tk.Tokenizer.fromFile(tokPath);
const cls = tok.tokenToId("[CLS]"), sep = tok.tokenToId("[SEP]");
for await (const line of readline.createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const input = JSON.parse(line);
  let ids;
  if (input.words) {
    ids = [cls];
    for (const w of input.words) ids.push(...(await tok.encode(w, null, { addSpecialTokens: false })).getIds());
    ids.push(sep);
  } else {
    ids = (await tok.encode(input.text)).getIds();
  }
  process.stdout.write(JSON.stringify({ ids }) + "\n");
}
