// Compile-only stub (no android.jar package in Debian): the members AndroidEdgefaceModel
// uses, with the signatures of Android's API reference. Never run.
package android.graphics;

public final class Bitmap {
    public enum Config { ALPHA_8, RGB_565, ARGB_4444, ARGB_8888, RGBA_F16, HARDWARE }

    public Config getConfig() { throw new UnsupportedOperationException("stub"); }
    public Bitmap copy(Config config, boolean isMutable) { throw new UnsupportedOperationException("stub"); }
    public void copyPixelsToBuffer(java.nio.Buffer dst) { throw new UnsupportedOperationException("stub"); }
    public int getWidth() { throw new UnsupportedOperationException("stub"); }
    public int getHeight() { throw new UnsupportedOperationException("stub"); }
    public int getRowBytes() { throw new UnsupportedOperationException("stub"); }
    public void recycle() { throw new UnsupportedOperationException("stub"); }
}
