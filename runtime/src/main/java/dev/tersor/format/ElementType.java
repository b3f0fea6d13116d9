package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;

/**
 * Tersor's one vocabulary of element types, little-endian: each row gives the safetensors dtype (the
 * constant's name), the bytes per element, the ONNX {@code TensorProto.DataType} id and name, whether
 * graph tensors and whether layouts may hold it, and for unsigned index types the {@link IndexWidth}
 * kernels read.
 *
 * <p>The container frames arrays of every type listed here; layouts store the
 * {@linkplain #isLayout() layout types}; graph tensors compute on the {@linkplain #isTensor() tensor types}. Types a safetensors file may
 * hold but Tersor never computes on (F16, BF16, I16, F64) are listed so foreign framing can be
 * checked, and so that messages can name them.
 */
public enum ElementType {
    F32(4, 1, "FLOAT", true, true, null),
    U8(1, 2, "UINT8", true, true, IndexWidth.U8),
    I8(1, 3, "INT8", true, false, null),
    U16(2, 4, "UINT16", false, true, IndexWidth.U16),
    I16(2, 5, "INT16", false, false, null),
    I32(4, 6, "INT32", true, true, null),
    I64(8, 7, "INT64", true, false, null),
    BOOL(1, 9, "BOOL", true, false, null),
    F16(2, 10, "FLOAT16", false, false, null),
    F64(8, 11, "DOUBLE", false, false, null),
    U32(4, 12, "UINT32", false, true, IndexWidth.U32),
    U64(8, 13, "UINT64", false, true, null),
    BF16(2, 16, "BFLOAT16", false, false, null);

    /** ONNX's string type, which has no element size and so no row here. */
    private static final int ONNX_STRING = 8;

    private final int bytes;
    private final int onnxId;
    private final String onnxName;
    private final boolean tensor;
    private final boolean layout;
    private final IndexWidth indexWidth;

    ElementType(int bytes, int onnxId, String onnxName, boolean tensor, boolean layout, IndexWidth indexWidth) {
        this.bytes = bytes;
        this.onnxId = onnxId;
        this.onnxName = onnxName;
        this.tensor = tensor;
        this.layout = layout;
        this.indexWidth = indexWidth;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** ONNX's {@code TensorProto.DataType} number. */
    public int onnxId() {
        return onnxId;
    }

    /** ONNX's name, used in messages about graphs (the vocabulary of the models users bring). */
    public String onnxName() {
        return onnxName;
    }

    /** The safetensors dtype string. */
    public String safetensorsName() {
        return name();
    }

    /** Whether graph tensors may have this type (the runtime's operators compute on it). */
    public boolean isTensor() {
        return tensor;
    }

    /** Whether layouts may store arrays of this type (floats, indices, and the words some formats pack). */
    public boolean isLayout() {
        return layout;
    }

    /** Whether tensor values of this type are integers (every tensor type but F32). */
    public boolean isInteger() {
        return this != F32 && this != F16 && this != BF16 && this != F64;
    }

    /** Whether this is an unsigned index type of at most 32 bits. */
    public boolean isIndex() {
        return indexWidth != null;
    }

    /** The index width of this type, if it {@linkplain #isIndex() is an index type}. */
    public IndexWidth indexWidth() {
        if (indexWidth == null) {
            throw new IllegalStateException(this + " is not an index type");
        }
        return indexWidth;
    }

    /** The element type of an index array of this width. */
    public static ElementType of(IndexWidth width) {
        return switch (width) {
            case U8 -> U8;
            case U16 -> U16;
            case U32 -> U32;
        };
    }

    /** The type with ONNX id {@code id}, or {@code null} if the vocabulary has none. */
    public static ElementType fromOnnx(int id) {
        for (ElementType type : values()) {
            if (type.onnxId == id) {
                return type;
            }
        }
        return null;
    }

    /** The tensor type with ONNX id {@code id}, or {@code null} if graph tensors cannot have it. */
    public static ElementType tensorFromOnnx(int id) {
        ElementType type = fromOnnx(id);
        return type != null && type.tensor ? type : null;
    }

    /** The type whose safetensors dtype is {@code name}, or {@code null}. */
    public static ElementType fromSafetensors(String name) {
        for (ElementType type : values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** ONNX's name of an element type id, for messages about types Tersor may not have. */
    public static String onnxName(int id) {
        ElementType type = fromOnnx(id);
        if (type != null) {
            return type.onnxName;
        }
        return id == ONNX_STRING ? "STRING" : "type " + id;
    }
}
