// The C ABI of embedder.h: exceptions become status codes plus a message copied into the
// caller's buffer, so FFI callers never see a C++ exception cross the boundary.
#include <cstring>
#include <new>

#include "edgeface/embedder.h"

struct edgeface_embedder {
  std::unique_ptr<edgeface::Embedder> impl;
};

namespace {

void copy_message(const char* msg, char* err, size_t err_size) {
  if (!err || err_size == 0) return;
  std::strncpy(err, msg, err_size - 1);
  err[err_size - 1] = 0;
}

template <class F>
int guarded(char* err, size_t err_size, F&& body) {
  copy_message("", err, err_size);
  try {
    body();
    return 0;
  } catch (const edgeface::Error& e) {
    copy_message(e.what(), err, err_size);
    return (int)e.status();
  } catch (const std::bad_alloc&) {
    copy_message("out of memory", err, err_size);
    return (int)edgeface::Status::Internal;
  } catch (const std::exception& e) {
    copy_message(e.what(), err, err_size);
    return (int)edgeface::Status::Internal;
  }
}

int null_argument(const char* what, char* err, size_t err_size) {
  copy_message(what, err, err_size);
  return (int)edgeface::Status::InvalidArgument;
}

}  // namespace

extern "C" {

int edgeface_open_memory(const edgeface_model_spec* spec, const unsigned char* param_bin, size_t param_bin_size,
                         const unsigned char* bin, size_t bin_size, int num_threads, edgeface_embedder** out, char* err,
                         size_t err_size) {
  if (!spec || !out) return null_argument("edgeface_open_memory: null spec or out", err, err_size);
  *out = nullptr;
  return guarded(err, err_size, [&] {
    edgeface::Options o;
    o.num_threads = num_threads;
    auto e = edgeface::Embedder::from_memory(*spec, param_bin, param_bin_size, bin, bin_size, o);
    *out = new edgeface_embedder{std::move(e)};
  });
}

int edgeface_open_files(const edgeface_model_spec* spec, const char* param_path, const char* bin_path, int num_threads,
                        edgeface_embedder** out, char* err, size_t err_size) {
  if (!spec || !out || !param_path || !bin_path) return null_argument("edgeface_open_files: null argument", err, err_size);
  *out = nullptr;
  return guarded(err, err_size, [&] {
    edgeface::Options o;
    o.num_threads = num_threads;
    auto e = edgeface::Embedder::from_files(*spec, param_path, bin_path, o);
    *out = new edgeface_embedder{std::move(e)};
  });
}

int edgeface_embed(const edgeface_embedder* embedder, const unsigned char* pixels, int w, int h, int stride, int format,
                   const float* landmarks5, float* out, int out_size, char* err, size_t err_size) {
  if (!embedder || !out) return null_argument("edgeface_embed: null embedder or out", err, err_size);
  return guarded(err, err_size, [&] {
    if (out_size < embedder->impl->embedding_size()) {
      throw edgeface::Error(edgeface::Status::BufferTooSmall, "edgeface_embed: out holds " + std::to_string(out_size) + " floats, the embedding has " +
                                                                  std::to_string(embedder->impl->embedding_size()));
    }
    const std::vector<float> v = embedder->impl->embed(pixels, w, h, stride, (edgeface::PixelFormat)format, landmarks5);
    std::memcpy(out, v.data(), v.size() * sizeof(float));
  });
}

int edgeface_embedding_size(const edgeface_embedder* embedder) { return embedder ? embedder->impl->embedding_size() : -1; }

void edgeface_close(edgeface_embedder* embedder) { delete embedder; }
}
