// Objective-C++ wrapper of edgeface::Embedder. Exceptions never cross into Objective-C or
// Swift: every edgeface::Error becomes an NSError (domain EFErrorDomain, code = Status).
#import "EFEmbedder.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "edgeface/embedder.h"

NSErrorDomain const EFErrorDomain = @"org.edgeface.embedder";

static NSError *EFMakeError(int status, const char *message) {
  return [NSError errorWithDomain:EFErrorDomain
                             code:status
                         userInfo:@{NSLocalizedDescriptionKey : [NSString stringWithUTF8String:message ?: "edgeface error"]}];
}

@implementation EFModelSpec
@end

@implementation EFEmbedder {
  // What the C spec and ncnn point into, alive as long as the embedder.
  std::string _name, _inputName, _outputName, _sha256, _version;
  edgeface_model_spec _spec;
  NSData *_paramBin;
  NSData *_bin;
  std::unique_ptr<edgeface::Embedder> _embedder;
}

// ncnn loads in place from 4-byte aligned memory: mapped files and malloc'd data are; others are copied.
static NSData *EFAligned(NSData *d) {
  if (((uintptr_t)d.bytes & 3u) == 0) return d;
  return [NSData dataWithBytes:d.bytes length:d.length];
}

- (nullable instancetype)initWithSpec:(EFModelSpec *)spec
                             paramBin:(NSData *)paramBin
                                  bin:(NSData *)bin
                              threads:(int)threads
                                error:(NSError **)error {
  if (!(self = [super init])) return nil;
  if (spec.mean.count != 3 || spec.norm.count != 3) {
    if (error) *error = EFMakeError((int)edgeface::Status::InvalidArgument, "spec: mean and norm need 3 values");
    return nil;
  }
  _name = spec.name.UTF8String ?: "";
  _inputName = spec.inputName.UTF8String ?: "";
  _outputName = spec.outputName.UTF8String ?: "";
  _sha256 = spec.sha256.UTF8String ?: "";
  _version = spec.edgefaceVersion.UTF8String ?: "";
  std::memset(&_spec, 0, sizeof _spec);
  _spec.name = _name.c_str();
  _spec.input_name = _inputName.c_str();
  _spec.output_name = _outputName.c_str();
  _spec.sha256 = _sha256.c_str();
  _spec.edgeface_version = _version.c_str();
  _spec.input_blob = spec.inputBlob;
  _spec.output_blob = spec.outputBlob;
  _spec.input_width = spec.inputWidth;
  _spec.input_height = spec.inputHeight;
  _spec.pixel_order = spec.pixelOrder;
  _spec.embedding_size = spec.embeddingSize;
  _spec.int8 = spec.int8 ? 1 : 0;
  for (int c = 0; c < 3; c++) {
    _spec.mean[c] = spec.mean[c].floatValue;
    _spec.norm[c] = spec.norm[c].floatValue;
  }
  _paramBin = EFAligned(paramBin);
  _bin = EFAligned(bin);
  try {
    edgeface::Options options;
    options.num_threads = threads > 0 ? threads : 1;
    _embedder = edgeface::Embedder::from_memory(_spec, (const unsigned char *)_paramBin.bytes, _paramBin.length,
                                                (const unsigned char *)_bin.bytes, _bin.length, options);
  } catch (const edgeface::Error &e) {
    if (error) *error = EFMakeError((int)e.status(), e.what());
    return nil;
  } catch (const std::exception &e) {
    if (error) *error = EFMakeError((int)edgeface::Status::Internal, e.what());
    return nil;
  }
  return self;
}

- (int)embeddingSize {
  return _embedder->embedding_size();
}

- (nullable NSData *)embedPixels:(const uint8_t *)pixels
                          length:(size_t)length
                           width:(int)width
                          height:(int)height
                     bytesPerRow:(int)bytesPerRow
                          format:(EFPixelFormat)format
                       landmarks:(nullable const float *)landmarks
                           error:(NSError **)error {
  try {
    std::vector<float> e = _embedder->embed(pixels, length, width, height, bytesPerRow,
                                            (edgeface::PixelFormat)format, landmarks);
    return [NSData dataWithBytes:e.data() length:e.size() * sizeof(float)];
  } catch (const edgeface::Error &e) {
    if (error) *error = EFMakeError((int)e.status(), e.what());
  } catch (const std::exception &e) {
    if (error) *error = EFMakeError((int)edgeface::Status::Internal, e.what());
  }
  return nil;
}
@end
