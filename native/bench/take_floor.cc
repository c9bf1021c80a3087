// The physical floor of bench/indexing.bench.ts's (g2) row, p.take(idx, { axis: 0 }).compute() of
// 8000 random rows of an 8000^2 float64 array: what writing a 512 MB gather costs with no engine
// around it. Standalone (no tessera code):
//   g++ -O2 -std=c++17 -pthread native/bench/take_floor.cc -o /tmp/take_floor && /tmp/take_floor
// Each line copies the same 8000 random 64 KB rows (the bench's row list) on 1 and 2 threads
// (median of 9 runs, wall and process CPU time), into
//   fresh:  a new mmap per run with MADV_HUGEPAGE, unmapped after (what a new compute() result is,
//           and what NumPy's np.take pays: the kernel zeroes every 2 MiB page on first touch);
//   reused: the same already-faulted buffer every run (no page faults: a pooled result);
// with memcpy, or with 16-byte non-temporal stores (engine/gather.cc copyRun); `+16` offsets the
// destination by 16 bytes, the alignment of a JS ArrayBuffer's data (calloc).
#include <emmintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

namespace {

double wallMs() { return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double cpuMs() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

void streamCopy(char* d, const char* s, size_t n) {
  const size_t head = std::min(n, (16 - (reinterpret_cast<uintptr_t>(d) & 15)) & 15);
  std::memcpy(d, s, head);
  d += head, s += head, n -= head;
  size_t i = 0;
  for (; i + 64 <= n; i += 64)
    for (int k = 0; k < 64; k += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + i + k), _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i + k)));
  std::memcpy(d + i, s + i, n - i);
}

constexpr size_t kN = 8000, kRow = kN * 8, kBytes = kN * kRow;

char* map(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  madvise(p, bytes, MADV_HUGEPAGE);
  return static_cast<char*>(p);
}

void run(const char* src, const std::vector<size_t>& idx, int threads, bool reuse, bool stream, size_t offset) {
  char* kept = reuse ? map(kBytes + 4096) : nullptr;
  if (kept) std::memset(kept, 0, kBytes + 4096);
  std::vector<double> wall, cpu;
  for (int it = 0; it < 11; ++it) {
    char* base = kept ? kept : map(kBytes + 4096);
    char* dst = base + offset;
    const double c0 = cpuMs(), t0 = wallMs();
    auto work = [&](size_t lo, size_t hi) {
      for (size_t r = lo; r < hi; ++r) {
        if (stream) streamCopy(dst + r * kRow, src + idx[r] * kRow, kRow);
        else std::memcpy(dst + r * kRow, src + idx[r] * kRow, kRow);
      }
      _mm_sfence();
    };
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k) pool.emplace_back(work, kN * k / threads, kN * (k + 1) / threads);
    for (auto& t : pool) t.join();
    const double t1 = wallMs(), c1 = cpuMs();
    if (!kept) munmap(base, kBytes + 4096);
    if (it >= 2) wall.push_back(t1 - t0), cpu.push_back(c1 - c0);
  }
  if (kept) munmap(kept, kBytes + 4096);
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("%d thread%s %-6s %-8s dst%-3s %7.1f ms wall %7.1f ms CPU\n", threads, threads > 1 ? "s" : " ", reuse ? "reused" : "fresh",
              stream ? "stream" : "memcpy", offset ? "+16" : "", wall[wall.size() / 2], cpu[cpu.size() / 2]);
}

}  // namespace

int main() {
  char* src = map(kBytes);
  std::memset(src, 1, kBytes);
  std::vector<size_t> idx(kN);
  for (size_t i = 0; i < kN; ++i)  // the bench's row list: ((imul(i + 1, 0x9e3779b1) >>> 0) % 1000003) / 1000003 * n
    idx[i] = static_cast<size_t>(static_cast<double>(static_cast<uint32_t>((i + 1) * 0x9e3779b1u) % 1000003u) / 1000003.0 * kN);
  for (int threads : {1, 2})
    for (bool reuse : {false, true})
      for (bool stream : {false, true}) run(src, idx, threads, reuse, stream, 16);
  run(src, idx, 1, false, false, 0);
  run(src, idx, 1, true, false, 0);
  return 0;
}
