// The in-memory dataset: conversion to [0, 1] exactly as b / 255f, bounds and argument checks, and concurrent
// reads from many threads giving the same values as one.
package ai.lethe.data.source;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.ImageShape;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ByteImageDatasetTest {
    static ByteImageDataset sample(int n) {
        var shape = new ImageShape(2, 3, 4);
        byte[] px = new byte[n * shape.size()];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 31);
        int[] labels = IntStream.range(0, n).map(i -> i % 3).toArray();
        return new ByteImageDataset("t", shape, List.of("a", "b", "c"), px, labels);
    }

    @Test void convertsEveryByteExactly() {
        var shape = new ImageShape(1, 16, 16);
        byte[] px = new byte[256];
        for (int i = 0; i < 256; i++) px[i] = (byte) i;
        var d = new ByteImageDataset("all", shape, List.of("x"), px, new int[1]);
        float[] out = new float[256];
        d.readImage(0, out, 0);
        for (int i = 0; i < 256; i++) assertEquals(i / 255f, out[i]);
        assertEquals(0f, out[0]);
        assertEquals(1f, out[255]);
    }

    @Test void checksArgumentsAndBounds() {
        var d = sample(4);
        assertThrows(IndexOutOfBoundsException.class, () -> d.label(4));
        assertThrows(IndexOutOfBoundsException.class, () -> d.readImage(-1, new float[24], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> d.readImage(0, new float[30], 10));
        assertThrows(IllegalArgumentException.class,
                () -> new ByteImageDataset("x", new ImageShape(1, 2, 2), List.of("a"), new byte[5], new int[1]));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new ByteImageDataset("x", new ImageShape(1, 2, 2), List.of("a"), new byte[4], new int[] {1}));
        assertTrue(e.getMessage().contains("label 1 of sample 0"), e.getMessage());
        assertTrue(d.toString().contains("4 images of 2x3x4"), d.toString());
    }

    @Test void concurrentReadsAgree() {
        var d = sample(500);
        int n = d.shape().size();
        float[] expected = new float[500 * n];
        for (int i = 0; i < 500; i++) d.readImage(i, expected, i * n);
        float[] got = new float[500 * n];
        IntStream.range(0, 20_000).parallel().forEach(k -> {
            int i = (k * 7919) % 500;
            float[] one = new float[n];
            d.readImage(i, one, 0);
            for (int j = 0; j < n; j++) assertEquals(expected[i * n + j], one[j]);
            if (k < 500) d.readImage(k, got, k * n);
        });
        assertArrayEquals(expected, got);
    }
}
