// mapBlocks moved to src/array/blocks/ (module functions on worker threads, blockwise,
// mapOverlap, reduction); re-exported here so importers are unchanged.
export { mapBlocks, blockwise, type Block, type BlockFunction, type BlockInfo, type BlockLocation, type BlockResult, type BlockwiseOptions, type MapBlocksOptions } from '../blocks/map-blocks.js';
