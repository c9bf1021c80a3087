// A read-only mapping of a file range that survives the file shrinking under it (no napi.h).
// A plain mmap raises SIGBUS, which ends the process, when a page past the file's new end is
// touched; here a process-wide handler maps a zero page over the faulting one instead, the
// reader goes on over zeros, and shrank() tells the caller to throw away what it read and
// report the file. One readable zero page follows the range, so wide loads past the end stay in
// memory. Used by readCsv's blocks (dataframe/csv_io.cc) and Zarr/.npy chunk reads
// (storage/chunk_codec.cc).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera {

class FileMap {
 public:
  FileMap() = default;
  FileMap(const FileMap&) = delete;
  FileMap& operator=(const FileMap&) = delete;
  ~FileMap() { reset(); }
  // Maps [offset, offset + len) of the open file fd (len > 0; the range must lie inside the file
  // as it is now). populate: fault every page in now (whole-file reads). False if the mapping
  // cannot be made (the caller reads the file instead); nothing is then held.
  bool map(int fd, int64_t offset, size_t len, bool populate);
  const char* data() const { return data_; }
  size_t size() const { return len_; }
  bool mapped() const { return base_ != nullptr; }
  // true if the file shrank while mapped: what was read past its new end is zeros
  bool shrank() const;
  void reset();

 private:
  char* base_ = nullptr;
  size_t total_ = 0;
  const char* data_ = nullptr;
  size_t len_ = 0;
  int slot_ = -1;
};

}  // namespace tessera
