#include "edgeface/embedder.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "bounded_reader.h"
#include "face_input.h"
#include "net.h"

#if defined(__ANDROID__)
#include <android/asset_manager.h>
#endif

namespace edgeface {

namespace {

[[noreturn]] void fail(Status s, const std::string& msg) { throw Error(s, msg); }

std::string str_or_empty(const char* s) { return s ? s : ""; }

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

void check_spec(const edgeface_model_spec& spec) {
  const std::string name = spec.name ? spec.name : "(unnamed)";
  auto bad = [&](const std::string& what) { fail(Status::InvalidArgument, "model spec '" + name + "': " + what); };
  if (spec.input_width <= 0 || spec.input_height <= 0 || spec.input_width > 4096 || spec.input_height > 4096) bad("input size must be 1..4096");
  if (spec.pixel_order != EDGEFACE_RGB && spec.pixel_order != EDGEFACE_BGR) bad("pixel_order must be EDGEFACE_RGB or EDGEFACE_BGR");
  if (spec.embedding_size <= 0) bad("embedding_size must be positive");
  for (int c = 0; c < 3; c++) {
    if (!std::isfinite(spec.mean[c]) || !std::isfinite(spec.norm[c]) || spec.norm[c] == 0.f) bad("mean/norm must be finite, norm non-zero");
  }
}

}  // namespace

const char* status_name(Status s) {
  switch (s) {
    case Status::Ok: return "Ok";
    case Status::InvalidArgument: return "InvalidArgument";
    case Status::ModelLoadFailed: return "ModelLoadFailed";
    case Status::ImageTooSmall: return "ImageTooSmall";
    case Status::LandmarksOutside: return "LandmarksOutside";
    case Status::BufferTooSmall: return "BufferTooSmall";
    case Status::Internal: return "Internal";
  }
  return "Unknown";
}

struct Embedder::Impl {
  edgeface_model_spec spec{};
  // Owned copies of the spec's strings (the caller's spec may not outlive us).
  std::string name, input_name, output_name, sha256, version;
  Options options;
  bool by_index = true;  // binary .param.bin: blobs by index; text .param: by name
  std::vector<uint32_t> weights;  // from_files: the .bin, read whole (ncnn references it)
  std::unique_ptr<detail::BoundedReader> weight_reader;  // its stand-in zeros must outlive the net
  ncnn::Net net;

  Impl(const edgeface_model_spec& s, const Options& o) : spec(s), options(o) {
    check_spec(s);
    name = str_or_empty(s.name);
    input_name = str_or_empty(s.input_name);
    output_name = str_or_empty(s.output_name);
    sha256 = str_or_empty(s.sha256);
    version = str_or_empty(s.edgeface_version);
    spec.name = name.c_str();
    spec.input_name = input_name.c_str();
    spec.output_name = output_name.c_str();
    spec.sha256 = sha256.c_str();
    spec.edgeface_version = version.c_str();
    if (options.num_threads < 1) options.num_threads = 1;
    net.opt.use_vulkan_compute = false;
    net.opt.num_threads = options.num_threads;
    net.opt.lightmode = options.lightmode;
    if (!options.fp16) {
      net.opt.use_fp16_packed = false;
      net.opt.use_fp16_storage = false;
      net.opt.use_fp16_arithmetic = false;
      net.opt.use_bf16_storage = false;
    }
  }

  // Loads weights zero-copy from memory that outlives the net; a size that is not exactly
  // the model's is an error (truncated, or another model's weights).
  void load_weights(const unsigned char* data, size_t size, const std::string& what) {
    weight_reader.reset(new detail::BoundedReader(data, size, true));
    const int rc = net.load_model(*weight_reader);
    if (rc != 0 || weight_reader->ran_short() || weight_reader->consumed() != size) {
      fail(Status::ModelLoadFailed, what + ": " + std::to_string(size) + " bytes, not this model's weights (" +
                                        (weight_reader->ran_short() ? "too short" : "bytes left over") + ")");
    }
  }

