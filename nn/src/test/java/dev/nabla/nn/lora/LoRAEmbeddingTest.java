package dev.nabla.nn.lora;

import static dev.nabla.nn.lora.LoRALinearTest.assertClose;
import static dev.nabla.nn.lora.LoRALinearTest.randomize;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.functional.Functional;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoRAEmbeddingTest {
  private static final Tensor IDS = Tensor.of(new long[] {3, 0, 7, 3, 9, 1}, 2, 3);

  @Test void peftInitStartsEqualToBase() {
    Rng rng = new Rng(0);
    Embedding base = new Embedding(10, 6, rng);
    Tensor before = base.forward(IDS);
    LoRAEmbedding lora = new LoRAEmbedding(base, 3, 6, rng);
    assertArrayEquals(before.toFloatArray(), lora.forward(IDS).toFloatArray());
    assertEquals(List.of("lora_embedding_A", "lora_embedding_B", "base_layer.weight"),
        List.copyOf(lora.stateDict().keySet()));
    assertArrayEquals(new int[] {3, 10}, lora.loraA().shape().toArray());
    assertArrayEquals(new int[] {6, 3}, lora.loraB().shape().toArray());
    for (float v : lora.loraA().toFloatArray()) {
      assertEquals(0f, v); // A zeros, B N(0, 1), as PEFT
    }
    double ss = 0;
    for (float v : lora.loraB().toFloatArray()) {
      ss += v * v;
    }
    assertTrue(ss > 1, "B should be N(0, 1), sum of squares " + ss);
  }

  @Test void adaptedLookupIsExactAndMergeMatches() {
    Rng rng = new Rng(1);
    Embedding base = new Embedding(10, 6, rng);
    LoRAEmbedding lora = new LoRAEmbedding(base, 3, 6, rng);
    randomize(lora.loraA(), 2);
    Tensor expected = Functional.embedding(IDS, base.weight())
        .add(Functional.embedding(IDS, lora.loraA().t()).mul(2.0).matmul(lora.loraB().t()));
    Tensor adapted = lora.forward(IDS);
    assertArrayEquals(expected.toFloatArray(), adapted.toFloatArray());
    assertArrayEquals(expected.toFloatArray(), base.forward(IDS).toFloatArray());
    Tensor w0 = base.weight().copy();
    lora.merge();
    assertClose(adapted, lora.forward(IDS), 1e-5);
    lora.unmerge();
    assertClose(w0, base.weight(), 1e-6);
    assertClose(adapted, lora.forward(IDS), 1e-5);
  }

  @Test void unseenTokensGetNoUpdateAndPaddingNone() {
    Rng rng = new Rng(3);
    Embedding base = new Embedding(10, 6, Embedding.options().paddingIdx(0), rng);
    LoRAEmbedding lora = new LoRAEmbedding(base, 2, 2, rng);
    lora.forward(IDS).square().sum().backward();
    assertNull(base.weight().grad());
    Tensor g = lora.loraA().grad(); // (r, num)
    for (int id = 0; id < 10; id++) {
      double colNorm = Math.abs(g.getDouble(0, id)) + Math.abs(g.getDouble(1, id));
      boolean seen = id == 3 || id == 7 || id == 9 || id == 1;
      assertEquals(seen, colNorm > 0, "token " + id + " gradient " + colNorm);
    }
  }

  @Test void disabledIsTheBase() {
    Rng rng = new Rng(4);
    Embedding base = new Embedding(10, 4, rng);
    Tensor plain = base.forward(IDS);
    LoRAEmbedding lora = new LoRAEmbedding(base, 2, 2, rng);
    randomize(lora.loraA(), 5);
    lora.enabled(false);
    assertArrayEquals(plain.toFloatArray(), lora.forward(IDS).toFloatArray());
  }

  @Test void badRanks() {
    Rng rng = new Rng(6);
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LoRAEmbedding(new Embedding(10, 4, rng), 5, 1, rng));
    assertTrue(e.getMessage().contains("[1, 4], got 5"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new LoRAEmbedding(new Embedding(10, 4, rng), 0, 1, rng));
  }

  @Test void gradientsMatchFiniteDifferencesInF64() {
    Rng rng = new Rng(7);
    LoRAEmbedding lora = new LoRAEmbedding(new Embedding(10, 5, rng), 2, 3, rng);
    lora.to(DType.F64);
    randomize(lora.loraA(), 8);
    GradCheck.assertGradientsMatch(in -> lora.forward(IDS), lora.loraA(), lora.loraB());
  }
}
