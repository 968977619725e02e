// JNI bridge of org.edgeface.EdgefaceModel over the C++ embedder (targets/cpp). Errors of
// the embedder become org.edgeface.EdgefaceException(status, message); nothing here aborts
// on bad input from Java.
#include <jni.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "edgeface/embedder.h"

namespace {

// One loaded model: the embedder plus what its spec and ncnn point into.
struct Model {
  std::string name, input_name, output_name, sha256, version;
  edgeface_model_spec spec{};
  std::vector<unsigned char> param_copy, bin_copy;  // only for buffers that are not 4-byte aligned
  std::unique_ptr<edgeface::Embedder> embedder;
};

void throw_edgeface(JNIEnv* env, int status, const std::string& message) {
  if (env->ExceptionCheck()) return;
  jclass cls = env->FindClass("org/edgeface/EdgefaceException");
  if (cls == nullptr) return;  // NoClassDefFoundError pending
  jmethodID ctor = env->GetMethodID(cls, "<init>", "(ILjava/lang/String;)V");
  if (ctor == nullptr) return;
  jstring msg = env->NewStringUTF(message.c_str());
  jobject ex = env->NewObject(cls, ctor, static_cast<jint>(status), msg);
  if (ex != nullptr) env->Throw(static_cast<jthrowable>(ex));
}

const int kInvalidArgument = static_cast<int>(edgeface::Status::InvalidArgument);
const int kBufferTooSmall = static_cast<int>(edgeface::Status::BufferTooSmall);
const int kInternal = static_cast<int>(edgeface::Status::Internal);

std::string string_field(JNIEnv* env, jobject obj, jclass cls, const char* field) {
  jfieldID id = env->GetFieldID(cls, field, "Ljava/lang/String;");
  if (id == nullptr) return {};
  auto s = static_cast<jstring>(env->GetObjectField(obj, id));
  if (s == nullptr) return {};
  const char* chars = env->GetStringUTFChars(s, nullptr);
  std::string out = chars ? chars : "";
  if (chars) env->ReleaseStringUTFChars(s, chars);
  return out;
}

int int_field(JNIEnv* env, jobject obj, jclass cls, const char* field) {
  jfieldID id = env->GetFieldID(cls, field, "I");
  return id == nullptr ? 0 : env->GetIntField(obj, id);
}

bool float3_field(JNIEnv* env, jobject obj, jclass cls, const char* field, float out[3]) {
  jfieldID id = env->GetFieldID(cls, field, "[F");
  if (id == nullptr) return false;
  auto arr = static_cast<jfloatArray>(env->GetObjectField(obj, id));
  if (arr == nullptr || env->GetArrayLength(arr) != 3) return false;
  env->GetFloatArrayRegion(arr, 0, 3, out);
  return !env->ExceptionCheck();
}

// The buffer's bytes, 4-byte aligned as ncnn's in-place loader needs (copied only when not).
const unsigned char* aligned_bytes(JNIEnv* env, jobject buf, jint size, std::vector<unsigned char>& copy, const char* what) {
  auto* p = static_cast<const unsigned char*>(env->GetDirectBufferAddress(buf));
  jlong cap = env->GetDirectBufferCapacity(buf);
  if (p == nullptr || cap < size || size <= 0) {
    throw_edgeface(env, kInvalidArgument, std::string(what) + ": a direct ByteBuffer with the model bytes is needed");
    return nullptr;
  }
  if (reinterpret_cast<std::uintptr_t>(p) % 4 == 0) return p;
  copy.assign(p, p + size);  // vector storage comes from operator new: aligned for any scalar
  return copy.data();
}

}  // namespace

