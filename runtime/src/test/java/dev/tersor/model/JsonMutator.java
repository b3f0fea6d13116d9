package dev.tersor.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random edits of parsed JSON for the fuzz tests: numbers, strings, keys. */
final class JsonMutator {

    private static final long[] INTERESTING = {0, 1, -1, 2, 63, 64, 65, 255, 256, 65535, 65536, Integer.MAX_VALUE,
            Integer.MAX_VALUE + 1L, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40};

    private JsonMutator() {
    }

    /** A container (map or list) and a position in it. */
    private record Slot(Object container, Object key) {
    }

    private static void collect(Object node, List<Slot> numbers, List<Slot> strings, List<Slot> all) {
        if (node instanceof Map<?, ?> map) {
            for (var e : map.entrySet()) {
                Slot slot = new Slot(map, e.getKey());
                all.add(slot);
                classify(e.getValue(), slot, numbers, strings, all);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Slot slot = new Slot(list, i);
                all.add(slot);
                classify(list.get(i), slot, numbers, strings, all);
            }
        }
    }

    private static void classify(Object value, Slot slot, List<Slot> numbers, List<Slot> strings, List<Slot> all) {
        if (value instanceof Long) {
            numbers.add(slot);
        } else if (value instanceof String) {
            strings.add(slot);
        } else {
            collect(value, numbers, strings, all);
        }
    }

    @SuppressWarnings("unchecked")
    private static void set(Slot slot, Object value) {
        if (slot.container() instanceof Map<?, ?> map) {
            ((Map<Object, Object>) map).put(slot.key(), value);
        } else {
            ((List<Object>) slot.container()).set((Integer) slot.key(), value);
        }
    }

    private static Object get(Slot slot) {
        return slot.container() instanceof Map<?, ?> map ? map.get(slot.key()) : ((List<?>) slot.container()).get((Integer) slot.key());
    }

    /** Replaces one integer with an interesting or nearby value. */
    static String mutateNumber(Object root, Random random) {
        List<Slot> numbers = new ArrayList<>();
        collect(root, numbers, new ArrayList<>(), new ArrayList<>());
        if (numbers.isEmpty()) {
            return "nothing";
        }
        Slot slot = numbers.get(random.nextInt(numbers.size()));
        long old = (Long) get(slot);
        long value = switch (random.nextInt(3)) {
            case 0 -> INTERESTING[random.nextInt(INTERESTING.length)];
            case 1 -> old + random.nextInt(9) - 4;
            default -> old * 2;
        };
        set(slot, value);
        return slot.key() + ": " + old + " -> " + value;
    }

    /** Swaps a string for another one of the document, drops a key or element, or retypes a value. */
    @SuppressWarnings("unchecked")
    static String mutateStructure(Object root, Random random) {
        List<Slot> strings = new ArrayList<>();
        List<Slot> all = new ArrayList<>();
        collect(root, new ArrayList<>(), strings, all);
        switch (random.nextInt(3)) {
            case 0 -> {
                if (strings.size() < 2) {
                    return "nothing";
                }
                Slot a = strings.get(random.nextInt(strings.size()));
                Object value = get(strings.get(random.nextInt(strings.size())));
                set(a, value);
                return "string at " + a.key() + " -> " + value;
            }
            case 1 -> {
                Slot slot = all.get(random.nextInt(all.size()));
                if (slot.container() instanceof Map<?, ?> map) {
                    map.remove(slot.key());
                } else {
                    ((List<Object>) slot.container()).remove((int) (Integer) slot.key());
                }
                return "removed " + slot.key();
            }
            default -> {
                Slot slot = all.get(random.nextInt(all.size()));
                Object[] replacements = {null, "x", 7L, 2.5, Boolean.TRUE, new ArrayList<>(), new java.util.LinkedHashMap<>()};
                set(slot, replacements[random.nextInt(replacements.length)]);
                return "retyped " + slot.key();
            }
        }
    }
}
