// A program outside the project that uses the installed headers and library.
#include <kompress/error.h>
#include <kompress/tokenizer.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const auto tokenizer = kompress::Tokenizer::from_file(argv[1]);
  const auto encoding = tokenizer.encode("abc", {.add_special_tokens = false});
  std::printf("ids:");
  for (const int id : encoding.ids) std::printf(" %d", id);
  std::printf("\n");
  try {  // errors cross the library boundary as kompress::Error
    kompress::Tokenizer::from_json("not json", "inline");
  } catch (const kompress::Error& e) {
    std::printf("error names its origin: %s\n",
                std::string(e.what()).find("inline") == 0 ? "yes" : "no");
  }
  return 0;
}
