package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;

/**
 * Tersor's one vocabulary of element types, little-endian. Each row gives the safetensors dtype (the
 * constant's name), the bytes per element, ONNX's {@code TensorProto.DataType} id and name, and where
 * the type may appear: in graph tensors ({@link #isTensor()}), in weight layouts ({@link #isLayout()}),
 * or only in a container's framing. BF16, I16 and F64 are of the last kind: Tersor never computes on
 * them, but a safetensors file may hold them and messages may need their names. F16 appears in layouts
 * only as stored row scales ({@link StoredScales}), widened to f32 before any kernel reads them. The unsigned index
 * types map to the {@link IndexWidth} that kernels read.
 */
public enum ElementType {
    F32(4, 1, "FLOAT", Use.TENSOR | Use.LAYOUT),
    U8(1, 2, "UINT8", Use.TENSOR | Use.LAYOUT),
    I8(1, 3, "INT8", Use.TENSOR | Use.LAYOUT),
    U16(2, 4, "UINT16", Use.LAYOUT),
    I16(2, 5, "INT16", Use.FRAMING),
    I32(4, 6, "INT32", Use.TENSOR | Use.LAYOUT),
    I64(8, 7, "INT64", Use.TENSOR),
    BOOL(1, 9, "BOOL", Use.TENSOR),
    F16(2, 10, "FLOAT16", Use.LAYOUT),
    F64(8, 11, "DOUBLE", Use.FRAMING),
    U32(4, 12, "UINT32", Use.LAYOUT),
    U64(8, 13, "UINT64", Use.LAYOUT),
    BF16(2, 16, "BFLOAT16", Use.FRAMING);

    /** ONNX's string type, which has no element size and so no row here. */
    private static final int ONNX_STRING = 8;

    /** Where a type may appear, as bits: every type may be framed in a container. */
    private static final class Use {
        static final int FRAMING = 0;
        static final int TENSOR = 1;
        static final int LAYOUT = 2;
    }

    private final int bytes;
    private final int onnxId;
    private final String onnxName;
    private final int uses;

    ElementType(int bytes, int onnxId, String onnxName, int uses) {
        this.bytes = bytes;
        this.onnxId = onnxId;
        this.onnxName = onnxName;
        this.uses = uses;
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
        return (uses & Use.TENSOR) != 0;
    }

    /** Whether layouts may store arrays of this type (floats, indices, and the words some formats pack). */
    public boolean isLayout() {
        return (uses & Use.LAYOUT) != 0;
    }

    /** Whether tensor values of this type are integers (every tensor type but F32). */
    public boolean isInteger() {
        return this != F32 && this != F16 && this != BF16 && this != F64;
    }

    /** Whether this is an unsigned index type of at most 32 bits. */
    public boolean isIndex() {
        return this == U8 || this == U16 || this == U32;
    }

    /** The index width of this type, if it {@linkplain #isIndex() is an index type}. */
    public IndexWidth indexWidth() {
        return switch (this) {
            case U8 -> IndexWidth.U8;
            case U16 -> IndexWidth.U16;
            case U32 -> IndexWidth.U32;
            default -> throw new IllegalStateException(this + " is not an index type");
        };
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
        return type != null && type.isTensor() ? type : null;
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
