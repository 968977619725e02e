package org.edgeface;

/**
 * What the app needs to run one model: the Java twin of {@code edgeface_model_spec} in the
 * typed header {@code edgeface_<m>.h}. Do not write one by hand: {@code edgeface build} /
 * {@code edgeface emit} generate a class per model ({@code <M>Model.SPEC}) from the model itself.
 */
public final class ModelSpec {
    public static final int RGB = 0;
    public static final int BGR = 1;

    public final String name;
    /** Blob indices in the .param.bin. */
    public final int inputBlob;
    public final int outputBlob;
    public final String inputName;
    public final String outputName;
    public final int inputWidth;
    public final int inputHeight;
    /** {@link #RGB} or {@link #BGR}: the channel order the model expects. */
    public final int pixelOrder;
    /** ncnn substract_mean_normalize form: pixel p (0..255) becomes (p - mean[c]) * norm[c]. */
    private final float[] mean;
    private final float[] norm;
    public final int embeddingSize;
    public final boolean int8;
    /** sha256 (hex) of the .param.bin followed by the .bin. */
    public final String sha256;
    public final String edgefaceVersion;

    public ModelSpec(String name, int inputBlob, int outputBlob, String inputName, String outputName,
                     int inputWidth, int inputHeight, int pixelOrder, float[] mean, float[] norm,
                     int embeddingSize, boolean int8, String sha256, String edgefaceVersion) {
        if (mean.length != 3 || norm.length != 3) throw new IllegalArgumentException("mean and norm need 3 values");
        this.name = name;
        this.inputBlob = inputBlob;
        this.outputBlob = outputBlob;
        this.inputName = inputName;
        this.outputName = outputName;
        this.inputWidth = inputWidth;
        this.inputHeight = inputHeight;
        this.pixelOrder = pixelOrder;
        this.mean = mean.clone();
        this.norm = norm.clone();
        this.embeddingSize = embeddingSize;
        this.int8 = int8;
        this.sha256 = sha256;
        this.edgefaceVersion = edgefaceVersion;
    }

    public float[] mean() { return mean.clone(); }

    public float[] norm() { return norm.clone(); }
}