  // Checks that the spec's blobs exist and that the model maps an input of the spec's size
  // to an embedding of the spec's size: a zero image runs once at load time.
  void verify(const std::string& where) {
    if (by_index) {
      const int blobs = (int)net.blobs().size();
      if (spec.input_blob < 0 || spec.input_blob >= blobs || spec.output_blob < 0 || spec.output_blob >= blobs) {
        fail(Status::ModelLoadFailed, where + ": the model has " + std::to_string(blobs) + " blobs; spec '" + name + "' names input blob " +
                                          std::to_string(spec.input_blob) + " and output blob " + std::to_string(spec.output_blob));
      }
    }
    ncnn::Mat zero(spec.input_width, spec.input_height, 3);
    zero.fill(0.f);
    std::vector<float> out;
    try {
      out = run(zero);
    } catch (const Error& e) {
      fail(Status::ModelLoadFailed, where + ": does not run as model '" + name + "': " + e.what());
    }
  }

  std::vector<float> run(const ncnn::Mat& input) const {
    ncnn::Extractor ex = net.create_extractor();
    ex.set_light_mode(options.lightmode);
    ex.set_num_threads(options.num_threads);
    int rc;
    ncnn::Mat out;
#if NCNN_STRING
    if (!by_index) {
      rc = ex.input(input_name.c_str(), input);
      if (rc != 0) fail(Status::Internal, "model '" + name + "': no input blob '" + input_name + "'");
      rc = ex.extract(output_name.c_str(), out);
      if (rc != 0 || out.empty()) fail(Status::Internal, "model '" + name + "': extracting blob '" + output_name + "' failed");
    } else
#endif
    {
      rc = ex.input(spec.input_blob, input);
      if (rc != 0) fail(Status::Internal, "model '" + name + "': no input blob " + std::to_string(spec.input_blob));
      rc = ex.extract(spec.output_blob, out);
      if (rc != 0 || out.empty()) fail(Status::Internal, "model '" + name + "': extracting blob " + std::to_string(spec.output_blob) + " failed");
    }
    const int total = out.w * out.h * out.d * out.c;
    if (total != spec.embedding_size) {
      fail(Status::Internal, "model '" + name + "': output has " + std::to_string(total) + " values, spec says embedding_size " +
                                 std::to_string(spec.embedding_size));
    }
    ncnn::Mat flat = out.reshape(total);
    const float* p = flat;
    std::vector<float> v(p, p + total);
    double sum = 0;
    for (float x : v) sum += (double)x * x;
    const double norm = std::sqrt(sum);
    if (!(norm > 0) || !std::isfinite(norm)) fail(Status::Internal, "model '" + name + "': embedding is zero or not finite");
    for (float& x : v) x = (float)(x / norm);
    return v;
  }
};

Embedder::Embedder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Embedder::~Embedder() = default;

std::unique_ptr<Embedder> Embedder::from_files(const edgeface_model_spec& spec, const std::string& param_path,
                                               const std::string& bin_path, const Options& options) {
  auto impl = std::unique_ptr<Impl>(new Impl(spec, options));
  for (const std::string& p : {param_path, bin_path}) {
    FILE* fp = std::fopen(p.c_str(), "rb");
    if (!fp) fail(Status::ModelLoadFailed, p + ": cannot open (no such file or not readable)");
    std::fclose(fp);
  }
  impl->by_index = ends_with(param_path, ".bin");
  int rc;
  if (impl->by_index) {
    rc = impl->net.load_param_bin(param_path.c_str());
  } else {
#if NCNN_STRING
    if (impl->input_name.empty() || impl->output_name.empty()) fail(Status::InvalidArgument, param_path + ": a text .param needs the spec's input_name and output_name");
    rc = impl->net.load_param(param_path.c_str());
#else
    fail(Status::ModelLoadFailed, param_path + ": this ncnn is built without NCNN_STRING; load the .param.bin");
#endif
  }
  if (rc != 0) fail(Status::ModelLoadFailed, param_path + ": not a valid ncnn " + (impl->by_index ? ".param.bin" : ".param"));
  {
    FILE* fp = std::fopen(bin_path.c_str(), "rb");
    std::fseek(fp, 0, SEEK_END);
    const long size = std::ftell(fp);
    std::fseek(fp, 0, SEEK_SET);
    impl->weights.resize(size > 0 ? ((size_t)size + 3) / 4 : 0);
    const size_t got = size > 0 ? std::fread(impl->weights.data(), 1, (size_t)size, fp) : 0;
    std::fclose(fp);
    if (size < 0 || got != (size_t)size) fail(Status::ModelLoadFailed, bin_path + ": read error");
    impl->load_weights((const unsigned char*)impl->weights.data(), (size_t)size, bin_path + " (weights of " + param_path + ")");
  }
  impl->verify(param_path);
  return std::unique_ptr<Embedder>(new Embedder(std::move(impl)));
}

std::unique_ptr<Embedder> Embedder::from_memory(const edgeface_model_spec& spec, const unsigned char* param_bin,
                                                size_t param_bin_size, const unsigned char* bin, size_t bin_size,
                                                const Options& options) {
  auto impl = std::unique_ptr<Impl>(new Impl(spec, options));
  if (!param_bin || !bin) fail(Status::InvalidArgument, "from_memory: null buffer");
  if (((uintptr_t)param_bin & 3) || ((uintptr_t)bin & 3)) fail(Status::InvalidArgument, "from_memory: buffers must be 4-byte aligned");
  if (param_bin_size < 12) fail(Status::ModelLoadFailed, "from_memory: .param.bin buffer of " + std::to_string(param_bin_size) + " bytes is too short");
  int32_t magic;
  std::memcpy(&magic, param_bin, 4);
  if (magic != 7767517) fail(Status::ModelLoadFailed, "from_memory: the .param.bin buffer does not start with ncnn's magic 7767517 (a text .param?)");
  detail::BoundedReader pr(param_bin, param_bin_size);
  if (impl->net.load_param_bin(pr) != 0 || pr.consumed() != param_bin_size) {
    fail(Status::ModelLoadFailed, "from_memory: the .param.bin buffer is not a valid ncnn model (" + std::to_string(pr.consumed()) + " of " +
                                      std::to_string(param_bin_size) + " bytes parsed)");
  }
  impl->load_weights(bin, bin_size, "from_memory: the .bin buffer");
  impl->by_index = true;
  impl->verify("from_memory");
  return std::unique_ptr<Embedder>(new Embedder(std::move(impl)));
}

#if defined(__ANDROID__)
std::unique_ptr<Embedder> Embedder::from_assets(const edgeface_model_spec& spec, AAssetManager* mgr,
                                                const std::string& param_bin_asset, const std::string& bin_asset,
                                                const Options& options) {
  auto impl = std::unique_ptr<Impl>(new Impl(spec, options));
  if (!mgr) fail(Status::InvalidArgument, "from_assets: null AAssetManager");
  if (impl->net.load_param_bin(mgr, param_bin_asset.c_str()) != 0) fail(Status::ModelLoadFailed, param_bin_asset + ": asset missing or not a valid .param.bin");
  if (impl->net.load_model(mgr, bin_asset.c_str()) != 0) fail(Status::ModelLoadFailed, bin_asset + ": asset missing or its weights do not match " + param_bin_asset);
  impl->by_index = true;
  impl->verify(param_bin_asset);
  return std::unique_ptr<Embedder>(new Embedder(std::move(impl)));
}
#endif

// buffer_size 0: the caller did not say (not checked).
std::vector<float> Embedder::embed_checked(const unsigned char* pixels, size_t buffer_size, int width, int height, int stride_bytes,
                                           PixelFormat format, const float* landmarks5) const {
  ncnn::Mat in = detail::face_input(impl_->spec, detail::PixelBuffer{pixels, buffer_size, width, height, stride_bytes, format}, landmarks5);
  in.substract_mean_normalize(impl_->spec.mean, impl_->spec.norm);
  return impl_->run(in);
}

std::vector<float> Embedder::embed(const unsigned char* pixels, int width, int height, int stride_bytes, PixelFormat format,
                                   const float* landmarks5) const {
  return embed_checked(pixels, 0, width, height, stride_bytes, format, landmarks5);
}

std::vector<float> Embedder::embed(const unsigned char* pixels, size_t buffer_size, int width, int height, int stride_bytes,
                                   PixelFormat format, const float* landmarks5) const {
  if (buffer_size == 0) fail(Status::BufferTooSmall, "pixel buffer of 0 bytes");
  return embed_checked(pixels, buffer_size, width, height, stride_bytes, format, landmarks5);
}

int Embedder::embedding_size() const { return impl_->spec.embedding_size; }
const edgeface_model_spec& Embedder::spec() const { return impl_->spec; }

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.empty() || a.size() != b.size()) {
    fail(Status::InvalidArgument, "cosine: embeddings of sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()));
  }
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
  if (aa == 0 || bb == 0) return 0.f;
  return (float)(ab / std::sqrt(aa * bb));
}

}  // namespace edgeface
