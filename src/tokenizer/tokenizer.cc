// kompress::Tokenizer: runs the stages of tokenizer_json.h in Hugging Face's order.
#include "kompress/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "kompress/error.h"
#include "text/utf8.h"
#include "tokenizer/tokenizer_json.h"

namespace kompress {

struct Tokenizer::Impl {
  std::unique_ptr<tokenizer::Pipeline> pipeline;

  // Appends the tokens of `text` (valid UTF-8) to `out`. Each pre-tokenizer split, added
  // tokens included, takes the next value of `word`, unless `fixed_word` >= 0 names the word.
  void encode_into(std::string_view text, Encoding& out, int32_t& word, int32_t fixed_word) const;
  Encoding finish(Encoding content, const EncodeOptions& options) const;
};

namespace {

// Scratch buffers reused across calls on one thread, so that encoding allocates little.
struct Scratch {
  std::vector<tokenizer::Segment> raw;
  std::vector<tokenizer::Segment> normalized;
  std::vector<tokenizer::Span> pieces;
  std::string normalized_text;
  std::string prefixed;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

void Tokenizer::Impl::encode_into(std::string_view text, Encoding& out, int32_t& word,
                                  int32_t fixed_word) const {
  const tokenizer::Pipeline& p = *pipeline;
  Scratch& s = thread_scratch();
  // Gives the tokens appended since the last call the current word id. A split that
  // produced no token still takes its index, as in Hugging Face.
  auto emit_word = [&] {
    out.word_ids.resize(out.ids.size(), fixed_word >= 0 ? fixed_word : word);
    ++word;
  };

  s.raw.clear();
  p.added.split(text, /*normalized_set=*/false, s.raw);
  for (const tokenizer::Segment& raw : s.raw) {
    if (raw.id >= 0) {
      out.ids.push_back(raw.id);
      emit_word();
      continue;
    }
    const std::string_view piece = text.substr(raw.span.begin, raw.span.end - raw.span.begin);
    const std::string_view normalized = p.normalizer.apply(piece, s.normalized_text);
    s.normalized.clear();
    p.added.split(normalized, /*normalized_set=*/true, s.normalized);
    for (const tokenizer::Segment& seg : s.normalized) {
      if (seg.id >= 0) {
        out.ids.push_back(seg.id);
        emit_word();
        continue;
      }
      std::string_view sub = normalized.substr(seg.span.begin, seg.span.end - seg.span.begin);
      if (p.pre_tokenizer.add_prefix_space() && sub.front() != ' ') {
        s.prefixed.assign(1, ' ');
        s.prefixed.append(sub);
        sub = s.prefixed;
      }
      s.pieces.clear();
      p.pre_tokenizer.split(sub, s.pieces);
      for (const tokenizer::Span& span : s.pieces) {
        p.model.tokenize(sub.substr(span.begin, span.end - span.begin), out.ids);
        emit_word();
      }
    }
  }
}

Encoding Tokenizer::Impl::finish(Encoding content, const EncodeOptions& options) const {
  const std::size_t specials =
      options.add_special_tokens ? pipeline->post_processor.added_tokens() : 0;
  if (options.max_tokens != 0) {
    if (options.max_tokens < specials) {
      throw Error("tokenizer: max_tokens " + std::to_string(options.max_tokens) +
                  " leaves no room for the " + std::to_string(specials) + " special tokens");
    }
    const std::size_t keep = options.max_tokens - specials;
    if (content.ids.size() > keep) {
      content.ids.resize(keep);
      content.word_ids.resize(keep);
    }
  }
  if (specials == 0) return content;
  Encoding out;
  pipeline->post_processor.apply(content, out);
  return out;
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open tokenizer file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw Error(path + ": cannot read tokenizer file");
  return from_json(buffer.str(), path);
}

Tokenizer Tokenizer::from_json(std::string_view json, std::string_view origin) {
  auto impl = std::make_unique<Impl>();
  impl->pipeline = tokenizer::parse_tokenizer_json(json, origin);
  return Tokenizer(std::move(impl));
}

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions& options) const {
  if (auto bad = text::find_invalid_utf8(text)) {
    throw Error("tokenizer input: invalid UTF-8 at byte offset " + std::to_string(*bad));
  }
  Encoding content;
  content.ids.reserve(text.size() / 3 + 4);
  int32_t word = 0;
  impl_->encode_into(text, content, word, -1);
  return impl_->finish(std::move(content), options);
}

Encoding Tokenizer::encode_words(std::span<const std::string_view> words,
                                 const EncodeOptions& options) const {
  Encoding content;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (auto bad = text::find_invalid_utf8(words[i])) {
      throw Error("tokenizer input: word " + std::to_string(i) + ": invalid UTF-8 at byte offset " +
                  std::to_string(*bad));
    }
    int32_t ignored = 0;
    impl_->encode_into(words[i], content, ignored, static_cast<int32_t>(i));
  }
  return impl_->finish(std::move(content), options);
}

int32_t Tokenizer::token_to_id(std::string_view token) const {
  const int32_t added = impl_->pipeline->added.token_to_id(token);
  return added >= 0 ? added : impl_->pipeline->model.token_to_id(token);
}

std::size_t Tokenizer::vocab_size() const {
  int32_t max_id = impl_->pipeline->model.max_id();
  for (const auto& token : impl_->pipeline->added.tokens()) max_id = std::max(max_id, token.id);
  return static_cast<std::size_t>(max_id + 1);
}

std::size_t Tokenizer::num_special_tokens() const {
  return impl_->pipeline->post_processor.added_tokens();
}

}  // namespace kompress
