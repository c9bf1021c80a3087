// FileMap (file_map.h): guarded read-only file mappings.
#include "engine/file_map.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace tessera {

namespace {

// The live mappings, for the SIGBUS handler: lock-free slots (a handler may not lock). A mapping
// that finds no free slot is not made (the caller reads instead).
struct MapSlot {
  std::atomic<uintptr_t> lo{0}, hi{0};
  std::atomic<int> hit{0};
};
constexpr int kMapSlots = 256;
MapSlot gSlots[kMapSlots];
struct sigaction gOldBus;
std::once_flag gBusOnce;
bool gBusInstalled = false;
uintptr_t gPageSize = 4096;  // read at install: sysconf is not async-signal-safe

void onBus(int sig, siginfo_t* si, void* uc) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(si->si_addr);
  for (MapSlot& s : gSlots) {
    const uintptr_t hi = s.hi.load(std::memory_order_acquire);
    if (hi != 0 && a >= s.lo.load(std::memory_order_acquire) && a < hi) {
      // a zero page over the one past the file's new end: the reader goes on, shrank() reports it
      void* page = reinterpret_cast<void*>(a & ~(gPageSize - 1));
      if (::mmap(page, gPageSize, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
        s.hit.store(1, std::memory_order_release);
        return;
      }
      break;
    }
  }
  // not one of ours: the previous disposition (the default one re-faults and terminates)
  if (gOldBus.sa_flags & SA_SIGINFO) {
    if (gOldBus.sa_sigaction) gOldBus.sa_sigaction(sig, si, uc);
    return;
  }
  if (gOldBus.sa_handler == SIG_DFL || gOldBus.sa_handler == SIG_IGN) {
    ::signal(SIGBUS, SIG_DFL);
    return;
  }
  gOldBus.sa_handler(sig);
}

bool installBusHandler() {
  std::call_once(gBusOnce, [] {
    gPageSize = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    struct sigaction sa {};
    sa.sa_sigaction = onBus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    gBusInstalled = ::sigaction(SIGBUS, &sa, &gOldBus) == 0;
  });
  return gBusInstalled;
}

int claimSlot(uintptr_t lo, uintptr_t hi) {
  for (int i = 0; i < kMapSlots; ++i) {
    MapSlot& s = gSlots[i];
    uintptr_t zero = 0;
    if (s.lo.load(std::memory_order_relaxed) == 0 && s.lo.compare_exchange_strong(zero, lo)) {
      s.hit.store(0, std::memory_order_relaxed);
      s.hi.store(hi, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

}  // namespace

bool FileMap::map(int fd, int64_t offset, size_t len, bool populate) {
  reset();
  if (len == 0 || offset < 0 || !installBusHandler()) return false;
  const int64_t pg = ::sysconf(_SC_PAGESIZE);
  const int64_t start = offset / pg * pg;
  const size_t fileLen = static_cast<size_t>(offset - start) + len;
  const size_t rounded = (fileLen + static_cast<size_t>(pg) - 1) / static_cast<size_t>(pg) * static_cast<size_t>(pg);
  // reserve the file's pages and one zero page after them, then map the file over the start
  const size_t total = rounded + static_cast<size_t>(pg);
  void* r = ::mmap(nullptr, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) return false;
  char* base = static_cast<char*>(r);
  // the slot first: a page of the range may fault as soon as it is mapped (MAP_POPULATE)
  const int slot = claimSlot(reinterpret_cast<uintptr_t>(base), reinterpret_cast<uintptr_t>(base + rounded));
  if (slot < 0 || ::mmap(base, fileLen, PROT_READ, MAP_PRIVATE | MAP_FIXED | (populate ? MAP_POPULATE : 0), fd, start) == MAP_FAILED) {
    if (slot >= 0) {
      gSlots[slot].hi.store(0, std::memory_order_release);
      gSlots[slot].lo.store(0, std::memory_order_release);
    }
    ::munmap(r, total);
    return false;
  }
  base_ = base;
  total_ = total;
  slot_ = slot;
  data_ = base + (offset - start);
  len_ = len;
  return true;
}

bool FileMap::shrank() const { return slot_ >= 0 && gSlots[slot_].hit.load(std::memory_order_acquire) != 0; }

void FileMap::reset() {
  if (!base_) return;
  // the slot before the unmap: only the owner reads the mapping (and it is here), and once
  // unmapped the addresses may be reused by someone else's mapping, whose faults are not ours
  gSlots[slot_].hi.store(0, std::memory_order_release);
  gSlots[slot_].lo.store(0, std::memory_order_release);
  ::munmap(base_, total_);
  base_ = nullptr;
  total_ = 0;
  data_ = nullptr;
  len_ = 0;
  slot_ = -1;
}

}  // namespace tessera
