// Objective-C++ wrapper of the C++ face embedder (targets/cpp), for Swift (EdgefaceModel.swift)
// and Objective-C apps. Add to the bridging header: #import "EFEmbedder.h"
#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

/** NSError domain of embedder failures; the code is edgeface::Status (1 InvalidArgument ... 6 Internal). */
extern NSErrorDomain const EFErrorDomain;

/** Pixel layouts (edgeface::PixelFormat). */
typedef NS_ENUM(NSInteger, EFPixelFormat) {
  EFPixelFormatRGB = 0,
  EFPixelFormatBGR = 1,
  EFPixelFormatRGBA = 2,
  EFPixelFormatBGRA = 3,
  EFPixelFormatNV21 = 4,
};

/** The typed header's edgeface_model_spec, as an object (Swift fills it from EdgefaceModelSpec). */
@interface EFModelSpec : NSObject
@property(nonatomic, copy) NSString *name;
@property(nonatomic) int inputBlob;
@property(nonatomic) int outputBlob;
@property(nonatomic, copy) NSString *inputName;
@property(nonatomic, copy) NSString *outputName;
@property(nonatomic) int inputWidth;
@property(nonatomic) int inputHeight;
/** 0 RGB, 1 BGR (EDGEFACE_RGB / EDGEFACE_BGR). */
@property(nonatomic) int pixelOrder;
/** 3 numbers each: pixel p becomes (p - mean[c]) * norm[c]. */
@property(nonatomic, copy) NSArray<NSNumber *> *mean;
@property(nonatomic, copy) NSArray<NSNumber *> *norm;
@property(nonatomic) int embeddingSize;
@property(nonatomic) BOOL int8;
@property(nonatomic, copy) NSString *sha256;
@property(nonatomic, copy) NSString *edgefaceVersion;
@end

@interface EFEmbedder : NSObject
/** From a .param.bin and a .bin image; the data is kept (ncnn reads it in place). */
- (nullable instancetype)initWithSpec:(EFModelSpec *)spec
                             paramBin:(NSData *)paramBin
                                  bin:(NSData *)bin
                              threads:(int)threads
                                error:(NSError **)error NS_DESIGNATED_INITIALIZER;
- (instancetype)init NS_UNAVAILABLE;

/** L2-normalised embedding as `embeddingSize` floats; landmarks: NULL (aligned crop) or 10 floats x0,y0..x4,y4. */
- (nullable NSData *)embedPixels:(const uint8_t *)pixels
                          length:(size_t)length
                           width:(int)width
                          height:(int)height
                     bytesPerRow:(int)bytesPerRow
                          format:(EFPixelFormat)format
                       landmarks:(nullable const float *)landmarks
                           error:(NSError **)error;

@property(nonatomic, readonly) int embeddingSize;
@end

NS_ASSUME_NONNULL_END
