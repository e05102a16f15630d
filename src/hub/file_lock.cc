#include "hub/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "kompress/error.h"

namespace kompress::hub::detail {

FileLock::FileLock(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path.string() + ": cannot create lock file: " + std::strerror(errno));
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      const int err = errno;
      ::close(fd_);
      throw Error(path.string() + ": cannot lock: " + std::strerror(err));
    }
  }
}

FileLock::~FileLock() { ::close(fd_); }  // closing releases the lock

}  // namespace kompress::hub::detail
