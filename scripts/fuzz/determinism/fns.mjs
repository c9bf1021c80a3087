// Block functions of the determinism fuzz (delayed.module(url, name)); the cluster's workers get
// this directory as their module root. Both are pure functions of the block's values, so their
// results do not depend on the chunking (`smooth` with mapOverlap's halo and trim).

/** 2x + 1, elementwise (mapBlocks). */
export function affine(x) {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 2 * x.data[i] + 1;
  return out;
}

/** 3-point moving mean along the last axis of a halo'd block (mapOverlap, depth 1 on that axis). */
export function smooth(x) {
  const c = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    const j = i % c;
    out[i] = j === 0 || j === c - 1 ? x.data[i] : (x.data[i - 1] + x.data[i] + x.data[i + 1]) / 3;
  }
  return out;
}
