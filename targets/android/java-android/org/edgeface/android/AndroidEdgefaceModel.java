package org.edgeface.android;

import android.content.res.AssetManager;
import android.graphics.Bitmap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.edgeface.EdgefaceModel;
import org.edgeface.ModelSpec;

/**
 * EdgefaceModel with the Android entry points: models from the APK's assets (where the
 * Gradle hook puts {@code <m>.param.bin} and {@code <m>.bin}) and Bitmap input.
 * <pre>
 *   val model = AndroidEdgefaceModel.load(assets, "face", FaceModel.SPEC)
 *   val e = model.embed(bitmap, landmarks)   // FloatArray, L2-normalised
 * </pre>
 */
public final class AndroidEdgefaceModel extends EdgefaceModel {
    private AndroidEdgefaceModel(ByteBuffer paramBin, ByteBuffer bin, ModelSpec spec, int threads) {
        super(paramBin, bin, spec, threads);
    }

    /** Loads assets {@code <name>.param.bin} and {@code <name>.bin}. */
    public static AndroidEdgefaceModel load(AssetManager assets, String name, ModelSpec spec) throws IOException {
        return load(assets, name, spec, 1);
    }

    public static AndroidEdgefaceModel load(AssetManager assets, String name, ModelSpec spec, int threads) throws IOException {
        return new AndroidEdgefaceModel(readAsset(assets, name + ".param.bin"), readAsset(assets, name + ".bin"), spec, threads);
    }

    /** Any Bitmap (converted to ARGB_8888 if needed); landmarks: null for an aligned crop, else x0,y0..x4,y4. */
    public float[] embed(Bitmap bitmap, float[] landmarks) {
        Bitmap argb = bitmap.getConfig() == Bitmap.Config.ARGB_8888 ? bitmap : bitmap.copy(Bitmap.Config.ARGB_8888, false);
        try {
            // ARGB_8888 is stored as R,G,B,A bytes: the embedder's RGBA.
            ByteBuffer px = ByteBuffer.allocateDirect(argb.getRowBytes() * argb.getHeight());
            argb.copyPixelsToBuffer(px);
            px.rewind();
            return embed(px, argb.getWidth(), argb.getHeight(), argb.getRowBytes(), RGBA, landmarks);
        } finally {
            if (argb != bitmap) argb.recycle();
        }
    }

    private static ByteBuffer readAsset(AssetManager assets, String asset) throws IOException {
        try (InputStream in = assets.open(asset)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[1 << 16];
            for (int n; (n = in.read(chunk)) > 0; ) out.write(chunk, 0, n);
            byte[] bytes = out.toByteArray();
            ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
            b.put(bytes).flip();
            return b;
        }
    }
}
