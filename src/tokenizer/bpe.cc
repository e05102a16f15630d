#include "tokenizer/bpe.h"

#include <algorithm>
#include <bit>
#include <cstdio>

#include "kompress/error.h"
#include "tokenizer/byte_level.h"

namespace kompress::tokenizer {

// Open-addressing hash map from a pair of ids to (rank, merged id): the BPE inner loop does
// one lookup per adjacent pair, so it avoids std::unordered_map's node chasing.
struct Bpe::MergeMap {
  struct Slot {
    uint64_t key = kEmpty;
    uint32_t rank = 0;
    int32_t merged = -1;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};

  std::vector<Slot> slots;
  uint64_t mask = 0;

  explicit MergeMap(std::size_t n) {
    const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, n * 2));
    slots.resize(capacity);
    mask = capacity - 1;
  }
  static uint64_t key_of(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  static uint64_t hash(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return key;
  }
  // A later duplicate of a pair replaces the earlier one, as a Rust HashMap collect does.
  void insert(int32_t a, int32_t b, uint32_t rank, int32_t merged) {
    const uint64_t key = key_of(a, b);
    for (uint64_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == kEmpty || slots[i].key == key) {
        slots[i] = {key, rank, merged};
        return;
      }
    }
  }
  const Slot* find(int32_t a, int32_t b) const {
    const uint64_t key = key_of(a, b);
    for (uint64_t i = hash(key) & mask;; i = (i + 1) & mask) {
      if (slots[i].key == key) return &slots[i];
      if (slots[i].key == kEmpty) return nullptr;
    }
  }
};

// Results per pre-token, in shards so that threads rarely wait on each other. A full shard
// is cleared: simple, bounded, and the frequent words come back at once.
struct Bpe::Cache {
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxEntriesPerShard = 4096;
  static constexpr std::size_t kMaxKeyBytes = 256;  // longer pre-tokens are rare: not cached

  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<int32_t>, TransparentHash, std::equal_to<>> map;
  };
  std::array<Shard, kShards> shards;

  Shard& shard_for(std::string_view key, std::size_t& hash) {
    hash = TransparentHash{}(key);
    return shards[(hash >> 7) % kShards];
  }
  bool get(std::string_view key, std::vector<int32_t>& out) {
    std::size_t hash = 0;
    Shard& shard = shard_for(key, hash);
    std::lock_guard lock(shard.mutex);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }
  void put(std::string_view key, const int32_t* ids, std::size_t n) {
    std::size_t hash = 0;
    Shard& shard = shard_for(key, hash);
    std::lock_guard lock(shard.mutex);
    if (shard.map.size() >= kMaxEntriesPerShard) shard.map.clear();
    shard.map.try_emplace(std::string(key), ids, ids + n);
  }
};

Bpe::Bpe(std::unordered_map<std::string, int32_t> vocab,
         const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
         std::string_view origin)
    : options_(std::move(options)),
      merges_(std::make_unique<MergeMap>(merges.size())),
      cache_(std::make_unique<Cache>()) {
  vocab_.reserve(vocab.size());
  for (auto& [token, id] : vocab) {
    max_id_ = std::max(max_id_, id);
    vocab_.emplace(token, id);
  }
  auto lookup = [this](std::string_view s) {
    auto it = vocab_.find(s);
    return it == vocab_.end() ? -1 : it->second;
  };
  for (std::size_t b = 0; b < 256; ++b) {
    const std::string one = byte_level_encode(std::string(1, static_cast<char>(b)));
    byte_ids_[b] = lookup(one);
    if (!options_.byte_fallback) continue;
    std::vector<int32_t> ids;
    for (const char c : one) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", static_cast<unsigned char>(c));
      const int32_t id = lookup(name);
      if (id < 0) {
        ids.clear();
        break;
      }
      ids.push_back(id);
    }
    fallback_ids_[b] = std::move(ids);
  }
  if (options_.unk_token) {
    unk_id_ = lookup(*options_.unk_token);
    if (unk_id_ < 0) {
      throw Error(std::string(origin) + ": unk_token '" + *options_.unk_token +
                  "' is not in the vocabulary");
    }
  }
  for (std::size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [a, b] = merges[rank];
    const int32_t id_a = lookup(a);
    const int32_t id_b = lookup(b);
    const int32_t merged = lookup(a + b);
    if (id_a < 0 || id_b < 0 || merged < 0) {
      const std::string& missing = id_a < 0 ? a : id_b < 0 ? b : a + b;
      throw Error(std::string(origin) + ": merge " + std::to_string(rank) + " ('" + a + "', '" + b +
                  "') uses '" + missing + "', which is not in the vocabulary");
    }
    merges_->insert(id_a, id_b, static_cast<uint32_t>(rank), merged);
  }
}

