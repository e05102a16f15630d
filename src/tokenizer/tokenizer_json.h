// Reads tokenizer.json (Hugging Face tokenizers' serialization) into the pipeline stages.
// Only byte-level BPE is supported: a BPE model behind the ByteLevel pre-tokenizer.
#pragma once

#include <memory>
#include <string_view>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"

namespace kompress::tokenizer {

// The stages, in the order the text goes through them.
struct Pipeline {
  AddedVocabulary added;
  Normalizer normalizer;
  ByteLevelPreTokenizer pre_tokenizer;
  Bpe model;
  PostProcessor post_processor;
};

// Parses tokenizer.json text. Throws kompress::Error "ORIGIN: problem" for text that is not
// JSON, misses a required field, or asks for a stage kompress does not implement.
std::unique_ptr<Pipeline> parse_tokenizer_json(std::string_view json, std::string_view origin);

}  // namespace kompress::tokenizer
