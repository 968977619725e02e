/* What an edgeface model needs at run time: blob ids, input size, colour order and
 * preprocessing. `edgeface emit` writes one constant of this type per model into
 * edgeface_<m>.h (docs: targets/README.md); the block below is identical there, under the
 * same guard, so the two headers can be included together in any order. */
#ifndef EDGEFACE_MODEL_SPEC_DEFINED
#define EDGEFACE_MODEL_SPEC_DEFINED
typedef struct edgeface_model_spec {
    const char *name;            /* model name <m> */
    int input_blob;              /* blob index in the .param.bin (= BLOB_<input> of <m>.id.h) */
    int output_blob;             /* embedding blob index */
    const char *input_name;      /* blob names, for the text .param */
    const char *output_name;
    int input_width;             /* model input W (e.g. 96 for a 112x96 model) */
    int input_height;            /* model input H */
    int pixel_order;             /* EDGEFACE_RGB (0) or EDGEFACE_BGR (1): channel order the model expects */
    float mean[3];               /* ncnn substract_mean_normalize form, in 0..255 pixel units, model channel order */
    float norm[3];               /* multipliers applied after subtracting mean */
    int embedding_size;
    int int8;                    /* 1 if the model has INT8 layers */
    const char *sha256;          /* sha256 of the .param.bin followed by the .bin (hex) */
    const char *edgeface_version;
} edgeface_model_spec;
#define EDGEFACE_RGB 0
#define EDGEFACE_BGR 1
#endif