Bpe::~Bpe() = default;
Bpe::Bpe(Bpe&&) noexcept = default;
Bpe& Bpe::operator=(Bpe&&) noexcept = default;

int32_t Bpe::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

void Bpe::tokenize(std::string_view bytes, std::vector<int32_t>& out) const {
  if (bytes.empty()) return;
  if (options_.ignore_merges) {
    const int32_t id = token_to_id(byte_level_encode(bytes));
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  const bool cacheable = bytes.size() <= Cache::kMaxKeyBytes;
  if (cacheable && cache_->get(bytes, out)) return;
  const std::size_t first = out.size();
  merge_word(bytes, out);
  if (cacheable) cache_->put(bytes, out.data() + first, out.size() - first);
}

// One symbol per byte, as Hugging Face builds one per character of the byte-level spelling;
// bytes missing from the vocabulary take the byte-fallback ids, the unknown token (fused when
// asked) or vanish, in that order of preference.
void Bpe::initial_symbols(std::string_view bytes, std::vector<int32_t>& symbols) const {
  bool unk_pending = false;
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (byte_ids_[b] >= 0) {
      if (unk_pending) symbols.push_back(unk_id_);
      unk_pending = false;
      symbols.push_back(byte_ids_[b]);
      continue;
    }
    if (options_.byte_fallback && !fallback_ids_[b].empty()) {
      // Hugging Face emits these before a pending unknown token.
      symbols.insert(symbols.end(), fallback_ids_[b].begin(), fallback_ids_[b].end());
      continue;
    }
    if (unk_id_ < 0) continue;
    if (unk_pending && !options_.fuse_unk) symbols.push_back(unk_id_);
    unk_pending = true;
  }
  if (unk_pending) symbols.push_back(unk_id_);
}

void Bpe::merge_word(std::string_view bytes, std::vector<int32_t>& out) const {
  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    bool alive;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t merged;
    // Lowest rank first, then leftmost: the std heap functions pop the "largest".
    bool operator<(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };

  thread_local std::vector<int32_t> ids;
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap_storage;
  ids.clear();
  initial_symbols(bytes, ids);
  const auto n = static_cast<int32_t>(ids.size());
  symbols.clear();
  for (int32_t i = 0; i < n; ++i) {
    symbols.push_back({ids[static_cast<std::size_t>(i)], i - 1, i + 1 < n ? i + 1 : -1, true});
  }

  // A binary heap in a reused vector (std::priority_queue would free it every call).
  auto& queue = heap_storage;
  queue.clear();
  auto push = [](const Candidate& c) {
    heap_storage.push_back(c);
    std::push_heap(heap_storage.begin(), heap_storage.end());
  };
  for (int32_t i = 0; i + 1 < n; ++i) {
    const auto* m = merges_->find(symbols[static_cast<std::size_t>(i)].id,
                                  symbols[static_cast<std::size_t>(i) + 1].id);
    if (m) queue.push_back({m->rank, i, m->merged});
  }
  std::make_heap(queue.begin(), queue.end());
  auto sym = [](int32_t i) -> Symbol& { return symbols[static_cast<std::size_t>(i)]; };
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end());
    const Candidate top = queue.back();
    queue.pop_back();
    Symbol& left = sym(top.pos);
    if (!left.alive || left.next < 0) continue;
    const int32_t right_pos = left.next;
    const Symbol right = sym(right_pos);
    // Skip stale entries: the pair at this position changed since it was queued.
    const auto* current = merges_->find(left.id, right.id);
    if (current == nullptr || current->merged != top.merged) continue;
    left.id = top.merged;
    left.next = right.next;
    sym(right_pos).alive = false;
    if (right.next >= 0) sym(right.next).prev = top.pos;
    if (left.prev >= 0) {
      if (const auto* m = merges_->find(sym(left.prev).id, left.id)) {
        push({m->rank, left.prev, m->merged});
      }
    }
    if (left.next >= 0) {
      if (const auto* m = merges_->find(left.id, sym(left.next).id)) {
        push({m->rank, top.pos, m->merged});
      }
    }
  }
  for (const Symbol& s : symbols) {
    if (s.alive) out.push_back(s.id);
  }
}

}  // namespace kompress::tokenizer
