// An in-process LRU of recent results, bounded in bytes, so that compressing the same text with
// the same model and options again costs no model call.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "kompress/compressor.h"

namespace kompress::compress {

class ResultCache {
 public:
  explicit ResultCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The result under `key`, now the most recent; null when absent.
  std::shared_ptr<const Result> find(const std::string& key);

  // Inserts or replaces; evicts least recently used results beyond the byte bound. A result
  // larger than the whole bound is not kept.
  void insert(const std::string& key, std::shared_ptr<const Result> result);

  void erase(const std::string& key);

  std::size_t bytes() const;
  std::size_t entries() const;

  // Approximate heap footprint of a cached result under `key`.
  static std::size_t footprint(const std::string& key, const Result& result);

 private:
  struct Node {
    std::string key;
    std::shared_ptr<const Result> result;
    std::size_t bytes;
  };
  using List = std::list<Node>;

  void erase_locked(List::iterator it);

  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  List lru_;  // most recent first
  std::unordered_map<std::string, List::iterator> index_;
  std::size_t bytes_ = 0;
};

}  // namespace kompress::compress
