// Lifetimes: scopes free what they own, keep() hands a tensor outward, views keep shared storage alive,
// detached scopes own long-lived tensors, and misuse (closing out of order) is reported.
package ai.lethe.tensor;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.backend.Backends;
import ai.lethe.core.Device;
import ai.lethe.core.Shape;
import org.junit.jupiter.api.Test;

class ScopeTest {
    private static long live() { return Backends.byName("ref").memoryStats().liveBytes(); }

    @Test void closingAScopeFreesEverythingItOwns() {
        long before = live();
        try (Scope s = Scope.open()) {
            Tensor.ones(Shape.of(100), Device.REF).add(1.0).exp();
            assertEquals(3, s.size());
            assertTrue(live() >= before + 3 * 400);
        }
        assertEquals(before, live());
    }

    @Test void keepMovesToTheEnclosingScopeOrTheCaller() {
        Tensor kept;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                kept = inner.keep(Tensor.ones(Shape.of(2), Device.REF));
            }
            assertFalse(kept.isClosed());
            assertSame(outer, kept.owner());
        }
        assertTrue(kept.isClosed());
        Tensor mine;
        try (Scope only = Scope.open()) {
            mine = only.keep(Tensor.ones(Shape.of(2), Device.REF));
        }
        assertNull(mine.owner());
        assertFalse(mine.isClosed());
        mine.close();
    }

    @Test void viewsKeepStorageAliveAfterTheBaseCloses() {
        long before = live();
        Tensor view;
        try (Scope s = Scope.open()) {
            Tensor base = Tensor.fromArray(new float[] {1, 2, 3, 4}, Device.REF, 2, 2);
            view = s.keep(base.t());
        }
        assertArrayEquals(new float[] {1, 3, 2, 4}, view.toFloatArray());
        view.close();
        assertEquals(before, live());
    }

    @Test void detachedScopesOwnLongLivedTensors() {
        Scope params = Scope.detached("params");
        Tensor w;
        try (Scope step = Scope.open()) {
            w = params.adopt(Tensor.ones(Shape.of(3), Device.REF));
        }
        assertFalse(w.isClosed());
        params.close();
        assertTrue(w.isClosed());
    }

    @Test void closingOutOfOrderIsReported() {
        Scope outer = Scope.open("outer");
        Scope inner = Scope.open("inner");
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("inner"), e.getMessage());
        inner.close();
        outer.close();
        assertThrows(IllegalStateException.class, () -> {
            try (Scope closed = Scope.detached("x")) {
                closed.close();
                closed.adopt(Tensor.ones(Shape.of(1), Device.REF));
            }
        });
    }

    @Test void toStringShowsShapeDeviceAndValues() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.fromArray(new float[] {1, 2.5f, -3, 4}, Device.REF, 2, 2);
            String text = t.toString();
            assertTrue(text.startsWith("Tensor[2, 2] float32 ref"), text);
            assertTrue(text.contains("[[1.0, 2.5000],\n [-3.0, 4.0]]"), text);
            assertTrue(Tensor.zeros(Shape.of(1000), Device.REF).toString().contains("(1000 elements)"));
            Tensor closed = Tensor.ones(Shape.of(1), Device.REF);
            closed.close();
            assertTrue(closed.toString().contains("(closed)"));
        }
    }
}
