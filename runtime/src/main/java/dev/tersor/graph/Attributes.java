package dev.tersor.graph;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The attributes of a node: an immutable map from name to a {@code Long}, {@code Float},
 * {@code String}, {@code long[]} or {@code float[]}. Arrays are copied in and out.
 */
public final class Attributes {

    public static final Attributes NONE = new Attributes(Map.of());

    private final Map<String, Object> values;

    private Attributes(Map<String, Object> values) {
        this.values = values;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these attributes. */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.values.putAll(values);
        return builder;
    }

    public Set<String> names() {
        return values.keySet();
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The raw value: Long, Float, String, long[] (a copy) or float[] (a copy). */
    public Object get(String name) {
        Object v = values.get(name);
        if (v instanceof long[] a) {
            return a.clone();
        }
        if (v instanceof float[] a) {
            return a.clone();
        }
        return v;
    }

    public long getLong(String name, long defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new InvalidModelException("attribute '" + name + "' is not an integer");
    }

    public float getFloat(String name, float defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof Float f) {
            return f;
        }
        throw new InvalidModelException("attribute '" + name + "' is not a float");
    }

    public String getString(String name, String defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new InvalidModelException("attribute '" + name + "' is not a string");
    }

    /** An integer list attribute, or {@code defaultValue} (may be null) if absent. */
    public long[] getLongs(String name, long[] defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof long[] a) {
            return a.clone();
        }
        throw new InvalidModelException("attribute '" + name + "' is not an integer list");
    }

    public float[] getFloats(String name, float[] defaultValue) {
        Object v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        if (v instanceof float[] a) {
            return a.clone();
        }
        throw new InvalidModelException("attribute '" + name + "' is not a float list");
    }

    /** Names present that are not in {@code allowed}, sorted. */
    public Set<String> unknown(Set<String> allowed) {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(allowed);
        return unknown;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Attributes other) || !values.keySet().equals(other.values.keySet())) {
            return false;
        }
        for (var e : values.entrySet()) {
            Object a = e.getValue();
            Object b = other.values.get(e.getKey());
            boolean same = a instanceof long[] x ? b instanceof long[] y && Arrays.equals(x, y)
                    : a instanceof float[] x ? b instanceof float[] y && Arrays.equals(x, y)
                    : a.equals(b);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return values.keySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (var e : values.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            Object v = e.getValue();
            sb.append(e.getKey()).append('=').append(v instanceof long[] a ? Arrays.toString(a)
                    : v instanceof float[] a ? Arrays.toString(a) : v);
        }
        return sb.append('}').toString();
    }

    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        public Builder put(String name, long value) {
            values.put(name, value);
            return this;
        }

        public Builder put(String name, float value) {
            values.put(name, value);
            return this;
        }

        public Builder put(String name, String value) {
            values.put(name, value);
            return this;
        }

        public Builder put(String name, long[] value) {
            values.put(name, value.clone());
            return this;
        }

        public Builder put(String name, float[] value) {
            values.put(name, value.clone());
            return this;
        }

        public Builder remove(String name) {
            values.remove(name);
            return this;
        }

        public Attributes build() {
            return values.isEmpty() ? NONE : new Attributes(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }
    }
}
