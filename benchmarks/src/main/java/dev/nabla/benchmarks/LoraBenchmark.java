package dev.nabla.benchmarks;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.LayerList;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Parameter;
import dev.nabla.nn.lora.LoRA;
import dev.nabla.nn.lora.LoRAConfig;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * LoRA r=8 on q and v versus full fine-tuning, one AdamW training step each, on a stack of the
 * Linear layers of the W3 tiny-LLaMA shapes (dim 256, 4 layers; per layer q/o 256→256, k/v
 * 256→128 for 4 KV heads of 32, MLP gate/up 256→688 and down 688→256; no biases) with a
 * [1024, 256] input (batch 8 × 128 tokens). Attention scores are left out (the projections are
 * what LoRA changes): q is gated elementwise by σ([k, v]), and the MLP is SwiGLU, both with
 * residuals; loss = mean(h²).
 *
 * <p>Reports the median step time and the optimizer state (the bytes of AdamW's exp_avg and
 * exp_avg_sq tensors), and checks that LoRA left every frozen weight bit-identical.
 * {@code java -cp benchmarks.jar dev.nabla.benchmarks.LoraBenchmark [steps]}.
 */
public final class LoraBenchmark {
  static final int DIM = 256;
  static final int KV_DIM = 128;
  static final int HIDDEN = 688;
  static final int LAYERS = 4;
  static final int TOKENS = 8 * 128;

  /** q/k/v/o projections with LLaMA's names; forward through fields, as a user writes it. */
  static final class Attention extends Layer {
    final Linear qProj;
    final Linear kProj;
    final Linear vProj;
    final Linear oProj;

    Attention(Rng rng) {
      qProj = register("q_proj", new Linear(DIM, DIM, false, rng));
      kProj = register("k_proj", new Linear(DIM, KV_DIM, false, rng));
      vProj = register("v_proj", new Linear(DIM, KV_DIM, false, rng));
      oProj = register("o_proj", new Linear(DIM, DIM, false, rng));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor gate = Tensor.cat(1, kProj.forward(x), vProj.forward(x)).sigmoid();
      return oProj.forward(qProj.forward(x).mul(gate));
    }
  }

  static final class Mlp extends Layer {
    final Linear gateProj;
    final Linear upProj;
    final Linear downProj;

    Mlp(Rng rng) {
      gateProj = register("gate_proj", new Linear(DIM, HIDDEN, false, rng));
      upProj = register("up_proj", new Linear(DIM, HIDDEN, false, rng));
      downProj = register("down_proj", new Linear(HIDDEN, DIM, false, rng));
    }

    @Override public Tensor forward(Tensor x) {
      return downProj.forward(gateProj.forward(x).silu().mul(upProj.forward(x)));
    }
  }

  static final class Block extends Layer {
    final Attention selfAttn;
    final Mlp mlp;

    Block(Rng rng) {
      selfAttn = register("self_attn", new Attention(rng));
      mlp = register("mlp", new Mlp(rng));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor h = x.add(selfAttn.forward(x));
      return h.add(mlp.forward(h));
    }
  }

  static final class Stack extends Layer {
    final LayerList<Block> layers = register("layers", new LayerList<>());

    Stack(Rng rng) {
      for (int i = 0; i < LAYERS; i++) {
        layers.add(new Block(rng));
      }
    }

    @Override public Tensor forward(Tensor x) {
      for (Block b : layers) {
        x = b.forward(x);
      }
      return x;
    }
  }

  /** One mode's setup: model, input, optimizer. */
  static final class Run {
    final Stack model = new Stack(new Rng(0));
    final Tensor x = Tensor.randn(new Rng(1), TOKENS, DIM);
    final Optimizer opt;
    final String summary;

    Run(boolean lora) {
      if (lora) {
        summary = LoRA.apply(model, LoRAConfig.of(8, 16, "q_proj", "v_proj"), new Rng(2))
            .toString();
      } else {
        summary = String.format(Locale.ROOT, "trainable params: %,d (all)",
            model.numParameters(true));
      }
      opt = new AdamW(model.trainableParameters(), AdamW.options().lr(1e-4));
    }

