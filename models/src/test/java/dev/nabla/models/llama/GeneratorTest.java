package dev.nabla.models.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  /** vocab 64, hidden 32, 2 layers, 4 / 2 heads, 24 positions; logits spread by larger weights. */
  static Llama model() {
    Llama m = new Llama(LlamaTest.small(), new Rng(11));
    try (var off = GradMode.disabled()) {
      for (var p : m.parameters()) {
        if (p.dim() == 2) {
          p.copyFrom(p.mul(10));   // N(0, 0.2): peaked distributions, so sampling differs by seed
        }
      }
    }
    return m;
  }

  static final int[] PROMPT = {3, 14, 15, 9, 2, 6};

  @Test void greedyEqualsArgmaxOfTheRecomputedSequence() {
    Llama m = model();
    int[] got = new Generator(m).generate(PROMPT, GenerationConfig.greedy(10));
    assertEquals(10, got.length);
    List<Long> seq = new ArrayList<>();
    for (int p : PROMPT) {
      seq.add((long) p);
    }
    try (var off = GradMode.disabled()) {
      for (int i = 0; i < got.length; i++) {
        long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
        Tensor logits = m.forward(Tensor.of(ids, 1, ids.length));     // no cache
        int expected = (int) logits.select(1, ids.length - 1).argmax(-1, false).getLong(0);
        assertEquals(expected, got[i], "token " + i);
        seq.add((long) expected);
      }
    }
    assertArrayEquals(got, new Generator(m).generate(PROMPT, GenerationConfig.greedy(10)));
  }

  @Test void seededSamplingIsReproducibleAndStreamed() {
    Llama m = model();
    Generator g = new Generator(m);
    GenerationConfig c = GenerationConfig.sampling(16, 1.0, 42);
    List<Integer> streamed = new ArrayList<>();
    int[] a = g.generate(PROMPT, c, streamed::add);
    int[] b = g.generate(PROMPT, c);
    assertArrayEquals(a, b);
    assertEquals(Arrays.stream(a).boxed().toList(), streamed);
    assertFalse(Arrays.equals(a, g.generate(PROMPT, c.seed(43))), "another seed, same sample");
    assertFalse(Arrays.equals(a, g.generate(PROMPT, GenerationConfig.greedy(16))));
  }

  @Test void stopsAfterAStopTokenAndAtTheContextEnd() {
    Llama m = model();
    Generator g = new Generator(m);
    int[] free = g.generate(PROMPT, GenerationConfig.greedy(8));
    int stop = free[3];
    int first = 0;
    while (free[first] != stop) {
      first++;
    }
    int[] stopped = g.generate(PROMPT, GenerationConfig.greedy(8).stopTokens(stop, 1000));
    assertArrayEquals(Arrays.copyOf(free, first + 1), stopped);

    // 24 positions: a 6-token prompt leaves room for 18 new tokens (the last is never fed back)
    assertEquals(19, g.generate(PROMPT, GenerationConfig.greedy(100)).length);
    assertEquals(19, g.generate(PROMPT, GenerationConfig.greedy(Integer.MAX_VALUE)).length);
    assertEquals(0, g.generate(PROMPT, GenerationConfig.greedy(0)).length);
  }

  @Test void badPromptsFail() {
    Generator g = new Generator(model());
    var e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(new int[25], GenerationConfig.greedy(1)));
    assertEquals("Generator: the prompt has 25 tokens, more than maxPositionEmbeddings (24)",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> g.generate(new int[] {1, 64}, GenerationConfig.greedy(1)));
    assertTrue(e.getMessage().contains("token id 64"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> g.generate(new int[0], GenerationConfig.greedy(1)));
  }

  @Test void configValidation() {
    assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(-1));
    assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).temperature(-1));
    assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).topK(-1));
    assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).topP(0));
    assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).topP(1.5));
    var e = assertThrows(IllegalArgumentException.class,
        () -> GenerationConfig.greedy(1).repetitionPenalty(0));
    assertTrue(e.getMessage().contains("repetitionPenalty must be > 0"));
    assertEquals(List.of(2, 7), GenerationConfig.greedy(1).stopTokens(2, 7).stopTokens());
  }

  @Test void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
    float[] logits = {2f, -2f, 1f, -1f};
    boolean[] seen = {true, true, false, false};
    Generator.applyRepetitionPenalty(logits, seen, 2.0);
    assertArrayEquals(new float[] {1f, -4f, 1f, -1f}, logits);
    // greedy with a penalty picks the best unseen token when the seen one falls behind
    float[] l2 = {3f, 2.5f, 0f};
    assertEquals(1, Generator.pick(l2, new boolean[] {true, false, false},
        GenerationConfig.greedy(1).repetitionPenalty(1.5), new Rng(0)));
  }

  @Test void topKAndTopPRestrictTheDraws() {
    float[] logits = {5f, 4f, 3f, 0f, -1f, 4f};
    Rng rng = new Rng(1);
    Set<Integer> topK = new HashSet<>();
    Set<Integer> topP = new HashSet<>();
    Set<Integer> all = new HashSet<>();
    for (int i = 0; i < 4000; i++) {
      topK.add(Generator.sample(logits, 1.0, 2, 1.0, rng));       // 5 and the tie 4, 4: kept
      topP.add(Generator.sample(logits, 1.0, 0, 0.5, rng));
      all.add(Generator.sample(logits, 3.0, 0, 1.0, rng));
    }
    assertEquals(Set.of(0, 1, 5), topK);
    // p = softmax: 0.53, 0.20, 0.20, …: the top token alone holds ≥ 0.5
    assertEquals(Set.of(0), topP);
    assertEquals(Set.of(0, 1, 2, 3, 4, 5), all);
    // top-p 0.6 needs the top token and one of the two 4s (the first by index on ties)
    Set<Integer> p6 = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      p6.add(Generator.sample(logits, 1.0, 0, 0.6, rng));
    }
    assertEquals(Set.of(0, 1), p6);
  }

  @Test void samplingFollowsTheSoftmax() {
    float[] logits = {0f, (float) Math.log(3)};        // p = 1/4, 3/4
    Rng rng = new Rng(2);
    int ones = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      ones += Generator.sample(logits, 1.0, 0, 1.0, rng);
    }
    assertEquals(0.75, ones / (double) n, 0.015);
  }
}
