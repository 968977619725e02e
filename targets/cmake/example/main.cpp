// Example app: embeds aligned face crops (raw RGB files of the model's input size) with the
// model compiled into the binary, and writes the embeddings (float32 rows) to OUT.
//   face_example OUT.f32 crop1.rgb [crop2.rgb ...]
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "edgeface/embedder.h"
#include "edgeface_face.h"  // edgeface_face_spec: blob ids, input size, preprocessing
#include "face.mem.h"       // face_param_bin, face_bin: the model itself

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.f32 crop.rgb...\n", argv[0]);
    return 2;
  }
  try {
    auto embedder = edgeface::Embedder::from_memory(edgeface_face_spec, face_param_bin, sizeof(face_param_bin), face_bin,
                                                    sizeof(face_bin));
    const edgeface_model_spec& spec = embedder->spec();
    std::printf("model %s: %dx%d input, %d-d embedding, %s, edgeface %s\n", spec.name, spec.input_width, spec.input_height,
                spec.embedding_size, spec.int8 ? "int8" : "fp32", spec.edgeface_version);
    std::ofstream out(argv[1], std::ios::binary);
    for (int i = 2; i < argc; i++) {
      std::ifstream in(argv[i], std::ios::binary);
      std::vector<unsigned char> px((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::vector<float> e = embedder->embed(px.data(), px.size(), spec.input_width, spec.input_height, 0,
                                                   edgeface::PixelFormat::RGB, nullptr);
      out.write(reinterpret_cast<const char*>(e.data()), e.size() * sizeof(float));
    }
    if (!out) {
      std::fprintf(stderr, "%s: cannot write\n", argv[1]);
      return 1;
    }
  } catch (const edgeface::Error& e) {
    std::fprintf(stderr, "face_example: %s: %s\n", edgeface::status_name(e.status()), e.what());
    return 1;
  }
  return 0;
}
