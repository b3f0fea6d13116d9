package dev.tersor.graph;

import dev.tersor.format.ElementType;

import java.util.Arrays;

/** A graph input: name, element type and dims, where {@code -1} marks a dimension bound at run time. */
public record ValueInfo(String name, ElementType type, int[] dims) {

    public ValueInfo {
        if (!type.isTensor()) {
            throw new UnsupportedModelException("input " + name + " has element type " + type.onnxName() + ", which tensors cannot have");
        }
        dims = dims.clone();
    }

    @Override
    public int[] dims() {
        return dims.clone();
    }

    /** Whether {@code shape} fits these dims. */
    public boolean accepts(int[] shape) {
        if (shape.length != dims.length) {
            return false;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] >= 0 && dims[i] != shape[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return name + ": " + type.onnxName() + Arrays.toString(dims);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ValueInfo v && name.equals(v.name) && type == v.type && Arrays.equals(dims, v.dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }
}
