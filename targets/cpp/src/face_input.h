// Turns the caller's pixel buffer into the model's input Mat (model size, model channel
// order, raw 0..255 values): validates the buffer, converts NV21, and with landmarks warps
// the face onto the ArcFace template.
#pragma once

#include <cstddef>

#include "edgeface/embedder.h"
#include "mat.h"

namespace edgeface {
namespace detail {

struct PixelBuffer {
  const unsigned char* pixels;
  size_t size;  // bytes the caller says it holds; 0 = unknown (not checked)
  int width;
  int height;
  int stride;  // bytes per row; 0 = tightly packed
  PixelFormat format;
};

// Throws Error (InvalidArgument, BufferTooSmall, ImageTooSmall, LandmarksOutside).
ncnn::Mat face_input(const edgeface_model_spec& spec, const PixelBuffer& image, const float* landmarks5);

// The ArcFace 112x112 template scaled to the model's height and centred horizontally
// (for a 112x96 model: the usual 8 px shift), as 10 floats x0,y0,...
void arcface_template(int input_width, int input_height, float out[10]);

}  // namespace detail
}  // namespace edgeface
