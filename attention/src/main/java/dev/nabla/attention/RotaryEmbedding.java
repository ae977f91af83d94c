package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Parallel;
import dev.nabla.nn.Layer;
import java.util.Locale;

/**
 * Rotary position embedding (RoPE; Su et al., RoFormer, arXiv:2104.09864): each pair of features
 * of a query or key at position p is rotated by the angle p·θᵢ, so that q·k depends only on the
 * relative position of the two tokens.
 *
 * <p>For a rotary dimension d and pair i &lt; d/2: θᵢ = base^(−2i/d), with base = theta (or
 * theta·f^(d/(d−2)) under NTK-aware scaling by f), angle = (p / linearFactor)·θᵢ and
 * {@code (a, b) → (a·cos − b·sin, a·sin + b·cos)}. Two pairings are in use, and weights trained
 * with one need that one:
 * <ul>
 *   <li>{@link Pairing#INTERLEAVED}: pairs (x₀, x₁), (x₂, x₃), … as Meta's LLaMA code
 *       ({@code view_as_complex}) and DeepSeek;</li>
 *   <li>{@link Pairing#HALF}: pairs (xᵢ, x_{i+d/2}) ("rotate_half") as Hugging Face.</li>
 * </ul>
 * Features past the rotary dimension pass through unchanged (partial rotary, as GPT-NeoX).
 *
 * <p>Shape: {@code [..., T, D] → [..., T, D]} with D ≥ rotaryDim, typically q or k
 * {@code [B, H, T, D]}. Positions are {@code offset … offset+T−1} (decoding with a cache passes
 * the cache length) or explicit ids {@code [T]} or {@code [B, T]}. The sin/cos tables are
 * computed in double precision, cached per dtype and grown on demand. Differentiable: the
 * backward pass is the inverse rotation of the incoming gradient (exact, and itself
 * differentiable).
 *
 * <pre>{@code
 * var rope = new RotaryEmbedding(RotaryEmbedding.config(64).theta(500_000).pairing(Pairing.HALF));
 * Tensor q2 = rope.apply(q, cache.length());   // q [B, H, T, 64]
 * }</pre>
 */
public final class RotaryEmbedding extends Layer {

  /** How features are paired for rotation. */
  public enum Pairing {
    /** (x₀, x₁), (x₂, x₃), …: Meta's LLaMA reference code, DeepSeek, GPT-J. */
    INTERLEAVED,
    /** (xᵢ, x_{i+d/2}), "rotate_half": Hugging Face transformers, GPT-NeoX. */
    HALF
  }

  /**
   * Hyper-parameters: the rotary dimension (even; may be smaller than the head dimension), the
   * base theta, the pairing, the linear position-interpolation factor (positions / factor; 1 =
   * off) and the NTK-aware factor (base · factor^(d/(d−2)); 1 = off).
   */
  public record Config(int rotaryDim, double theta, Pairing pairing, double linearFactor,
      double ntkFactor) {
    public Config {
      if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
        throw new IllegalArgumentException(
            "RotaryEmbedding: rotaryDim must be positive and even, got " + rotaryDim);
      }
      if (!(theta > 1) || Double.isInfinite(theta)) {
        throw new IllegalArgumentException("RotaryEmbedding: theta must be > 1, got " + theta);
      }
      if (pairing == null) {
        throw new IllegalArgumentException("RotaryEmbedding: pairing must not be null");
      }
      if (!(linearFactor > 0) || Double.isInfinite(linearFactor)) {
        throw new IllegalArgumentException(
            "RotaryEmbedding: linear scaling factor must be > 0, got " + linearFactor);
      }
      if (!(ntkFactor > 0) || Double.isInfinite(ntkFactor)) {
        throw new IllegalArgumentException(
            "RotaryEmbedding: NTK scaling factor must be > 0, got " + ntkFactor);
      }
      if (ntkFactor != 1 && rotaryDim <= 2) {
        throw new IllegalArgumentException(
            "RotaryEmbedding: NTK scaling needs rotaryDim > 2, got " + rotaryDim);
      }
    }

    public Config theta(double t) {
      return new Config(rotaryDim, t, pairing, linearFactor, ntkFactor);
    }

    public Config pairing(Pairing p) {
      return new Config(rotaryDim, theta, p, linearFactor, ntkFactor);
    }

    /** Linear position interpolation (Chen et al., arXiv:2306.15595): angle uses p / factor. */
    public Config linearScaling(double factor) {
      return new Config(rotaryDim, theta, pairing, factor, ntkFactor);
    }

    /** NTK-aware scaling: the base becomes theta·factor^(d/(d−2)). */
    public Config ntkScaling(double factor) {
      return new Config(rotaryDim, theta, pairing, linearFactor, factor);
    }

