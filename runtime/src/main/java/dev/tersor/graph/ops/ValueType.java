package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * What binding knows about a value: element type, static shape, and its contents when it is a
 * constant (a graph constant, or computed from constants and shapes while binding).
 */
public record ValueType(ElementType type, int[] shape, Tensor constant) {

    public ValueType {
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        Shapes.size(shape);
    }

    public static ValueType of(ElementType type, int... shape) {
        return new ValueType(type, shape, null);
    }

    public static ValueType of(Tensor constant) {
        return new ValueType(constant.type(), constant.shape(), constant);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int size() {
        return Shapes.size(shape);
    }

    public long byteSize() {
        return (long) size() * type.bytes();
    }

    public boolean isConstant() {
        return constant != null;
    }

    @Override
    public String toString() {
        return type.onnxName() + Arrays.toString(shape) + (constant != null ? " (constant)" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueType v && type == v.type && Arrays.equals(shape, v.shape) && constant == v.constant;
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
