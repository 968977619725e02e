// edgeface C++ face embedder: loads an ncnn face model and turns a camera frame (plus five
// face landmarks) or an aligned face crop into an L2-normalised embedding.
//
// Errors: every C++ entry point throws edgeface::Error, whose status() says what kind of
// failure it is and whose what() is one line naming the file or argument at fault. The
// C functions at the end return the same Status as an int (0 = Ok) and copy the message
// into a caller buffer instead. Nothing here aborts on bad input.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgeface/model_spec.h"

#if defined(__ANDROID__)
struct AAssetManager;
#endif

namespace ncnn {
class Net;
}

namespace edgeface {

// Pixel layouts of embed()'s input. NV21 is Android's camera default: a full-resolution Y
// plane (stride_bytes per row) followed by an interleaved V/U plane at half resolution with
// the same stride; width and height must be even.
enum class PixelFormat { RGB = 0, BGR = 1, RGBA = 2, BGRA = 3, NV21 = 4 };

enum class Status {
  Ok = 0,
  InvalidArgument,   // null pointer, bad stride, unknown format, bad spec, degenerate landmarks
  ModelLoadFailed,   // file missing or unreadable, not an ncnn model, blobs of the spec not found
  ImageTooSmall,     // image smaller than the model input (crop) or than 2x2 (with landmarks)
  LandmarksOutside,  // a landmark outside the image (or not a finite number)
  BufferTooSmall,    // pixel buffer (or output array) smaller than its dimensions need
  Internal,          // ncnn failed during inference, or the output size is not the spec's
};

const char* status_name(Status s);

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

struct Options {
  int num_threads = 1;   // ncnn threads per embed() call
  bool lightmode = true; // free intermediate blobs as soon as possible
  // Let ncnn use FP16 storage and arithmetic where the CPU has them (armv8.2 phones): faster,
  // but embeddings then differ from FP32 (cosine ~0.999). Off: the FP32 model computes in FP32.
  bool fp16 = false;
};

class Embedder {
 public:
  // From files: `param_path` is a text .param (blobs by spec.input_name/output_name) or a
  // binary .param.bin (by spec.input_blob/output_blob; chosen by the ".bin" suffix).
  static std::unique_ptr<Embedder> from_files(const edgeface_model_spec& spec, const std::string& param_path,
                                              const std::string& bin_path, const Options& options = {});
  // From memory: a .param.bin and a .bin image (e.g. the arrays of edgeface emit's .mem.h).
  // Both buffers must be 4-byte aligned and outlive the Embedder (ncnn reads them in place).
  static std::unique_ptr<Embedder> from_memory(const edgeface_model_spec& spec, const unsigned char* param_bin,
                                               size_t param_bin_size, const unsigned char* bin, size_t bin_size,
                                               const Options& options = {});
#if defined(__ANDROID__)
  // From the APK's assets: a .param.bin and a .bin asset.
  static std::unique_ptr<Embedder> from_assets(const edgeface_model_spec& spec, AAssetManager* mgr,
                                               const std::string& param_bin_asset, const std::string& bin_asset,
                                               const Options& options = {});
#endif
  ~Embedder();
  Embedder(const Embedder&) = delete;
  Embedder& operator=(const Embedder&) = delete;

  // landmarks5: nullptr when the image already is an aligned crop of the model's input size;
  // else 10 floats x0,y0,...,x4,y4 (left eye, right eye, nose, left and right mouth corner)
  // in pixel coordinates, and the face is warped to the ArcFace template scaled to the
  // model's input, as tools/align does. Returns the L2-normalised embedding.
  // Thread-safe: concurrent calls on one Embedder are fine (each runs its own extractor).
  std::vector<float> embed(const unsigned char* pixels, int width, int height, int stride_bytes, PixelFormat format,
                           const float* landmarks5) const;
  // Same, and also checks that the buffer holds `buffer_size` bytes, enough for the image
  // (BufferTooSmall otherwise): for callers that know the size (Java arrays, files).
  std::vector<float> embed(const unsigned char* pixels, size_t buffer_size, int width, int height, int stride_bytes,
                           PixelFormat format, const float* landmarks5) const;

  int embedding_size() const;
  const edgeface_model_spec& spec() const;

 private:
  struct Impl;
  explicit Embedder(std::unique_ptr<Impl> impl);
  std::vector<float> embed_checked(const unsigned char* pixels, size_t buffer_size, int width, int height, int stride_bytes,
                                   PixelFormat format, const float* landmarks5) const;
  std::unique_ptr<Impl> impl_;
};

// Cosine similarity of two embeddings (any scale); InvalidArgument if sizes differ or are 0.
float cosine(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace edgeface

// C ABI for FFI (Swift, JNI, Python ctypes): return a Status as int (0 = Ok) and write a
// one-line message into err (err may be null; err_size counts the terminating NUL).
extern "C" {
typedef struct edgeface_embedder edgeface_embedder;
int edgeface_open_memory(const edgeface_model_spec* spec, const unsigned char* param_bin, size_t param_bin_size,
                         const unsigned char* bin, size_t bin_size, int num_threads, edgeface_embedder** out,
                         char* err, size_t err_size);
int edgeface_open_files(const edgeface_model_spec* spec, const char* param_path, const char* bin_path,
                        int num_threads, edgeface_embedder** out, char* err, size_t err_size);
int edgeface_embed(const edgeface_embedder* embedder, const unsigned char* pixels, int w, int h, int stride,
                   int format /* PixelFormat as int */, const float* landmarks5, float* out, int out_size, char* err,
                   size_t err_size);
int edgeface_embedding_size(const edgeface_embedder* embedder);
void edgeface_close(edgeface_embedder* embedder);
}
