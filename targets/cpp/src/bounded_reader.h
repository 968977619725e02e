// An ncnn DataReader over a memory buffer that never reads past its end (ncnn's own
// DataReaderFromMemory has no size), so a truncated or foreign buffer fails to load
// instead of reading out of bounds. Weights are referenced in place (zero-copy).
//
// pad_short_reads (for weights): a read past the end is served as zeros and remembered
// (ran_short()). ncnn 2022's Net::load_model goes on to create_pipeline every layer after
// one layer's weights failed to load, which crashes on the empty weights; zero weights
// load safely, and the caller then rejects the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "datareader.h"

namespace edgeface {
namespace detail {

class BoundedReader : public ncnn::DataReader {
 public:
  BoundedReader(const unsigned char* data, size_t size, bool pad_short_reads = false)
      : data_(data), size_(size), pad_(pad_short_reads) {}
  size_t read(void* buf, size_t size) const override {
    if (size > size_ - pos_) {
      if (!pad_) return 0;
      const size_t have = size_ - pos_;
      std::memcpy(buf, data_ + pos_, have);
      std::memset((unsigned char*)buf + have, 0, size - have);
      pos_ = size_;
      short_ = true;
      return size;
    }
    std::memcpy(buf, data_ + pos_, size);
    pos_ += size;
    return size;
  }
  size_t reference(size_t size, const void** buf) const override {
    if (size > size_ - pos_) {
      if (!pad_) return 0;
      zeros_.emplace_back((size + 3) / 4, 0u);
      *buf = zeros_.back().data();
      pos_ = size_;
      short_ = true;
      return size;
    }
    *buf = data_ + pos_;
    pos_ += size;
    return size;
  }
  size_t consumed() const { return pos_; }
  bool ran_short() const { return short_; }

 private:
  const unsigned char* data_;
  size_t size_;
  bool pad_;
  mutable size_t pos_ = 0;
  mutable bool short_ = false;
  mutable std::vector<std::vector<uint32_t>> zeros_;  // stand-in weights, alive with the net
};

}  // namespace detail
}  // namespace edgeface
