// tessera.dataframe: partitioned, columnar DataFrames (Dask's dask.dataframe model).
export { DataFrame, Series, Lazy, Describe, Table, type DescribeOptions, type ReplaceValue } from './frame.js';
export { type DType, StringDict } from './column.js';
export { type MapValue } from './expr.js';
export { readCsv, type ReadCsvOptions } from './csv.js';
export { type ToCsvOptions } from './write.js';
export { datasets, timeseries, NAMES, type TimeseriesOptions } from './timeseries.js';
export { GroupBy, type AggName, type AggSpec } from './groupby.js';
export { concat, type ConcatOptions, type DropDuplicatesOptions, type RepartitionOptions, type ResetIndexOptions, type SampleOptions, type SetIndexOptions, type Division } from './rows.js';
export { type MapPartitionsOptions, type PartitionColumns, type PartitionFunction, type PartitionInfo, type PartitionResultColumn } from './partitions.js';
export { Resampler } from './resample.js';
