package dev.tersor.graph;

/**
 * Element types a tensor of the graph runtime can have. The ids are ONNX's TensorProto.DataType
 * numbers; the names are safetensors dtypes.
 */
public enum DataType {
    FLOAT(1, 4, "F32"),
    UINT8(2, 1, "U8"),
    INT8(3, 1, "I8"),
    INT32(6, 4, "I32"),
    INT64(7, 8, "I64"),
    BOOL(9, 1, "BOOL");

    private final int onnxId;
    private final int bytes;
    private final String safetensorsName;

    DataType(int onnxId, int bytes, String safetensorsName) {
        this.onnxId = onnxId;
        this.bytes = bytes;
        this.safetensorsName = safetensorsName;
    }

    public int onnxId() {
        return onnxId;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype string safetensors uses for this type. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** The type with ONNX id {@code id}, or {@code null} if Tersor has none. */
    public static DataType fromOnnx(int id) {
        for (DataType type : values()) {
            if (type.onnxId == id) {
                return type;
            }
        }
        return null;
    }

    /** The type called {@code name} in safetensors, or {@code null}. */
    public static DataType fromSafetensors(String name) {
        for (DataType type : values()) {
            if (type.safetensorsName.equals(name)) {
                return type;
            }
        }
        return null;
    }

    /** Whether values are integers (everything but FLOAT). */
    public boolean isInteger() {
        return this != FLOAT;
    }

    /** ONNX's name of an element type id, for messages. */
    public static String onnxName(int id) {
        return switch (id) {
            case 1 -> "FLOAT";
            case 2 -> "UINT8";
            case 3 -> "INT8";
            case 4 -> "UINT16";
            case 5 -> "INT16";
            case 6 -> "INT32";
            case 7 -> "INT64";
            case 8 -> "STRING";
            case 9 -> "BOOL";
            case 10 -> "FLOAT16";
            case 11 -> "DOUBLE";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 16 -> "BFLOAT16";
            default -> "type " + id;
        };
    }
}
