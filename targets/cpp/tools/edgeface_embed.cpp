// Command-line driver of the embedder, for tests and the arm64 checks (runs under qemu):
//
//   edgeface-embed SPEC PARAM BIN LIST OUT [--threads N] [--fp16] [--memory] [--concurrent K]
//
// SPEC: key=value spec file (tools/spec_file.h). PARAM: .param or .param.bin (--memory:
// a .param.bin read into an aligned buffer and loaded with from_memory). LIST: one image a
// line, `raw_path width height stride format [x0 y0 ... x4 y4]`, the raw file holding the
// pixel buffer as embed() takes it (format: rgb bgr rgba bgra nv21). OUT: the embeddings,
// float32, one row per line of LIST (zeros where embed failed). stdout: one line per image,
// `ok` or `error <Status> <message>`. --concurrent K embeds the list again on K threads
// sharing the Embedder and exits 3 unless every result equals the sequential one.
// Exit 0 when it ran (per-image errors are reported, not fatal), 2 on bad usage or model.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "edgeface/embedder.h"
#include "spec_file.h"

namespace {

struct Item {
  std::string path;
  int w = 0, h = 0, stride = 0;
  edgeface::PixelFormat format = edgeface::PixelFormat::RGB;
  bool has_landmarks = false;
  float lm[10] = {0};
};

edgeface::PixelFormat parse_format(const std::string& f) {
  if (f == "rgb") return edgeface::PixelFormat::RGB;
  if (f == "bgr") return edgeface::PixelFormat::BGR;
  if (f == "rgba") return edgeface::PixelFormat::RGBA;
  if (f == "bgra") return edgeface::PixelFormat::BGRA;
  if (f == "nv21") return edgeface::PixelFormat::NV21;
  return (edgeface::PixelFormat)std::atoi(f.c_str());  // numeric: passed through as is (error tests)
}

std::vector<Item> read_list(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open list");
  std::vector<Item> items;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream ss(line);
    Item it;
    std::string fmt;
    if (!(ss >> it.path >> it.w >> it.h >> it.stride >> fmt)) throw std::runtime_error(path + ": bad line '" + line + "'");
    it.format = parse_format(fmt);
    int n = 0;
    while (n < 10 && ss >> it.lm[n]) n++;
    if (n != 0 && n != 10) throw std::runtime_error(path + ": line '" + line + "' needs 0 or 10 landmark numbers");
    it.has_landmarks = n == 10;
    items.push_back(it);
  }
  return items;
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// 4-byte aligned copy of a file (std::vector<uint32_t> storage).
std::vector<uint32_t> read_aligned(const std::string& path, size_t& size) {
  std::vector<unsigned char> bytes = read_file(path);
  size = bytes.size();
  std::vector<uint32_t> words((size + 3) / 4);
  if (size) std::memcpy(words.data(), bytes.data(), size);
  return words;
}

struct Result {
  std::vector<float> v;
  std::string error;
};

Result embed_one(const edgeface::Embedder& e, const Item& it, const std::vector<unsigned char>& px) {
  Result r;
  try {
    r.v = e.embed(px.data(), px.size(), it.w, it.h, it.stride, it.format, it.has_landmarks ? it.lm : nullptr);
  } catch (const edgeface::Error& err) {
    r.error = std::string(edgeface::status_name(err.status())) + " " + err.what();
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  edgeface::Options opt;
  bool memory = false;
  int concurrent = 0;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) opt.num_threads = std::atoi(argv[++i]);
    else if (a == "--fp16") opt.fp16 = true;
    else if (a == "--memory") memory = true;
    else if (a == "--concurrent" && i + 1 < argc) concurrent = std::atoi(argv[++i]);
    else pos.push_back(a);
  }
  if (pos.size() != 5) {
    std::cerr << "usage: edgeface-embed SPEC PARAM BIN LIST OUT [--threads N] [--fp16] [--memory] [--concurrent K]\n";
    return 2;
  }
  try {
    SpecStrings strings;
    const edgeface_model_spec spec = read_spec_file(pos[0], strings);
    std::vector<uint32_t> param_words, bin_words;
    std::unique_ptr<edgeface::Embedder> embedder;
    if (memory) {
      size_t ps = 0, bs = 0;
      param_words = read_aligned(pos[1], ps);
      bin_words = read_aligned(pos[2], bs);
      embedder = edgeface::Embedder::from_memory(spec, (const unsigned char*)param_words.data(), ps,
                                                 (const unsigned char*)bin_words.data(), bs, opt);
    } else {
      embedder = edgeface::Embedder::from_files(spec, pos[1], pos[2], opt);
    }
    const std::vector<Item> items = read_list(pos[3]);
    std::vector<std::vector<unsigned char>> pixels;
    for (const Item& it : items) pixels.push_back(read_file(it.path));
    const int dim = embedder->embedding_size();
    std::vector<Result> results;
    for (size_t i = 0; i < items.size(); i++) results.push_back(embed_one(*embedder, items[i], pixels[i]));
    std::vector<float> out(items.size() * dim, 0.f);
    for (size_t i = 0; i < items.size(); i++) {
      if (results[i].error.empty()) {
        std::memcpy(&out[i * dim], results[i].v.data(), dim * sizeof(float));
        std::cout << "ok\n";
      } else {
        std::cout << "error " << results[i].error << "\n";
      }
    }
    std::ofstream of(pos[4], std::ios::binary);
    of.write((const char*)out.data(), out.size() * sizeof(float));
    if (!of) throw std::runtime_error(pos[4] + ": cannot write");
    of.close();
    if (concurrent > 0) {
      std::atomic<size_t> next{0};
      std::atomic<int> mismatches{0};
      std::vector<std::thread> pool;
      for (int t = 0; t < concurrent; t++) {
        pool.emplace_back([&] {
          for (size_t i; (i = next++) < items.size();) {
            Result r = embed_one(*embedder, items[i], pixels[i]);
            if (r.v != results[i].v || r.error != results[i].error) mismatches++;
          }
        });
      }
      for (auto& th : pool) th.join();
      std::cerr << "concurrent: " << concurrent << " threads, " << mismatches.load() << " of " << items.size() << " differ\n";
      if (mismatches.load()) return 3;
    }
  } catch (const edgeface::Error& e) {
    std::cerr << "edgeface-embed: " << edgeface::status_name(e.status()) << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "edgeface-embed: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
