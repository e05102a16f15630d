// The post-processor: wraps one sequence with special tokens. TemplateProcessing's single
// template, BertProcessing and RobertaProcessing ([CLS] $A [SEP]), and the no-op ones
// (null, ByteLevel) reduce to "these ids before, these after".
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kompress/tokenizer.h"

namespace kompress::tokenizer {

class PostProcessor {
 public:
  PostProcessor() = default;  // adds nothing
  PostProcessor(std::vector<int32_t> prefix, std::vector<int32_t> suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)) {}

  // Number of special tokens added around one sequence.
  std::size_t added_tokens() const { return prefix_.size() + suffix_.size(); }

  // Wraps `content` (ids and word ids of one sequence) into `out`; specials get kNoWord.
  void apply(const Encoding& content, Encoding& out) const;

 private:
  std::vector<int32_t> prefix_;
  std::vector<int32_t> suffix_;
};

}  // namespace kompress::tokenizer
