package dev.tersor.format;

import java.util.Arrays;

/** Open-addressing map from float bits to codes, assigning codes in order of first appearance. */
final class BitsIndex {
    private int[] keys = new int[64];
    private int[] values = new int[64];
    private boolean[] used = new boolean[64];
    private float[] codebook = new float[16];
    private int size;

    int codeOf(int bits) {
        int mask = keys.length - 1;
        int slot = mix(bits) & mask;
        while (used[slot]) {
            if (keys[slot] == bits) {
                return values[slot];
            }
            slot = (slot + 1) & mask;
        }
        int code = size++;
        used[slot] = true;
        keys[slot] = bits;
        values[slot] = code;
        if (code == codebook.length) {
            codebook = Arrays.copyOf(codebook, 2 * code);
        }
        codebook[code] = Float.intBitsToFloat(bits);
        if (2 * size > keys.length) {
            rehash();
        }
        return code;
    }

    float[] codebook() {
        return Arrays.copyOf(codebook, size);
    }

    private void rehash() {
        int[] oldKeys = keys;
        int[] oldValues = values;
        boolean[] oldUsed = used;
        keys = new int[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        used = new boolean[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldUsed[i]) {
                int slot = mix(oldKeys[i]) & mask;
                while (used[slot]) {
                    slot = (slot + 1) & mask;
                }
                used[slot] = true;
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }

    private static int mix(int bits) {
        int h = bits * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
