// Compile-only stub (no android.jar package in Debian): the member the example app's Kotlin
// code uses, with the signature of Android's API reference. Never run.
package android.content;

public abstract class Context {
    public abstract android.content.res.AssetManager getAssets();
}
