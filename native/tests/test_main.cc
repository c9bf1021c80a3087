// Runs every TEST registered by the test_*.cc files linked into tessera_tests.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "check.h"
#include "kernels/kernels.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  // TESSERA_ISA asks for kernels this CPU lacks: the dispatcher would fall back to another ISA
  // and this run would repeat that one's. Skip (ctest's SKIP_RETURN_CODE) and say why.
  const char* wanted = std::getenv("TESSERA_ISA");
  if (wanted && *wanted && std::strcmp(wanted, tessera::kernels::active().isa) != 0) {
    std::printf("isa %s: not supported by this CPU (dispatch chose %s); skipped\n", wanted,
                tessera::kernels::active().isa);
    return 77;
  }
  int run = 0;
  for (const auto& c : tessera_test::registry()) {
    if (filter && !std::strstr(c.name, filter)) continue;
    int before = tessera_test::failures();
    c.fn();
    ++run;
    std::printf("%s %s\n", tessera_test::failures() == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("isa %s: %d tests, %d failed checks\n", tessera::kernels::active().isa, run,
              tessera_test::failures());
  return tessera_test::failures() == 0 ? 0 : 1;
}
