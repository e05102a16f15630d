// ONNX Runtime's rows of `kompress bench`: an ONNX export of the same Kompress weights run
// through ONNX Runtime's C API. The library is opened at run time (dlopen + OrtGetApiBase), so
// the build needs only its headers and `kompress` runs where ONNX Runtime is absent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/bench_measure.h"

namespace kompress::cli {

// Why ONNX Runtime rows cannot be measured by this build ("" when they can): the headers were
// absent when it was configured.
std::string onnxruntime_unavailable_reason();

// Opens `library`, creates a session of `model` (inputs input_ids + attention_mask int64
// [batch, seq], output final_scores) with every graph optimization, `threads` intra-op threads
// and spinning only when `spin`, and times it with time_calls; batches are right-padded with
// `pad_id`. load_ms covers opening the library and creating the session.
BenchRow measure_onnxruntime(const std::string& library, const std::string& model, int threads,
                             bool spin, const std::vector<Chunk>& chunks, int batch, int passes,
                             int64_t pad_id);

}  // namespace kompress::cli
