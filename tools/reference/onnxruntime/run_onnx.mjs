// Runs a Kompress ONNX model (inputs input_ids + attention_mask int64 [batch, seq], output
// final_scores) through ONNX Runtime's Node binding, for check_onnx_export.py.
// stdin: {"model": PATH, "sequences": [[ids...], ...], "pad_id": N, "threads": N}
// stdout: {"final_scores": [[...], ...]}, each cut to its sequence's length.
import * as ort from 'onnxruntime-node';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const session = await ort.InferenceSession.create(request.model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: request.threads ?? 1,
});
const longest = Math.max(...request.sequences.map((s) => s.length));
const batch = request.sequences.length;
const ids = new BigInt64Array(batch * longest).fill(BigInt(request.pad_id));
const mask = new BigInt64Array(batch * longest);
request.sequences.forEach((s, row) => {
  s.forEach((id, col) => {
    ids[row * longest + col] = BigInt(id);
    mask[row * longest + col] = 1n;
  });
});
const out = await session.run({
  input_ids: new ort.Tensor('int64', ids, [batch, longest]),
  attention_mask: new ort.Tensor('int64', mask, [batch, longest]),
});
const scores = out.final_scores.data;
const rows = request.sequences.map((s, row) =>
  Array.from(scores.subarray(row * longest, row * longest + s.length)));
process.stdout.write(JSON.stringify({final_scores: rows}) + '\n');