    /** The base actually used for the frequencies, after NTK-aware scaling. */
    public double base() {
      return ntkFactor == 1 ? theta : theta * Math.pow(ntkFactor,
          rotaryDim / (double) (rotaryDim - 2));
    }
  }

  /** Theta 10000, {@link Pairing#HALF} (Hugging Face), no scaling, over {@code rotaryDim}. */
  public static Config config(int rotaryDim) {
    return new Config(rotaryDim, 10_000, Pairing.HALF, 1, 1);
  }

  /** Positions' sin and cos for pairs, row-major [position][pair], in one precision. */
  private record Table(int positions, double[] cos64, double[] sin64, float[] cos32,
      float[] sin32) {}

  private static final int INITIAL_POSITIONS = 256;

  private final Config config;
  private final double[] inverseFrequency;
  private volatile Table table64;
  private volatile Table table32;

  /** RoPE with the given configuration. */
  public RotaryEmbedding(Config config) {
    if (config == null) {
      throw new IllegalArgumentException("RotaryEmbedding: config must not be null");
    }
    this.config = config;
    int half = config.rotaryDim() / 2;
    double base = config.base();
    inverseFrequency = new double[half];
    for (int i = 0; i < half; i++) {
      inverseFrequency[i] = Math.pow(base, -2.0 * i / config.rotaryDim());
    }
  }

  /** RoPE over {@code rotaryDim} features with theta 10000 and the given pairing. */
  public RotaryEmbedding(int rotaryDim, Pairing pairing) {
    this(config(rotaryDim).pairing(pairing));
  }

  public Config config() {
    return config;
  }

  public int rotaryDim() {
    return config.rotaryDim();
  }

  /** Rotates {@code x [..., T, D]} for positions 0 … T−1. */
  @Override public Tensor forward(Tensor x) {
    return apply(x, 0);
  }

  /** Rotates {@code x [..., T, D]} for positions {@code offset … offset+T−1}. */
  public Tensor apply(Tensor x, int offset) {
    checkInput(x);
    if (offset < 0) {
      throw new IllegalArgumentException("RotaryEmbedding: position offset must be >= 0, got "
          + offset);
    }
    int t = x.size(-2);
    int[] pos = new int[t];
    for (int i = 0; i < t; i++) {
      pos[i] = offset + i;
    }
    return new Rotate(this, pos, 1, false).apply(x);
  }

  /**
   * Rotates {@code x [..., T, D]} at explicit integer positions: {@code positionIds [T]} shared
   * by every row, or {@code [B, T]} with B = {@code x.size(0)}.
   */
  public Tensor apply(Tensor x, Tensor positionIds) {
    checkInput(x);
    int t = x.size(-2);
    int rows;
    if (positionIds.dtype().isFloatingPoint() || positionIds.dtype() == DType.BOOL) {
      throw new IllegalArgumentException(
          "RotaryEmbedding: position ids must be an integer tensor, got " + positionIds.dtype());
    }
    if (positionIds.dim() == 1 && positionIds.size(0) == t) {
      rows = 1;
    } else if (positionIds.dim() == 2 && positionIds.size(1) == t && x.dim() >= 3
        && (positionIds.size(0) == x.size(0) || positionIds.size(0) == 1)) {
      rows = positionIds.size(0);
    } else {
      throw new IllegalArgumentException("RotaryEmbedding: position ids must have shape [T] or"
          + " [B, T] for input " + x.shape() + ", got " + positionIds.shape());
    }
    long[] ids = positionIds.toLongArray();
    int[] pos = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] > Integer.MAX_VALUE / 2) {
        throw new IllegalArgumentException(
            "RotaryEmbedding: position ids must be in [0, 2^30), got " + ids[i]);
      }
      pos[i] = (int) ids[i];
    }
    return new Rotate(this, pos, rows, false).apply(x);
  }

  /** The cosines {@code [positions, rotaryDim/2]} of the angles, in {@code dtype}. */
  public Tensor cos(int positions, DType dtype) {
    return tableTensor(positions, dtype, true);
  }

  /** The sines {@code [positions, rotaryDim/2]} of the angles, in {@code dtype}. */
  public Tensor sin(int positions, DType dtype) {
    return tableTensor(positions, dtype, false);
  }

  private Tensor tableTensor(int positions, DType dtype, boolean cos) {
    int half = config.rotaryDim() / 2;
    Table tb = table(positions, DType.F64);
    double[] src = cos ? tb.cos64() : tb.sin64();
    double[] out = java.util.Arrays.copyOf(src, positions * half);
    return Tensor.of(out, positions, half).to(dtype);
  }

  private void checkInput(Tensor x) {
    if (x.dim() < 2) {
      throw new IllegalArgumentException(
          "RotaryEmbedding(dim=" + config.rotaryDim() + "): expected input [..., T, D], got "
              + x.shape());
    }
    if (x.size(-1) < config.rotaryDim()) {
      throw new IllegalArgumentException("RotaryEmbedding(dim=" + config.rotaryDim()
          + "): the last dimension must be at least the rotary dimension, got " + x.shape());
    }
    if (x.dtype() != DType.F32 && x.dtype() != DType.F64) {
      throw new UnsupportedOperationException(
          "RotaryEmbedding: expected an F32 or F64 tensor, got " + x.dtype());
    }
  }

  /** The table covering at least {@code positions} positions in {@code dtype}, grown if needed. */
  private Table table(int positions, DType dtype) {
    Table t = dtype == DType.F32 ? table32 : table64;
    if (t != null && t.positions() >= positions) {
      return t;
    }
    synchronized (this) {
      t = dtype == DType.F32 ? table32 : table64;
      if (t != null && t.positions() >= positions) {
        return t;
      }
      int n = Math.max(positions, Math.max(INITIAL_POSITIONS, t == null ? 0 : 2 * t.positions()));
      int half = inverseFrequency.length;
      double[] c = new double[n * half];
      double[] s = new double[n * half];
      for (int p = 0; p < n; p++) {
        double scaled = p / config.linearFactor();
        for (int i = 0; i < half; i++) {
          double angle = scaled * inverseFrequency[i];
          c[p * half + i] = Math.cos(angle);
          s[p * half + i] = Math.sin(angle);
        }
      }
      if (dtype == DType.F32) {
        float[] c32 = new float[c.length];
        float[] s32 = new float[s.length];
        for (int i = 0; i < c.length; i++) {
          c32[i] = (float) c[i];
          s32[i] = (float) s[i];
        }
        t = new Table(n, null, null, c32, s32);
        table32 = t;
      } else {
        t = new Table(n, c, s, null, null);
        table64 = t;
      }
      return t;
    }
  }

  @Override protected String extraRepr() {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "dim=%d, theta=%s, pairing=%s",
        config.rotaryDim(), config.theta(), config.pairing()));
    if (config.linearFactor() != 1) {
      sb.append(", linear=").append(config.linearFactor());
    }
    if (config.ntkFactor() != 1) {
      sb.append(", ntk=").append(config.ntkFactor());
    }
    return sb.toString();
  }

  /**
   * The rotation as one op: y = R(angle)·x pairwise (R(−angle) when {@code inverse}); its
   * gradient is the opposite rotation of dy.
   */
  private static final class Rotate extends Op {
    private final RotaryEmbedding rope;
    private final int[] pos;
    private final int posRows;
    private final boolean inverse;

    Rotate(RotaryEmbedding rope, int[] pos, int posRows, boolean inverse) {
      this.rope = rope;
      this.pos = pos;
      this.posRows = posRows;
      this.inverse = inverse;
    }

    @Override public String name() {
      return "RotaryEmbedding";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0].contiguous();
      int[] shape = x.shape().toArray();
      int d = shape[shape.length - 1];
      int t = shape[shape.length - 2];
      int rows = t == 0 || d == 0 ? 0 : x.numel() / (t * d);
      int rowsPerPos = posRows == 1 ? Math.max(rows, 1) : Math.max(1, rows / posRows);
      int maxPos = 0;
      for (int p : pos) {
        maxPos = Math.max(maxPos, p);
      }
      Table tb = rope.table(maxPos + 1, x.dtype());
      int half = rope.config.rotaryDim() / 2;
      boolean interleaved = rope.config.pairing() == Pairing.INTERLEAVED;
      int step = interleaved ? 2 : 1;        // from one pair's first feature to the next pair's
      int second = interleaved ? 1 : half;   // from a pair's first feature to its second
      int rd = 2 * half;
      double sign = inverse ? -1 : 1;
      int chunk = Math.max(1, 16_384 / Math.max(1, t * d));
      if (x.dtype() == DType.F32) {
        float[] xa = x.dataF32();
        int xo = x.storageOffset();
        float[] y = new float[x.numel()];
        float[] c = tb.cos32();
        float[] s = tb.sin32();
        float sg = (float) sign;
        Parallel.forChunks(rows, chunk, (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int pr = (r / rowsPerPos) * t;
            for (int j = 0; j < t; j++) {
              int o = (r * t + j) * d;
              int to = pos[pr + j] * half;
              for (int i = 0; i < half; i++) {
                int ia = o + i * step;
                int ib = ia + second;
                float a = xa[xo + ia];
                float b = xa[xo + ib];
                float ci = c[to + i];
                float si = sg * s[to + i];
                y[ia] = a * ci - b * si;
                y[ib] = a * si + b * ci;
              }
              if (rd < d) {
                System.arraycopy(xa, xo + o + rd, y, o + rd, d - rd);
              }
            }
          }
        });
        return Tensor.wrap(y, shape);
      }
      double[] xa = x.toDoubleArray();
      double[] y = new double[xa.length];
      double[] c = tb.cos64();
      double[] s = tb.sin64();
      Parallel.forChunks(rows, chunk, (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
          int pr = (r / rowsPerPos) * t;
          for (int j = 0; j < t; j++) {
            int o = (r * t + j) * d;
            int to = pos[pr + j] * half;
            for (int i = 0; i < half; i++) {
              int ia = o + i * step;
              int ib = ia + second;
              double a = xa[ia];
              double b = xa[ib];
              double ci = c[to + i];
              double si = sign * s[to + i];
              y[ia] = a * ci - b * si;
              y[ib] = a * si + b * ci;
            }
            if (rd < d) {
              System.arraycopy(xa, o + rd, y, o + rd, d - rd);
            }
          }
        }
      });
      return Tensor.wrap(y, shape);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {new Rotate(rope, pos, posRows, !inverse).apply(dy)};
    }
  }
}
