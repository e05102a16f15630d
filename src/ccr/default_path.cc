// The per-user location of the SQLite CCR database (XDG base directories).
#include <cstdlib>
#include <filesystem>

#include "kompress/ccr.h"
#include "kompress/error.h"

namespace kompress::ccr {

std::string default_sqlite_path() {
  namespace fs = std::filesystem;
  fs::path base;
  // The XDG spec says relative values are invalid and must be ignored.
  if (const char* xdg = std::getenv("XDG_DATA_HOME");
      xdg != nullptr && fs::path(xdg).is_absolute()) {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = fs::path(home) / ".local" / "share";
  } else {
    throw Error("ccr store: neither XDG_DATA_HOME nor HOME is set; pass a database path");
  }
  return (base / "kompress" / "ccr.sqlite3").string();
}

}  // namespace kompress::ccr
