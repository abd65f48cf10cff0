// The `poisoned` forget request: parsed from its command-line form, its split of a Poisoned training set is
// Df = exactly the poisoned samples (stamped and relabelled, as trained) and Dr = the clean rest, the forget-test
// set Df itself and the retain-test set the whole test set; the split survives its JSON form; a training set
// that is not poisoned is refused with a message that says how to get one.
package ai.lethe.data.split;

import static org.junit.jupiter.api.Assertions.*;

import ai.lethe.data.poison.PoisonSpec;
import ai.lethe.data.poison.Poisoned;
import ai.lethe.data.poison.PoisonedTest;
import ai.lethe.data.source.ByteImageDataset;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PoisonForgetTest {
    @Test void parsesAndNamesItself() {
        assertEquals(new PoisonForget(), ForgetRequest.parse("poisoned"));
        assertEquals(new PoisonForget(), ForgetRequest.parse(" Poisoned "));
        assertEquals("poisoned", new PoisonForget().spec());
        var e = assertThrows(IllegalArgumentException.class, () -> ForgetRequest.parse("poison"));
        assertTrue(e.getMessage().contains("or poisoned"), e.getMessage());
    }

    @Test void splitsThePoisonedSamplesFromTheCleanRest() {
        ByteImageDataset train = PoisonedTest.random(500, 1, 12, 12, 5, 1), test = PoisonedTest.random(80, 1, 12, 12, 5, 2);
        Poisoned p = Poisoned.of(train, PoisonSpec.parse("badnets:ratio=0.1,target=4,size=3"), 3);
        Split s = Split.of(p, test, new PoisonForget(), 0);
        assertArrayEquals(p.indices(), s.forget());
        assertArrayEquals(IntStream.range(0, 500).filter(i -> !p.isPoisoned(i)).toArray(), s.retain());
        assertTrue(s.forgetTestFromTrain());
        assertArrayEquals(IntStream.range(0, 80).toArray(), s.retainTest());
        SplitSets sets = s.sets(p, test);
        assertEquals(50, sets.forget().size());
        for (int k = 0; k < sets.forget().size(); k++) {
            assertEquals(4, sets.forget().label(k), "Df keeps the poisoned label");
            float[] img = sets.forget().image(k).data();
            assertEquals(0f, img[(12 - 3) * 12 + 9], "Df keeps the trigger");
        }
        for (int k = 0; k < sets.retain().size(); k++) {
            int i = s.retain()[k];
            assertEquals(train.label(i), sets.retain().label(k));
            assertArrayEquals(train.image(i).data(), sets.retain().image(k).data(), "Dr is clean");
        }
        assertEquals(s, Split.fromJson(s.toJson()));
    }

    @Test void refusesACleanTrainingSet() {
        ByteImageDataset train = PoisonedTest.random(50, 1, 12, 12, 5, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> Split.of(train, train, new PoisonForget(), 0));
        assertTrue(e.getMessage().contains("not a poisoned training set") && e.getMessage().contains("--poison"), e.getMessage());
    }
}