    double step() {
      opt.zeroGrad();
      Tensor loss = model.forward(x).square().mean();
      loss.backward();
      opt.step();
      return loss.item();
    }

    long optimizerStateBytes() {
      long bytes = 0;
      for (int g = 0; g < opt.paramGroups().size(); g++) {
        for (int i = 0; i < opt.paramGroups().get(g).params().size(); i++) {
          Optimizer.ParamState s = opt.state(g, i);
          if (s != null) {
            for (Tensor t : s.buffers().values()) {
              bytes += (long) t.numel() * bytesPer(t.dtype());
            }
          }
        }
      }
      return bytes;
    }

    long gradientBytes() {
      long bytes = 0;
      for (Parameter p : model.trainableParameters()) {
        bytes += (long) p.numel() * bytesPer(p.dtype());
      }
      return bytes;
    }
  }

  static int bytesPer(DType t) {
    return switch (t) {
      case F64, I64 -> 8;
      default -> 4;
    };
  }

  /**
   * Median milliseconds per step of each run: {@code warmup} untimed rounds, then {@code steps}
   * timed rounds that alternate the runs step by step, so that load from other processes and
   * JIT state fall on both alike.
   */
  static double[] medianMs(List<Run> runs, int warmup, int steps) {
    for (int i = 0; i < warmup; i++) {
      runs.forEach(Run::step);
    }
    double[][] ms = new double[runs.size()][steps];
    for (int i = 0; i < steps; i++) {
      for (int r = 0; r < runs.size(); r++) {
        long t0 = System.nanoTime();
        runs.get(r).step();
        ms[r][i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    double[] median = new double[runs.size()];
    for (int r = 0; r < runs.size(); r++) {
      Arrays.sort(ms[r]);
      median[r] = steps % 2 == 1 ? ms[r][steps / 2]
          : (ms[r][steps / 2 - 1] + ms[r][steps / 2]) / 2;
    }
    return median;
  }

  public static void main(String[] args) {
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    Run full = new Run(false);
    Run lora = new Run(true);
    List<float[]> frozen = new ArrayList<>();
    List<Parameter> frozenParams = new ArrayList<>();
    for (Parameter p : lora.model.parameters()) {
      if (!p.isRequiresGrad()) {
        frozenParams.add(p);
        frozen.add(p.toFloatArray());
      }
    }
    int warmup = 5;
    double[] median = medianMs(List.of(full, lora), warmup, steps);
    double fullMs = median[0];
    double loraMs = median[1];
    for (int i = 0; i < frozenParams.size(); i++) {
      if (!Arrays.equals(frozen.get(i), frozenParams.get(i).toFloatArray())) {
        throw new AssertionError("LoRA changed a frozen weight (parameter " + i + ")");
      }
    }
    System.out.printf(Locale.ROOT, "threads %d, %d timed steps each%n",
        Runtime.getRuntime().availableProcessors(), steps);
    System.out.printf(Locale.ROOT, "full: %s%n", full.summary);
    System.out.printf(Locale.ROOT, "lora: %s%n", lora.summary);
    System.out.printf(Locale.ROOT, "| mode | step (median) | AdamW state | gradients |%n");
    System.out.printf(Locale.ROOT, "| full fine-tuning | %.1f ms | %.2f MiB | %.2f MiB |%n",
        fullMs, full.optimizerStateBytes() / 1048576.0, full.gradientBytes() / 1048576.0);
    System.out.printf(Locale.ROOT, "| LoRA r=8 on q, v | %.1f ms | %.3f MiB | %.3f MiB |%n",
        loraMs, lora.optimizerStateBytes() / 1048576.0, lora.gradientBytes() / 1048576.0);
    System.out.printf(Locale.ROOT, "step ratio LoRA/full %.2f; optimizer state ratio %.4f; frozen"
            + " weights bit-identical after %d LoRA steps%n", loraMs / fullMs,
        (double) lora.optimizerStateBytes() / full.optimizerStateBytes(), steps + warmup);
  }
}
