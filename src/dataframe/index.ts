// tessera.dataframe: partitioned, columnar DataFrames (Dask's dask.dataframe model).
// (recipe.ts records the calls that make each frame, for client.compute on a cluster)
import './recipe.js';
export { DataFrame, Series, Lazy, Describe, Table, type DescribeOptions, type ReplaceValue, type ValueCountsOptions } from './frame.js';
export { type DType, StringDict } from './column.js';
export { type MapValue } from './expr.js';
export { readCsv, type ReadCsvOptions } from './csv.js';
export { type ToCsvOptions } from './write.js';
export { datasets, timeseries, NAMES, type TimeseriesOptions } from './timeseries.js';
export { GroupBy, type AggName, type AggSpec, type GroupByOptions, type GroupByResult } from './groupby.js';
export { concat, type ConcatOptions, type DropDuplicatesOptions, type RepartitionOptions, type ResetIndexOptions, type SampleOptions, type SetIndexOptions, type Division } from './rows.js';
export { type MapPartitionsOptions, type PartitionColumns, type PartitionFunction, type PartitionInfo, type PartitionResultColumn } from './partitions.js';
export { Resampler } from './resample.js';
