#include "compress/result_cache.h"

namespace kompress::compress {

std::size_t ResultCache::footprint(const std::string& key, const Result& r) {
  return sizeof(Node) + 2 * key.size() + sizeof(Result) + r.compressed.size() + r.original.size() +
         r.cache_key.size() + r.model_used.size() + r.ccr_error.size() +
         r.words.size() * sizeof(WordDecision);
}

std::shared_ptr<const Result> ResultCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->result;
}

void ResultCache::insert(const std::string& key, std::shared_ptr<const Result> result) {
  const std::size_t size = footprint(key, *result);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
  if (size > max_bytes_) return;
  while (bytes_ + size > max_bytes_ && !lru_.empty()) erase_locked(std::prev(lru_.end()));
  lru_.push_front(Node{key, std::move(result), size});
  index_.emplace(key, lru_.begin());
  bytes_ += size;
}

void ResultCache::erase(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
}

void ResultCache::erase_locked(List::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

std::size_t ResultCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t ResultCache::entries() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace kompress::compress
