"""The Android JNI bridge and Java API on the host JVM: libedgeface_jni built with the
JDK's headers against ncnn built from source (targets/android/jni/build.sh host), the Java
API (targets/android/java) compiled with the model constants `edgeface emit` generates,
the model loaded from direct ByteBuffers (.param.bin + .bin, blobs by index) and the LFW
fold-1 images embedded through the ByteBuffer RGBA path:
- embeddings equal the C++ embedder's (edgeface-embed on the same pixel buffers);
- LFW fold-1 accuracy equals `edgeface eval`'s on the same model;
- raw 150 px images with landmarks (aligned inside the embedder) equal the C++ embedder's;
- embedder errors arrive as EdgefaceException with the embedder's message;
- the Android-only class (AssetManager, Bitmap) compiles with javac against stubs of those
  two classes (no android.jar package exists in Debian).
Skips only when the JDK or the C++ toolchain is absent (fails instead under
EDGEFACE_REQUIRE_NCNN_TOOLS=1). Figures are printed (pytest -s)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# The C++ embedder's test helpers (targets/cpp's tests): build, spec file, driver, LFW lists.
ct = pytest.importorskip("cpp_targets", reason="targets/cpp (the C++ embedder) and its test helpers are not in this checkout")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_eval_reference import reference_protocol  # noqa: E402

ROOT = ct.ROOT
MODEL = ROOT / "models" / "edgeface-mbf.onnx"
SUBSET = ROOT / "data" / "lfw-fold1"
JAVA_API = ROOT / "targets" / "android" / "java"
JAVA_ANDROID = ROOT / "targets" / "android" / "java-android"
STUBS = ROOT / "tests" / "targets" / "android-stubs"
DRIVER = ROOT / "tests" / "targets" / "java" / "EmbedList.java"
RAW_SCALE = 150 / 250
DIM = 512  # the bundled model's embedding size


def skip_or_fail(why: str):
    if ct.required():
        pytest.fail(why)
    pytest.skip(why)


def javac(out: Path, sources: list[Path], classpath: Path | None = None, release: str = "8") -> None:
    cmd = ["javac", "-Xlint:all", "-Xlint:-options", "-Werror", "--release", release, "-d", str(out)]
    if classpath:
        cmd += ["-cp", str(classpath)]
    r = subprocess.run(cmd + [str(s) for s in sources], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def build_bridge(arch: str) -> Path:
    r = subprocess.run([str(ROOT / "targets" / "android" / "jni" / "build.sh"), arch], capture_output=True, text=True)
    assert r.returncode == 0, f"targets/android/jni/build.sh {arch} failed:\n{r.stderr[-3000:]}"
    return Path(r.stdout.strip().splitlines()[-1])


def subset_pairs() -> tuple[list[str], np.ndarray, np.ndarray]:
    """data/lfw-fold1: LFW fold 1 laid out as edgeface eval reads it (10 folds of 30 + 30)."""
    lines = (SUBSET / "pairs.txt").read_text().splitlines()[1:]
    images: list[str] = []
    index: dict[str, int] = {}

    def img(name: str, i: str) -> int:
        rel = f"{name}/{name}_{int(i):04d}.jpg"
        if rel not in index:
            index[rel] = len(images)
            images.append(rel)
        return index[rel]

    pairs, same = [], []
    for line in lines:
        f = line.strip().split("\t")
        if len(f) == 3:
            pairs.append((img(f[0], f[1]), img(f[0], f[2])))
            same.append(True)
        elif len(f) == 4:
            pairs.append((img(f[0], f[1]), img(f[2], f[3])))
            same.append(False)
    return images, np.array(pairs), np.array(same)


class Runners:
    """The same list of raw pixel buffers through edgeface-embed (C++) and EmbedList (Java, JNI)."""

    def __init__(self, d: Path, cpp: Path, spec_file: Path, param: Path, param_bin: Path, binf: Path, so: Path, classes: Path):
        self.d, self.cpp, self.spec_file, self.param, self.param_bin, self.bin = d, cpp, spec_file, param, param_bin, binf
        self.so, self.classes = so, classes
        self.n = 0

    def run(self, items: list[tuple], dim: int = DIM) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
        self.n += 1
        d = self.d / f"run{self.n}"
        d.mkdir()
        ct.write_item_list(d, items)
        c = subprocess.run([str(self.cpp), str(self.spec_file), str(self.param), str(self.bin), str(d / "list.txt"), str(d / "cpp.f32")],
                           capture_output=True, text=True)
        assert c.returncode == 0, c.stderr
        j = subprocess.run(["java", f"-Dedgeface.jni.path={self.so}", "-cp", str(self.classes), "EmbedList", "org.edgeface.models.FaceModel",
                            str(self.param_bin), str(self.bin), str(d / "list.txt"), str(d / "java.f32")], capture_output=True, text=True)
        assert j.returncode == 0, j.stderr
        cpp = np.fromfile(d / "cpp.f32", dtype=np.float32).reshape(len(items), dim)
        java = np.fromfile(d / "java.f32", dtype=np.float32).reshape(len(items), dim)
        shutil.rmtree(d)
        return cpp, java, c.stdout.splitlines(), j.stdout.splitlines()


@pytest.fixture(scope="module")
def jni(tmp_path_factory):
    if ct.required() and shutil.which("javac") is None:
        # CI machines start fresh: install Debian's JDK (as tools/ncnn_build does for its packages).
        r = subprocess.run([str(ROOT / "targets" / "android" / "jni" / "jdk-deps.sh")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            skip_or_fail(f"{tool} missing (a JDK: Debian default-jdk-headless, targets/android/jni/jdk-deps.sh)")
    if not ct.have_toolchain("host"):
        skip_or_fail("cmake/make/c++ missing")
    cpp = ct.build_driver("host")
    so = build_bridge("host")
    d = tmp_path_factory.mktemp("jni")
    ct.edgeface_cli("convert", str(MODEL), "-o", str(d / "mbf"))
    param = d / "mbf.param"
    spec_file = d / "mbf.spec"
    spec = ct.write_spec(param, d / "mbf.param.json", spec_file, DIM)
    ct.edgeface_cli("emit", str(param), "-o", str(d / "emit"), "--name", "face")
    emitted = d / "emit"
    classes = d / "classes"
    javac(classes, sorted(JAVA_API.rglob("*.java")) + [emitted / "FaceModel.java"])
    javac(classes, [DRIVER], classpath=classes, release="17")
    runners = Runners(d, cpp, spec_file, param, emitted / "face.param.bin", emitted / "face.bin", so, classes)
    return runners, spec, d


def test_android_only_class_compiles_against_stubs(jni, tmp_path):
    runners, _, _ = jni
    javac(tmp_path, sorted(JAVA_ANDROID.rglob("*.java")) + sorted(STUBS.rglob("*.java")), classpath=runners.classes)
    assert (tmp_path / "org" / "edgeface" / "android" / "AndroidEdgefaceModel.class").is_file()


def test_java_embeddings_equal_cpp_and_lfw_accuracy_equals_eval(jni):
    runners, spec, d = jni
    images, pairs, same = subset_pairs()
    crops = [ct.load_rgb(SUBSET / "aligned112" / rel) for rel in images]
    items = [(ct.pixel_bytes(c, "rgba"), c.shape[1], c.shape[0], 0, "rgba", None) for c in crops]
    cpp, java, cs, js = runners.run(items)
    assert set(cs) == {"ok"} and set(js) == {"ok"}, (cs[:3], js[:3])
    diff = float(np.abs(cpp - java).max())
    cos = ct.cosines(cpp, java)
    acc_java = reference_protocol(java, pairs, same)["accuracyMean"]
    ct.edgeface_cli("eval", "-q", "--lfw", str(SUBSET), str(runners.param), "--json", str(d / "eval.json"))
    acc_eval = json.loads((d / "eval.json").read_text())["models"][0]["result"]["accuracyMean"]
    print(f"\nJava API (JNI, .param.bin from ByteBuffers) on {len(images)} LFW fold-1 crops: max |Java - C++| {diff:.3g}, "
          f"cosine min {cos.min():.7f}; LFW fold 1 accuracy Java {100 * acc_java:.2f}%, edgeface eval {100 * acc_eval:.2f}%")
    assert diff <= 1e-6
    assert acc_java == pytest.approx(acc_eval, abs=1e-9)


def test_raw_images_with_landmarks_equal_cpp(jni):
    runners, _, _ = jni
    if not (ct.LFW / "raw150-fold1").is_dir():
        pytest.skip("../shared/data/lfw/raw150-fold1 not present")
    images, _, _ = ct.fold1_pairs()
    lms = ct.landmarks()
    items = []
    for rel in images[:200]:
        img = ct.load_rgb(ct.LFW / "raw150-fold1" / rel)
        items.append((ct.pixel_bytes(img, "rgba"), img.shape[1], img.shape[0], 0, "rgba", lms[rel] * RAW_SCALE))
    cpp, java, cs, js = runners.run(items)
    assert cs == js
    ok = [i for i, s in enumerate(cs) if s == "ok"]
    print(f"\nraw 150 px + landmarks, {len(items)} images ({len(ok)} ok): max |Java - C++| {float(np.abs(cpp - java).max()):.3g}")
    assert len(ok) >= 0.95 * len(items)
    assert float(np.abs(cpp - java).max()) <= 1e-6


def test_embedder_errors_are_exceptions_with_its_message(jni):
    runners, _, _ = jni
    crop = ct.load_rgb(SUBSET / "aligned112" / "Abel_Pacheco" / "Abel_Pacheco_0001.jpg")
    px = ct.pixel_bytes(crop, "rgba")
    items = [
        (px[: len(px) // 2], 112, 112, 0, "rgba", None),  # buffer too small for 112x112 RGBA
        (px, 112, 112, 0, "rgba", np.array([500.0, 40, 70, 40, 56, 60, 42, 80, 70, 80])),  # landmark outside
        (ct.pixel_bytes(crop[:50, :50].copy(), "rgba"), 50, 50, 0, "rgba", None),  # smaller than the model input
        (px, 112, 112, 0, "9", None),  # unknown pixel format
    ]
    cpp, java, cs, js = runners.run(items)
    print("\n" + "\n".join(f"  C++: {c}\n  Java: {j}" for c, j in zip(cs, js)))
    for c, j in zip(cs, js):
        assert j.startswith("error "), j
        # Same status (C++ prints its name, Java its code) and the embedder's own message.
        assert c.split(" ", 2)[2] == j.split(" ", 2)[2]
    assert not java.any()


def test_bridge_cross_compiles_for_aarch64():
    """The same bridge for arm64 (ncnn's NEON build, Debian's aarch64 g++): an AArch64 shared
    object exporting exactly the three JNI entry points. No arm64 JVM runs here; the C++
    embedder it wraps runs under qemu-aarch64 in test_cpp_embedder.py."""
    if shutil.which("javac") is None:
        skip_or_fail("javac missing (the bridge needs the JDK's jni.h)")
    if not ct.have_toolchain("aarch64"):
        skip_or_fail("aarch64 cross toolchain missing (tools/ncnn_build/cross-deps.sh)")
    so = build_bridge("aarch64")
    head = subprocess.run(["readelf", "-h", str(so)], capture_output=True, text=True).stdout
    assert "AArch64" in head, head
    syms = subprocess.run(["readelf", "--dyn-syms", "-W", str(so)], capture_output=True, text=True).stdout
    exported = sorted({line.split()[-1] for line in syms.splitlines() if " FUNC " in line and " GLOBAL " in line and " UND " not in line})
    assert exported == ["Java_org_edgeface_EdgefaceModel_nativeClose", "Java_org_edgeface_EdgefaceModel_nativeEmbed",
                        "Java_org_edgeface_EdgefaceModel_nativeOpen"], exported
