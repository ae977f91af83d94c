package dev.nabla.benchmarks;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.models.llama.GenerationConfig;
import dev.nabla.models.llama.Generator;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.llama.LlamaConfig;
import java.util.Locale;

/**
 * Workload W4 of WORKLOADS.md, {@code W4_llama_generate128}: greedy generation of 128 tokens
 * from a fixed 16-token prompt (~ U{0 … 511}, batch 1) with the untrained W3 model
 * ({@link LlamaConfig#tiny()}, seed 0) through {@link Generator}: a fresh KV cache per layer
 * ({@code [1, 4 KV heads, 143 positions, 32]}, RoPE applied before storing), one prefill call on
 * the prompt, then 127 single-token calls at positions 16 … 142, argmax each time, no autograd.
 * Reported: ms per generation and tokens/s = 128 / seconds.
 *
 * <pre>{@code
 * W4LlamaGenerate w = new W4LlamaGenerate();
 * w.setup();            // untimed
 * int[] tokens = w.step();
 * }</pre>
 */
public final class W4LlamaGenerate {
  static final int PROMPT = 16;
  static final int NEW_TOKENS = 128;

  private Generator generator;
  private int[] prompt;

  /** Builds the model and the prompt (not timed). */
  public void setup() {
    Llama model = new Llama(LlamaConfig.tiny(), new Rng(0));
    model.eval();
    generator = new Generator(model);
    prompt = Tensor.randint(new Rng(2), 0, LlamaConfig.tiny().vocabSize(), PROMPT).toIntArray();
  }

  /** One timed step: the 128 new tokens. */
  public int[] step() {
    return generator.generate(prompt, GenerationConfig.greedy(NEW_TOKENS));
  }

  static Workloads.Workload workload() {
    return new Workloads.Workload("W4_llama_generate128", () -> {
      W4LlamaGenerate w = new W4LlamaGenerate();
      w.setup();
      return new Workloads.Prepared(w::step, ms -> String.format(Locale.ROOT,
          "prompt=%d new=%d -> %.1f tokens/s", PROMPT, NEW_TOKENS, NEW_TOKENS / ms * 1e3), null);
    });
  }
}
