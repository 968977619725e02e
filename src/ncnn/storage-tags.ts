/** 4-byte little-endian tags that precede a tagged weight buffer (ncnn src/modelbin.cpp). */
export const TAG_FLOAT32 = 0x00000000;
export const TAG_FLOAT16 = 0x01306b47;
export const TAG_INT8 = 0x000d4b38;
/** Raw float32 written by some tools; read the same as TAG_FLOAT32. */
export const TAG_RAW_FLOAT32 = 0x0002c056;
