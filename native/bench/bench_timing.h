// Timing for the native microbenchmarks: thread CPU time (not wall time), since the machine is
// shared and noisy and time slices lost to other processes should not count.
#pragma once

#include <algorithm>
#include <ctime>
#include <functional>
#include <vector>

inline double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Median over `runs` runs of body's CPU time per element, after one warm-up run.
inline double medianNs(const std::function<void()>& body, double elements, int runs = 9) {
  std::vector<double> t;
  body();
  for (int r = 0; r < runs; ++r) {
    const double a = cpuNow();
    body();
    t.push_back((cpuNow() - a) / elements);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}
