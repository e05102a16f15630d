# Warning and sanitizer flags shared by every kompress target.
add_library(kompress_flags INTERFACE)
target_compile_options(kompress_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                       -Wno-sign-conversion)
# GCC 12 reports bogus -Wrestrict overlaps inside std::string concatenation at -O3 (GCC PR 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(kompress_flags INTERFACE -Wno-restrict)
endif()
if(KOMPRESS_WERROR)
  target_compile_options(kompress_flags INTERFACE -Werror)
endif()
if(KOMPRESS_SANITIZE)
  target_compile_options(kompress_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(kompress_flags INTERFACE -fsanitize=address,undefined)
endif()
if(KOMPRESS_FUZZ)
  # Coverage for libFuzzer plus ASan/UBSan in the library too; fuzz targets add -fsanitize=fuzzer.
  # Line tables are all the sanitizers' reports need; full debug info (RelWithDebInfo's -g, which
  # this follows and overrides) made the build a third slower.
  target_compile_options(kompress_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer -gline-tables-only)
  target_link_options(kompress_flags INTERFACE -fsanitize=address,undefined)
endif()