extern "C" JNIEXPORT jlong JNICALL Java_org_edgeface_EdgefaceModel_nativeOpen(JNIEnv* env, jclass, jobject spec, jobject param,
                                                                             jint param_size, jobject bin, jint bin_size,
                                                                             jint threads) {
  try {
    auto m = std::unique_ptr<Model>(new Model());
    jclass cls = env->GetObjectClass(spec);
    m->name = string_field(env, spec, cls, "name");
    m->input_name = string_field(env, spec, cls, "inputName");
    m->output_name = string_field(env, spec, cls, "outputName");
    m->sha256 = string_field(env, spec, cls, "sha256");
    m->version = string_field(env, spec, cls, "edgefaceVersion");
    edgeface_model_spec& s = m->spec;
    s.name = m->name.c_str();
    s.input_name = m->input_name.c_str();
    s.output_name = m->output_name.c_str();
    s.sha256 = m->sha256.c_str();
    s.edgeface_version = m->version.c_str();
    s.input_blob = int_field(env, spec, cls, "inputBlob");
    s.output_blob = int_field(env, spec, cls, "outputBlob");
    s.input_width = int_field(env, spec, cls, "inputWidth");
    s.input_height = int_field(env, spec, cls, "inputHeight");
    s.pixel_order = int_field(env, spec, cls, "pixelOrder");
    s.embedding_size = int_field(env, spec, cls, "embeddingSize");
    jfieldID int8 = env->GetFieldID(cls, "int8", "Z");
    s.int8 = int8 != nullptr && env->GetBooleanField(spec, int8) ? 1 : 0;
    if (!float3_field(env, spec, cls, "mean", s.mean) || !float3_field(env, spec, cls, "norm", s.norm) || env->ExceptionCheck()) {
      if (!env->ExceptionCheck()) throw_edgeface(env, kInvalidArgument, "spec: mean and norm need 3 values");
      return 0;
    }
    const unsigned char* p = aligned_bytes(env, param, param_size, m->param_copy, "param");
    if (p == nullptr) return 0;
    const unsigned char* b = aligned_bytes(env, bin, bin_size, m->bin_copy, "bin");
    if (b == nullptr) return 0;
    edgeface::Options opt;
    opt.num_threads = threads > 0 ? threads : 1;
    m->embedder = edgeface::Embedder::from_memory(m->spec, p, static_cast<size_t>(param_size), b, static_cast<size_t>(bin_size), opt);
    return reinterpret_cast<jlong>(m.release());
  } catch (const edgeface::Error& e) {
    throw_edgeface(env, static_cast<int>(e.status()), e.what());
  } catch (const std::exception& e) {
    throw_edgeface(env, kInternal, e.what());
  }
  return 0;
}

extern "C" JNIEXPORT jfloatArray JNICALL Java_org_edgeface_EdgefaceModel_nativeEmbed(JNIEnv* env, jclass, jlong handle, jobject pixels,
                                                                                    jint size, jint width, jint height, jint stride,
                                                                                    jint format, jfloatArray landmarks) {
  const Model* m = reinterpret_cast<const Model*>(handle);
  if (m == nullptr) {
    throw_edgeface(env, kInvalidArgument, "model is closed");
    return nullptr;
  }
  auto* px = static_cast<const unsigned char*>(env->GetDirectBufferAddress(pixels));
  if (px == nullptr || size < 0 || env->GetDirectBufferCapacity(pixels) < size) {
    throw_edgeface(env, kBufferTooSmall, "pixels: a direct ByteBuffer is needed");
    return nullptr;
  }
  float lm[10];
  const float* lmp = nullptr;
  if (landmarks != nullptr) {
    if (env->GetArrayLength(landmarks) != 10) {
      throw_edgeface(env, kInvalidArgument, "landmarks: 10 values (x,y of 5 points) expected");
      return nullptr;
    }
    env->GetFloatArrayRegion(landmarks, 0, 10, lm);
    lmp = lm;
  }
  try {
    std::vector<float> e = m->embedder->embed(px, static_cast<size_t>(size), width, height, stride,
                                              static_cast<edgeface::PixelFormat>(format), lmp);
    jfloatArray out = env->NewFloatArray(static_cast<jsize>(e.size()));
    if (out != nullptr) env->SetFloatArrayRegion(out, 0, static_cast<jsize>(e.size()), e.data());
    return out;
  } catch (const edgeface::Error& e) {
    throw_edgeface(env, static_cast<int>(e.status()), e.what());
  } catch (const std::exception& e) {
    throw_edgeface(env, kInternal, e.what());
  }
  return nullptr;
}

extern "C" JNIEXPORT void JNICALL Java_org_edgeface_EdgefaceModel_nativeClose(JNIEnv*, jclass, jlong handle) {
  delete reinterpret_cast<Model*>(handle);
}
