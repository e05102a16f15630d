#include "tokenizer/post_processor.h"

namespace kompress::tokenizer {

void PostProcessor::apply(const Encoding& content, Encoding& out) const {
  const std::size_t n = added_tokens() + content.ids.size();
  out.ids.clear();
  out.word_ids.clear();
  out.ids.reserve(n);
  out.word_ids.reserve(n);
  out.ids.insert(out.ids.end(), prefix_.begin(), prefix_.end());
  out.ids.insert(out.ids.end(), content.ids.begin(), content.ids.end());
  out.ids.insert(out.ids.end(), suffix_.begin(), suffix_.end());
  out.word_ids.insert(out.word_ids.end(), prefix_.size(), kNoWord);
  out.word_ids.insert(out.word_ids.end(), content.word_ids.begin(), content.word_ids.end());
  out.word_ids.insert(out.word_ids.end(), suffix_.size(), kNoWord);
}

}  // namespace kompress::tokenizer
