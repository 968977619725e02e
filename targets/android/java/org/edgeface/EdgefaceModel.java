package org.edgeface;

import java.nio.ByteBuffer;

/**
 * A loaded face model (JNI over the C++ embedder of targets/cpp): pixels plus five landmarks
 * in, L2-normalised embedding out. Pure Java (no Android classes), so it also runs on a
 * desktop JVM; {@code org.edgeface.android.AndroidEdgefaceModel} adds AssetManager and Bitmap.
 * {@link #embed} may be called from several threads at once; {@link #close} must not race them.
 */
public class EdgefaceModel implements AutoCloseable {
    /** Pixel formats (edgeface::PixelFormat). */
    public static final int RGB = 0, BGR = 1, RGBA = 2, BGRA = 3, NV21 = 4;

    private static volatile boolean loaded;

    /** Loads libedgeface_jni, or the file named by the system property {@code edgeface.jni.path}. */
    static void loadNative() {
        if (loaded) return;
        synchronized (EdgefaceModel.class) {
            if (loaded) return;
            String path = System.getProperty("edgeface.jni.path");
            if (path != null) System.load(path);
            else System.loadLibrary("edgeface_jni");
            loaded = true;
        }
    }

    private final ModelSpec spec;
    // ncnn reads the model in place: the buffers must stay reachable as long as the handle.
    private final ByteBuffer paramBin;
    private final ByteBuffer bin;
    private long handle;

    protected EdgefaceModel(ByteBuffer paramBin, ByteBuffer bin, ModelSpec spec, int threads) {
        loadNative();
        if (spec == null) throw new IllegalArgumentException("spec is null");
        this.spec = spec;
        this.paramBin = direct(paramBin, "param");
        this.bin = direct(bin, "bin");
        this.handle = nativeOpen(spec, this.paramBin, this.paramBin.remaining(), this.bin, this.bin.remaining(), threads);
    }

    /** From a .param.bin and a .bin image (any ByteBuffer; heap buffers are copied once). */
    public static EdgefaceModel load(ByteBuffer paramBin, ByteBuffer bin, ModelSpec spec) {
        return new EdgefaceModel(paramBin, bin, spec, 1);
    }

    public static EdgefaceModel load(ByteBuffer paramBin, ByteBuffer bin, ModelSpec spec, int threads) {
        return new EdgefaceModel(paramBin, bin, spec, threads);
    }

    /** RGBA pixels, rows of width*4 bytes; landmarks: null for an aligned crop, else x0,y0..x4,y4. */
    public float[] embed(ByteBuffer rgba, int width, int height, float[] landmarks) {
        return embed(rgba, width, height, width * 4, RGBA, landmarks);
    }

    public float[] embed(ByteBuffer pixels, int width, int height, int strideBytes, int format, float[] landmarks) {
        if (pixels == null) throw new IllegalArgumentException("pixels is null");
        if (landmarks != null && landmarks.length != 10)
            throw new IllegalArgumentException("landmarks: 10 values (x,y of 5 points) expected, got " + landmarks.length);
        ByteBuffer px = direct(pixels, "pixels");
        return nativeEmbed(liveHandle(), px, px.remaining(), width, height, strideBytes, format, landmarks);
    }

    public int embeddingSize() { return spec.embeddingSize; }

    public ModelSpec spec() { return spec; }

    /** Cosine similarity of two embeddings (any scale). */
    public static float cosine(float[] a, float[] b) {
        if (a.length != b.length || a.length == 0)
            throw new IllegalArgumentException("cosine: embeddings of sizes " + a.length + " and " + b.length);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return (float) (dot / Math.sqrt(na * nb));
    }

    @Override
    public synchronized void close() {
        if (handle != 0) {
            nativeClose(handle);
            handle = 0;
        }
    }

    private synchronized long liveHandle() {
        if (handle == 0) throw new IllegalStateException("model " + spec.name + " is closed");
        return handle;
    }

    /** A direct buffer starting at the data (the native side reads from its address). */
    private static ByteBuffer direct(ByteBuffer b, String what) {
        if (b == null) throw new IllegalArgumentException(what + " is null");
        if (b.isDirect()) return b.position() == 0 ? b : b.slice();
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining());
        d.put(b.duplicate()).flip();
        return d;
    }

    private static native long nativeOpen(ModelSpec spec, ByteBuffer paramBin, int paramSize, ByteBuffer bin, int binSize, int threads);

    private static native float[] nativeEmbed(long handle, ByteBuffer pixels, int size, int width, int height, int stride, int format, float[] landmarks);

    private static native void nativeClose(long handle);
}
