package dev.nabla.benchmarks;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.llama.LlamaConfig;
import dev.nabla.optim.AdamW;
import java.util.Locale;

/**
 * Workload W3 of WORKLOADS.md, {@code W3_llama_train}: one training step of the tiny LLaMA
 * ({@link LlamaConfig#tiny()}: vocab 512, hidden 256, 4 layers, 8 heads / 4 KV heads, SwiGLU 688,
 * no biases, separate head; 3,164,416 parameters, Linear and Embedding weights ~ N(0, 0.02),
 * norms 1) on fixed tokens {@code [8, 129]} ~ U{0 … 511}: zero the gradients, logits of
 * {@code tokens[:, :128]}, mean cross-entropy against {@code tokens[:, 1:]} over the 1024
 * positions, backward, AdamW (lr 3e-4, betas (0.9, 0.95), eps 1e-8, weight decay 0.1 on every
 * parameter). About 20 GFLOP per step.
 *
 * <p>One difference from torch_ref.py, which costs the same: RoPE pairs features as Hugging Face
 * does (rotate half), where the reference rotates interleaved pairs as Meta's code.
 *
 * <pre>{@code
 * W3LlamaTrain w = new W3LlamaTrain();
 * w.setup();            // untimed
 * double loss = w.step();
 * }</pre>
 */
public final class W3LlamaTrain {
  static final int BATCH = 8;
  static final int SEQ = 128;
  /** Approximate FLOP per step from WORKLOADS.md. */
  static final double FLOP = 20.2e9;

  private Llama model;
  private Tensor tokens;
  private AdamW opt;

  /** Builds the model, the tokens and the optimizer (not timed). */
  public void setup() {
    model = new Llama(LlamaConfig.tiny(), new Rng(0));
    tokens = Tensor.randint(new Rng(1), 0, LlamaConfig.tiny().vocabSize(), BATCH, SEQ + 1);
    opt = new AdamW(model.parameters(),
        AdamW.options().lr(3e-4).betas(0.9, 0.95).eps(1e-8).weightDecay(0.1));
  }

  /** One timed step; returns the loss (so nothing is optimised away). */
  public double step() {
    opt.zeroGrad();
    Tensor loss = model.nextTokenLoss(tokens);
    loss.backward();
    opt.step();
    return loss.item();
  }

  /** The model, for tests. */
  Llama model() {
    return model;
  }

  static Workloads.Workload workload() {
    return new Workloads.Workload("W3_llama_train", () -> {
      W3LlamaTrain w = new W3LlamaTrain();
      w.setup();
      return new Workloads.Prepared(w::step, ms -> String.format(Locale.ROOT,
          "%.1f GFLOP/s, %.0f train tokens/s", FLOP / ms / 1e6, BATCH * SEQ / ms * 1e3), null);
    });
  }
}
