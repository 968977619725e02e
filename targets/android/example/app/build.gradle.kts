// Example app module: edgeface builds the face model at build time (convert, INT8 quantize,
// LFW accuracy gate) from app/edgeface.json; the APK gets face.param.bin/face.bin as assets,
// Kotlin gets org.edgeface.models.FaceModel (blob ids, size, mean/norm), native code gets
// edgeface_face.h. Nothing converted is committed to src/.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

// Where edgeface is: a checkout or node_modules/edgeface (npm install edgeface).
val edgefaceHome = rootProject.file("../../..").canonicalPath
apply(from = "$edgefaceHome/targets/android/edgeface.gradle")
// To run edgeface from that checkout instead of `edgeface` on PATH, gradle.properties:
//   edgeface.command=node <edgeface>/dist/src/cli.js

android {
    namespace = "org.edgeface.example"
    compileSdk = 34
    ndkVersion = "26.3.11579264"
    defaultConfig {
        applicationId = "org.edgeface.example"
        minSdk = 24
        targetSdk = 34
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a") }
        externalNativeBuild {
            cmake {
                // ncnn's prebuilt Android package (ncnn-YYYYMMDD-android from ncnn's releases), unpacked here:
                arguments += listOf("-DNCNN_ANDROID_DIR=${rootProject.file("ncnn-android").canonicalPath}", "-DEDGEFACE_HOME=$edgefaceHome")
            }
        }
    }
    externalNativeBuild {
        cmake { path = file("src/main/cpp/CMakeLists.txt") }
    }
    // The Java API (org.edgeface.*) from the edgeface checkout.
    sourceSets["main"].java.srcDirs("$edgefaceHome/targets/android/java", "$edgefaceHome/targets/android/java-android")
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_1_8
        targetCompatibility = JavaVersion.VERSION_1_8
    }
    kotlinOptions { jvmTarget = "1.8" }
}
