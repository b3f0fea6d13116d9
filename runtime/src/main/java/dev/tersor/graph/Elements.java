package dev.tersor.graph;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Typed element access by index, for code that handles every element type (folding, casts, indices). */
public final class Elements {

    private Elements() {
    }

    public static double getDouble(DataType type, MemorySegment data, long i) {
        return switch (type) {
            case FLOAT -> data.getAtIndex(Layouts.F32, i);
            case INT64 -> data.getAtIndex(Layouts.I64, i);
            case INT32 -> data.getAtIndex(Layouts.I32, i);
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case UINT8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        };
    }

    public static long getLong(DataType type, MemorySegment data, long i) {
        return switch (type) {
            case FLOAT -> (long) data.getAtIndex(Layouts.F32, i);
            case INT64 -> data.getAtIndex(Layouts.I64, i);
            case INT32 -> data.getAtIndex(Layouts.I32, i);
            case INT8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case UINT8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
        };
    }

    /** Stores {@code value} converted to {@code type} as ONNX's Cast does (floats truncate toward zero). */
    public static void setDouble(DataType type, MemorySegment data, long i, double value) {
        switch (type) {
            case FLOAT -> data.setAtIndex(Layouts.F32, i, (float) value);
            case INT64 -> data.setAtIndex(Layouts.I64, i, (long) value);
            case INT32 -> data.setAtIndex(Layouts.I32, i, (int) (long) value);
            case INT8, UINT8 -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (long) value);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (value != 0 ? 1 : 0));
        }
    }

    public static void setLong(DataType type, MemorySegment data, long i, long value) {
        switch (type) {
            case FLOAT -> data.setAtIndex(Layouts.F32, i, (float) value);
            case INT64 -> data.setAtIndex(Layouts.I64, i, value);
            case INT32 -> data.setAtIndex(Layouts.I32, i, (int) value);
            case INT8, UINT8 -> data.set(ValueLayout.JAVA_BYTE, i, (byte) value);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (value != 0 ? 1 : 0));
        }
    }
}
