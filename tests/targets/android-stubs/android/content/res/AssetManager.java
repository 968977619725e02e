// Compile-only stub (no android.jar package in Debian): the signature AndroidEdgefaceModel
// uses, as in Android's API reference. Never run.
package android.content.res;

public final class AssetManager {
    public java.io.InputStream open(String fileName) throws java.io.IOException {
        throw new UnsupportedOperationException("stub");
    }
}
