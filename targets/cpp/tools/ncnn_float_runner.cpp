// Batch runner over ncnn's C++ API for `edgeface eval --runner host|arm64`: the counterpart
// of tools/ncnn_runner.py (PyPI ncnn), built from source for the host or for aarch64 (run
// under qemu-aarch64), so the eval measures the kernels that build runs.
//
//   ncnn-float-runner PARAM BIN INPUT_BLOB OUTPUT_BLOB [--threads N] [--fp16]
//
// Protocol on stdin/stdout, little-endian int32/float32:
//   request: n c h w, then n*c*h*w floats (already preprocessed, CHW); n = 0 ends.
//   reply:   0 dim, then n*dim floats (raw outputs)   or   1 len, then len bytes of message.
// Model loading errors go to stderr with exit code 2 before any reply.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "net.h"

namespace {

bool read_all(void* buf, size_t n) { return std::fread(buf, 1, n, stdin) == n; }
void write_all(const void* buf, size_t n) { std::fwrite(buf, 1, n, stdout); }

void reply_error(const std::string& msg) {
  int32_t head[2] = {1, (int32_t)msg.size()};
  write_all(head, sizeof head);
  write_all(msg.data(), msg.size());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  int threads = 1;
  bool fp16 = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--fp16") fp16 = true;
    else pos.push_back(a);
  }
  if (pos.size() != 4) {
    std::fprintf(stderr, "usage: ncnn-float-runner PARAM BIN INPUT_BLOB OUTPUT_BLOB [--threads N] [--fp16]\n");
    return 2;
  }
  ncnn::Net net;
  net.opt.use_vulkan_compute = false;
  net.opt.num_threads = threads < 1 ? 1 : threads;
  net.opt.use_fp16_packed = net.opt.use_fp16_storage = net.opt.use_fp16_arithmetic = fp16;
  net.opt.use_bf16_storage = false;
  if (net.load_param(pos[0].c_str()) != 0) {
    std::fprintf(stderr, "%s: not a valid ncnn .param\n", pos[0].c_str());
    return 2;
  }
  if (net.load_model(pos[1].c_str()) != 0) {
    std::fprintf(stderr, "%s: weights do not match %s\n", pos[1].c_str(), pos[0].c_str());
    return 2;
  }
  std::vector<float> in, out;
  for (;;) {
    int32_t head[4];
    if (!read_all(head, sizeof head) || head[0] == 0) return 0;
    const int n = head[0], c = head[1], h = head[2], w = head[3];
    if (n < 0 || c <= 0 || h <= 0 || w <= 0 || (int64_t)n * c * h * w > (1 << 28)) {
      reply_error("bad request header");
      return 1;  // the stream cannot be resynchronised
    }
    const size_t per = (size_t)c * h * w;
    in.resize(per * n);
    if (!read_all(in.data(), in.size() * sizeof(float))) return 1;
    out.clear();
    int dim = -1;
    std::string error;
    for (int i = 0; i < n && error.empty(); i++) {
      ncnn::Mat x(w, h, c);
      for (int ch = 0; ch < c; ch++) std::memcpy(x.channel(ch), &in[i * per + (size_t)ch * h * w], (size_t)h * w * sizeof(float));
      ncnn::Extractor ex = net.create_extractor();
      ncnn::Mat y;
      if (ex.input(pos[2].c_str(), x) != 0) error = "no input blob '" + pos[2] + "'";
      else if (ex.extract(pos[3].c_str(), y) != 0 || y.empty()) error = "extracting blob '" + pos[3] + "' failed";
      else {
        const int total = y.w * y.h * y.d * y.c;
        if (dim >= 0 && total != dim) error = "output size changed within a batch";
        dim = total;
        ncnn::Mat flat = y.reshape(total);
        out.insert(out.end(), (const float*)flat, (const float*)flat + total);
      }
    }
    if (!error.empty()) {
      reply_error(error);
      continue;
    }
    int32_t rh[2] = {0, dim < 0 ? 0 : dim};
    write_all(rh, sizeof rh);
    write_all(out.data(), out.size() * sizeof(float));
    std::fflush(stdout);
  }
}
