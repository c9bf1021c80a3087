// One reduction partial: what a run of elements, a task or a chunk contributes to one output
// element before the partials are combined (reduce.h) and finalized. Internal to the executor.
#pragma once

namespace tessera::detail {

// Sum/Prod/Min/Max/Mean keep one running `value` (for Mean the raw sum). Var/Std keep Chan's
// triple (count, mean, m2). Three doubles on purpose: a stage holds one per (output element,
// chunk), and validate.cc budgets those slots at 24 bytes each.
struct Partial {
  union {
    double value;  // Sum, Prod, Min, Max, Mean
    double count;  // Var, Std: elements seen
  };
  double mean;  // Var, Std
  double m2;    // Var, Std: sum of squared deviations from mean
};

}  // namespace tessera::detail
