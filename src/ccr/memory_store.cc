// The in-process CCR backend: a map under a mutex.
#include <algorithm>
#include <cstdint>
#include <mutex>
#include <tuple>
#include <unordered_map>

#include "ccr/eviction.h"
#include "kompress/ccr.h"

namespace kompress::ccr {
namespace {

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(StoreOptions options) : options_(std::move(options)) {
    detail::check_options(options_);
  }

  std::string put(const Entry& entry) override {
    Entry stored = entry;
    stored.key = content_key(entry.original);
    stored.created_at = detail::now(options_);
    stored.ttl_seconds = options_.ttl_seconds;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(stored.key);
    if (it != entries_.end()) {
      stored.retrieval_count = it->second.entry.retrieval_count;
      it->second = Slot{std::move(stored), next_seq_++};
      return it->second.entry.key;
    }
    stored.retrieval_count = 0;
    std::string key = stored.key;
    evict_for_one_more(stored.created_at);
    entries_.emplace(key, Slot{std::move(stored), next_seq_++});
    return key;
  }

  Lookup get(std::string_view key) override {
    std::lock_guard lock(mutex_);
    Lookup out;
    Slot* slot = find(key);
    out.status = status_of(slot);
    if (out.status == Status::kOk) {
      ++slot->entry.retrieval_count;
      out.entry = slot->entry;
    }
    return out;
  }

  Status peek(std::string_view key) override {
    std::lock_guard lock(mutex_);
    return status_of(find(key));
  }

  std::size_t size() override {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  void clear() override {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }

  std::string describe() const override { return "memory"; }

 private:
  struct Slot {
    Entry entry;
    uint64_t seq;  // insertion order, to break ties between equal creation times
  };

  Slot* find(std::string_view key) {
    auto it = entries_.find(normalize_key(key).value_or(""));
    return it == entries_.end() ? nullptr : &it->second;
  }

  Status status_of(const Slot* slot) const {
    if (slot == nullptr) return Status::kMissing;
    const double now = detail::now(options_);
    return detail::is_expired(slot->entry.created_at, slot->entry.ttl_seconds, now)
               ? Status::kExpired
               : Status::kOk;
  }

  // Makes room for one new entry: expired entries go first, then the oldest.
  void evict_for_one_more(double now) {
    while (entries_.size() >= options_.capacity) {
      auto victim = std::min_element(entries_.begin(), entries_.end(), [&](auto& a, auto& b) {
        return eviction_rank(a.second, now) < eviction_rank(b.second, now);
      });
      entries_.erase(victim);
    }
  }

  static std::tuple<int, double, uint64_t> eviction_rank(const Slot& slot, double now) {
    const bool expired = detail::is_expired(slot.entry.created_at, slot.entry.ttl_seconds, now);
    return {expired ? 0 : 1, slot.entry.created_at, slot.seq};
  }

  const StoreOptions options_;
  std::mutex mutex_;
  std::unordered_map<std::string, Slot> entries_;
  uint64_t next_seq_ = 0;
};

}  // namespace

std::unique_ptr<Store> make_memory_store(const StoreOptions& options) {
  return std::make_unique<MemoryStore>(options);
}

}  // namespace kompress::ccr
