package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Typed element access by index, for code that handles every element type (folding, casts, indices). */
public final class Elements {

    private Elements() {
    }

    public static double getDouble(ElementType type, MemorySegment data, long i) {
        return switch (type) {
            case F32 -> data.getAtIndex(Layouts.F32, i);
            case I64 -> data.getAtIndex(Layouts.I64, i);
            case I32 -> data.getAtIndex(Layouts.I32, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            default -> throw notATensorType(type);
        };
    }

    public static long getLong(ElementType type, MemorySegment data, long i) {
        return switch (type) {
            case F32 -> (long) data.getAtIndex(Layouts.F32, i);
            case I64 -> data.getAtIndex(Layouts.I64, i);
            case I32 -> data.getAtIndex(Layouts.I32, i);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            default -> throw notATensorType(type);
        };
    }

    /** Stores {@code value} converted to {@code type} as ONNX's Cast does (floats truncate toward zero). */
    public static void setDouble(ElementType type, MemorySegment data, long i, double value) {
        switch (type) {
            case F32 -> data.setAtIndex(Layouts.F32, i, (float) value);
            case I64 -> data.setAtIndex(Layouts.I64, i, (long) value);
            case I32 -> data.setAtIndex(Layouts.I32, i, (int) (long) value);
            case I8, U8 -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (long) value);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (value != 0 ? 1 : 0));
            default -> throw notATensorType(type);
        }
    }

    public static void setLong(ElementType type, MemorySegment data, long i, long value) {
        switch (type) {
            case F32 -> data.setAtIndex(Layouts.F32, i, (float) value);
            case I64 -> data.setAtIndex(Layouts.I64, i, value);
            case I32 -> data.setAtIndex(Layouts.I32, i, (int) value);
            case I8, U8 -> data.set(ValueLayout.JAVA_BYTE, i, (byte) value);
            case BOOL -> data.set(ValueLayout.JAVA_BYTE, i, (byte) (value != 0 ? 1 : 0));
            default -> throw notATensorType(type);
        }
    }

    /** Tensors only hold {@linkplain ElementType#isTensor() tensor types}, so reaching this is a bug. */
    private static IllegalStateException notATensorType(ElementType type) {
        return new IllegalStateException(type + " is not a tensor element type");
    }
}
