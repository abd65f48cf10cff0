// Module.toString of single layers and Python's float formatting, as PyTorch prints them.
package ai.lethe.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReprTest {
    @Test void pythonFloatRepr() {
        assertEquals("1e-05", Repr.pyFloat(1e-5));
        assertEquals("1e-06", Repr.pyFloat(1e-6));
        assertEquals("1.5e-07", Repr.pyFloat(1.5e-7));
        assertEquals("0.0001", Repr.pyFloat(1e-4));
        assertEquals("0.1", Repr.pyFloat(0.1));
        assertEquals("1.0", Repr.pyFloat(1));
        assertEquals("0.0", Repr.pyFloat(0));
        assertEquals("-2.5", Repr.pyFloat(-2.5));
        assertEquals("100.0", Repr.pyFloat(100));
        assertEquals("123456.789", Repr.pyFloat(123456.789));
        assertEquals("1e+16", Repr.pyFloat(1e16));
        assertEquals("1234567890123456.0", Repr.pyFloat(1234567890123456.0));
        assertEquals("0.30000000000000004", Repr.pyFloat(0.1 + 0.2));
    }

    @Test void layersPrintLikePyTorch() {
        try (var conv = new Conv2d(3, 64, 3, 1, 1, false); var bn = new BatchNorm2d(64); var lin = new Linear(512, 10);
             var ln = new LayerNorm(new long[] {8}, 1e-6, true); var ln2 = new LayerNorm(2, 3); var gelu = new GELU(true);
             var mp = new MaxPool2d(new int[] {2, 2}, null, new int[] {0, 0}, false); var ap = new AvgPool2d(3, 2, 1);
             var bn1 = new BatchNorm1d(3, BatchNorm.Options.DEFAULT.withMomentum(null).withAffine(false));
             var dil = Conv2d.builder(4, 8, 3, 1).stride(2, 1).padding(1, 0).dilation(2).build()) {
            assertEquals("Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)", conv.toString());
            assertEquals("BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", bn.toString());
            assertEquals("Linear(in_features=512, out_features=10, bias=True)", lin.toString());
            assertEquals("LayerNorm((8,), eps=1e-06, elementwise_affine=True)", ln.toString());
            assertEquals("LayerNorm((2, 3), eps=1e-05, elementwise_affine=True)", ln2.toString());
            assertEquals("GELU(approximate='tanh')", gelu.toString());
            assertEquals("MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=1, ceil_mode=False)", mp.toString());
            assertEquals("AvgPool2d(kernel_size=3, stride=2, padding=1)", ap.toString());
            assertEquals("BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, track_running_stats=True)", bn1.toString());
            assertEquals("Conv2d(4, 8, kernel_size=(3, 1), stride=(2, 1), padding=(1, 0), dilation=(2, 2))", dil.toString());
        }
        assertEquals("Sequential()", new Sequential().toString());
        assertEquals("Identity()", new Identity().toString());
        assertEquals("ReLU()", new ReLU().toString());
        assertEquals("Dropout(p=0.5, inplace=False)", new Dropout(0.5).toString());
        assertEquals("AdaptiveAvgPool2d(output_size=1)", new AdaptiveAvgPool2d(1).toString());
        assertEquals("Flatten(start_dim=1, end_dim=-1)", new Flatten().toString());
    }
}
