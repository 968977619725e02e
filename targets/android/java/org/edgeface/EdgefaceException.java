package org.edgeface;

/** A failure of the native embedder, with its one-line message and status. */
public final class EdgefaceException extends RuntimeException {
    /** Status codes of edgeface::Status (targets/cpp/include/edgeface/embedder.h). */
    public static final int INVALID_ARGUMENT = 1, MODEL_LOAD_FAILED = 2, IMAGE_TOO_SMALL = 3,
            LANDMARKS_OUTSIDE = 4, BUFFER_TOO_SMALL = 5, INTERNAL = 6;

    private static final long serialVersionUID = 1L;
    private final int status;

    public EdgefaceException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() { return status; }
}
