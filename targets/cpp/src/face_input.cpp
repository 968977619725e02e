#include "face_input.h"

#include <cmath>
#include <string>
#include <vector>

namespace edgeface {
namespace detail {

namespace {

const float kArcFace112[10] = {38.2946f, 51.6963f, 73.5318f, 51.5014f, 56.0252f,
                               71.7366f, 41.5493f, 92.3655f, 70.7299f, 92.2041f};

[[noreturn]] void fail(Status s, const std::string& msg) { throw Error(s, msg); }

std::string dims(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

int bytes_per_pixel(PixelFormat f) {
  switch (f) {
    case PixelFormat::RGB:
    case PixelFormat::BGR:
      return 3;
    case PixelFormat::RGBA:
    case PixelFormat::BGRA:
      return 4;
    case PixelFormat::NV21:
      return 1;
  }
  return 0;
}

// ncnn from_pixels type converting the caller's layout to the model's channel order.
int pixel_type(PixelFormat f, int model_order) {
  const bool bgr = model_order == EDGEFACE_BGR;
  switch (f) {
    case PixelFormat::RGB:
      return bgr ? ncnn::Mat::PIXEL_RGB2BGR : ncnn::Mat::PIXEL_RGB;
    case PixelFormat::BGR:
      return bgr ? ncnn::Mat::PIXEL_BGR : ncnn::Mat::PIXEL_BGR2RGB;
    case PixelFormat::RGBA:
      return bgr ? ncnn::Mat::PIXEL_RGBA2BGR : ncnn::Mat::PIXEL_RGBA2RGB;
    case PixelFormat::BGRA:
      return bgr ? ncnn::Mat::PIXEL_BGRA2BGR : ncnn::Mat::PIXEL_BGRA2RGB;
    case PixelFormat::NV21:
      break;
  }
  return bgr ? ncnn::Mat::PIXEL_RGB2BGR : ncnn::Mat::PIXEL_RGB;
}

void check_buffer(const PixelBuffer& im, int bpp) {
  if (!im.pixels) fail(Status::InvalidArgument, "pixels: null pointer");
  if (im.width <= 0 || im.height <= 0) fail(Status::InvalidArgument, "image size " + dims(im.width, im.height) + ": must be positive");
  if (im.width > 32768 || im.height > 32768) fail(Status::InvalidArgument, "image size " + dims(im.width, im.height) + ": larger than 32768");
  const long long row = (long long)im.width * bpp;
  if (im.stride < row) {
    fail(Status::InvalidArgument, "stride_bytes " + std::to_string(im.stride) + ": smaller than width x " +
                                      std::to_string(bpp) + " bytes = " + std::to_string(row));
  }
  if (im.format == PixelFormat::NV21 && (im.width % 2 || im.height % 2)) {
    fail(Status::InvalidArgument, "NV21 image " + dims(im.width, im.height) + ": width and height must be even");
  }
  if (im.size) {
    long long need = (long long)im.stride * (im.height - 1) + row;
    if (im.format == PixelFormat::NV21) need = (long long)im.stride * (im.height + im.height / 2 - 1) + row;
    if ((long long)im.size < need) {
      fail(Status::BufferTooSmall, "pixel buffer holds " + std::to_string(im.size) + " bytes; a " + dims(im.width, im.height) +
                                       " image with stride " + std::to_string(im.stride) + " needs " + std::to_string(need));
    }
  }
}

// NV21 -> packed RGB (ncnn's converter wants the planes back to back, without row padding).
std::vector<unsigned char> nv21_to_rgb(const PixelBuffer& im) {
  const int w = im.width, h = im.height;
  std::vector<unsigned char> packed;
  const unsigned char* yuv = im.pixels;
  if (im.stride != w) {
    packed.resize((size_t)w * h * 3 / 2);
    for (int y = 0; y < h + h / 2; y++) std::copy(im.pixels + (size_t)y * im.stride, im.pixels + (size_t)y * im.stride + w, packed.begin() + (size_t)y * w);
    yuv = packed.data();
  }
  std::vector<unsigned char> rgb((size_t)w * h * 3);
  ncnn::yuv420sp2rgb(yuv, w, h, rgb.data());
  return rgb;
}

void check_landmarks(const float* lm, int w, int h) {
  const char* names[5] = {"left eye", "right eye", "nose", "left mouth corner", "right mouth corner"};
  for (int i = 0; i < 5; i++) {
    const float x = lm[2 * i], y = lm[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y)) fail(Status::LandmarksOutside, std::string("landmark ") + std::to_string(i) + " (" + names[i] + "): not a finite number");
    if (x < 0 || y < 0 || x >= w || y >= h) {
      fail(Status::LandmarksOutside, std::string("landmark ") + std::to_string(i) + " (" + names[i] + ") at (" + std::to_string(x) + ", " +
                                         std::to_string(y) + ") is outside the " + dims(w, h) + " image");
    }
  }
  double mx = 0, my = 0, var = 0;
  for (int i = 0; i < 5; i++) mx += lm[2 * i] / 5.0, my += lm[2 * i + 1] / 5.0;
  for (int i = 0; i < 5; i++) var += (lm[2 * i] - mx) * (lm[2 * i] - mx) + (lm[2 * i + 1] - my) * (lm[2 * i + 1] - my);
  if (var < 1.0) fail(Status::InvalidArgument, "landmarks: the five points (nearly) coincide; no face to align");
}

}  // namespace

void arcface_template(int input_width, int input_height, float out[10]) {
  const float s = input_height / 112.f;
  const float dx = (input_width - 112.f * s) / 2.f;
  for (int i = 0; i < 5; i++) {
    out[2 * i] = kArcFace112[2 * i] * s + dx;
    out[2 * i + 1] = kArcFace112[2 * i + 1] * s;
  }
}

ncnn::Mat face_input(const edgeface_model_spec& spec, const PixelBuffer& in, const float* landmarks5) {
  const int fmt = (int)in.format;
  if (fmt < 0 || fmt > (int)PixelFormat::NV21) fail(Status::InvalidArgument, "format " + std::to_string(fmt) + ": not a PixelFormat (RGB 0, BGR 1, RGBA 2, BGRA 3, NV21 4)");
  PixelBuffer im = in;
  int bpp = bytes_per_pixel(im.format);
  if (im.stride == 0) im.stride = im.width * bpp;
  check_buffer(im, bpp);

  std::vector<unsigned char> rgb;
  if (im.format == PixelFormat::NV21) {
    rgb = nv21_to_rgb(im);
    im = PixelBuffer{rgb.data(), rgb.size(), im.width, im.height, im.width * 3, PixelFormat::RGB};
    bpp = 3;
  }
  const int type = pixel_type(im.format, spec.pixel_order);
  const int mw = spec.input_width, mh = spec.input_height;

  if (!landmarks5) {
    if (im.width != mw || im.height != mh) {
      const Status s = (im.width < mw || im.height < mh) ? Status::ImageTooSmall : Status::InvalidArgument;
      fail(s, "image is " + dims(im.width, im.height) + " but without landmarks it must be an aligned " + dims(mw, mh) +
                  " face crop; pass the 5 landmarks to align a larger image");
    }
    return ncnn::Mat::from_pixels(im.pixels, type, im.width, im.height, im.stride);
  }

  if (im.width < 2 || im.height < 2) fail(Status::ImageTooSmall, "image " + dims(im.width, im.height) + ": too small to align (at least 2x2)");
  check_landmarks(landmarks5, im.width, im.height);
  // Same fit as tools/align/warp.py: least-squares similarity from the landmarks to the
  // template; ncnn's warp wants the inverse (crop pixel -> source pixel).
  float dst[10], forward[6], inverse[6];
  arcface_template(mw, mh, dst);
  ncnn::get_affine_transform(landmarks5, dst, 5, forward);
  ncnn::invert_affine_transform(forward, inverse);
  for (float v : inverse) {
    if (!std::isfinite(v)) fail(Status::InvalidArgument, "landmarks: no similarity transform maps them onto the template");
  }
  std::vector<unsigned char> crop((size_t)mw * mh * bpp);
  if (bpp == 3) {
    ncnn::warpaffine_bilinear_c3(im.pixels, im.width, im.height, im.stride, crop.data(), mw, mh, mw * 3, inverse, 0, 0);
  } else {
    ncnn::warpaffine_bilinear_c4(im.pixels, im.width, im.height, im.stride, crop.data(), mw, mh, mw * 4, inverse, 0, 0);
  }
  return ncnn::Mat::from_pixels(crop.data(), type, mw, mh, mw * bpp);
}

}  // namespace detail
}  // namespace edgeface
