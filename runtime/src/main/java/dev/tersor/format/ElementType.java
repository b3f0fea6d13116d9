package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;

/** Element types of layout arrays, little-endian. The names match safetensors dtypes. */
public enum ElementType {
    F32(4),
    U8(1),
    U16(2),
    U32(4),
    I32(4),
    U64(8);

    private final int bytes;

    ElementType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The element type of an index array of this width. */
    public static ElementType of(IndexWidth width) {
        return switch (width) {
            case U8 -> U8;
            case U16 -> U16;
            case U32 -> U32;
        };
    }

    /** The index width of this type, if it is an unsigned index type of at most 32 bits. */
    public IndexWidth indexWidth() {
        return switch (this) {
            case U8 -> IndexWidth.U8;
            case U16 -> IndexWidth.U16;
            case U32 -> IndexWidth.U32;
            default -> throw new IllegalStateException(this + " is not an index type");
        };
    }

    public boolean isIndex() {
        return this == U8 || this == U16 || this == U32;
    }
}
