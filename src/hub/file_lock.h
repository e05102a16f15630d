// An exclusive flock(2) on a lock file, the kind huggingface_hub takes (.locks/.../<etag>.lock),
// so that two processes or threads never write the same partial download.
#pragma once

#include <filesystem>

namespace kompress::hub::detail {

class FileLock {
 public:
  // Creates the file and its folder when missing and waits for the lock. Throws kompress::Error
  // when the file cannot be created (a read-only cache).
  explicit FileLock(const std::filesystem::path& path);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  int fd_ = -1;
};

}  // namespace kompress::hub::detail
