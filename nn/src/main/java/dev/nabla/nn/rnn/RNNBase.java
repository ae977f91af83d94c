package dev.nabla.nn.rnn;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * What {@link RNN}, {@link LSTM} and {@link GRU} share: PyTorch's parameters (for layer k and
 * direction, {@code weight_ih_lk[_reverse]} {@code [gates·hidden, in]} with in = input for k = 0
 * and directions·hidden above, {@code weight_hh_lk[_reverse]} {@code [gates·hidden, hidden]},
 * {@code bias_ih_lk[_reverse]}, {@code bias_hh_lk[_reverse]} {@code [gates·hidden]}), their init
 * U(−1/√hidden, 1/√hidden), and the sequence loop.
 *
 * <p>Per layer and direction the input projection of <em>all</em> steps is one matrix product
 * {@code [T·B, in]·W_ihᵀ} before the loop; the loop only adds h·W_hhᵀ and applies the gates. F32
 * runs the loop as one fused autograd node ({@code FusedScan}, hand-written BPTT); other float
 * types (F64 for GradCheck) run the same recurrence from tensor ops.
 *
 * <p>Variable-length batches: pass per-sequence lengths (1 ≤ length ≤ T, any order). For steps
 * t ≥ length[b] the state is carried unchanged and the output is 0, as PyTorch's
 * {@code pack_padded_sequence} → {@code pad_packed_sequence}; h_n (and c_n) hold each sequence's
 * state at its last valid step, and the reverse direction starts there. Padded steps receive no
 * gradient.
 */
public abstract sealed class RNNBase extends Layer permits RNN, LSTM, GRU {

  /** Which implementation runs the time loop (tests pin one; AUTO: fused for F32). */
  enum Impl { AUTO, COMPOSITE, FUSED }

  private final RNNOptions options;
  private final CellKind kind;
  private final Parameter[][] weightIh;
  private final Parameter[][] weightHh;
  private final Parameter[][] biasIh;
  private final Parameter[][] biasHh;
  private final RandomGenerator dropoutRng;
  private Impl impl = Impl.AUTO;

  RNNBase(CellKind kind, RNNOptions options, RandomGenerator rng) {
    if (options == null || rng == null) {
      throw new IllegalArgumentException(kind.layerName + ": options and rng must not be null");
    }
    if (kind.gates != 1 && options.nonlinearity() != Nonlinearity.TANH) {
      throw new IllegalArgumentException(kind.layerName
          + ": nonlinearity applies to RNN only; " + kind.layerName + " uses its fixed gates");
    }
    this.options = options;
    this.kind = kind;
    int layers = options.numLayers();
    int dirs = options.numDirections();
    int hidden = options.hiddenSize();
    int gh = kind.gates * hidden;
    weightIh = new Parameter[layers][dirs];
    weightHh = new Parameter[layers][dirs];
    biasIh = new Parameter[layers][dirs];
    biasHh = new Parameter[layers][dirs];
    double bound = 1.0 / Math.sqrt(hidden);
    for (int l = 0; l < layers; l++) {
      int in = l == 0 ? options.inputSize() : hidden * dirs;
      for (int d = 0; d < dirs; d++) {
        String suffix = "_l" + l + (d == 1 ? "_reverse" : "");
        weightIh[l][d] = registerParameter("weight_ih" + suffix, uniform(rng, bound, gh, in));
        weightHh[l][d] = registerParameter("weight_hh" + suffix, uniform(rng, bound, gh, hidden));
        if (options.bias()) {
          biasIh[l][d] = registerParameter("bias_ih" + suffix, uniform(rng, bound, gh));
          biasHh[l][d] = registerParameter("bias_hh" + suffix, uniform(rng, bound, gh));
        }
      }
    }
    // dropout masks get their own stream so that using them does not shift later init draws
    this.dropoutRng = rng instanceof Rng r ? r.split() : rng;
  }

  /** U(−bound, bound) samples (F32). */
  static Tensor uniform(RandomGenerator rng, double bound, int... shape) {
    return Tensor.rand(rng, shape).mul(2 * bound).sub(bound);
  }

  /** The hyper-parameters this layer was built with. */
  public final RNNOptions options() {
    return options;
  }

  /** {@code weight_ih_l{layer}[_reverse]}: {@code [gates·hidden, in]}. */
  public final Parameter weightIh(int layer, boolean reverse) {
    return weightIh[layer][direction(reverse)];
  }

  /** {@code weight_hh_l{layer}[_reverse]}: {@code [gates·hidden, hidden]}. */
  public final Parameter weightHh(int layer, boolean reverse) {
    return weightHh[layer][direction(reverse)];
  }

  /** {@code bias_ih_l{layer}[_reverse]}, or null without biases. */
  public final Parameter biasIh(int layer, boolean reverse) {
    return biasIh[layer][direction(reverse)];
  }

  /** {@code bias_hh_l{layer}[_reverse]}, or null without biases. */
  public final Parameter biasHh(int layer, boolean reverse) {
    return biasHh[layer][direction(reverse)];
  }

  private int direction(boolean reverse) {
    if (reverse && !options.bidirectional()) {
      throw new IllegalArgumentException(describe() + ": not bidirectional");
    }
    return reverse ? 1 : 0;
  }

  /**
   * The last layer's output at every step, from zero initial states: {@code [T, B, directions·H]}
   * ({@code [B, T, …]} with batchFirst, {@code [T, …]} for unbatched {@code [T, input]}).
   */
  @Override
  public Tensor forward(Tensor x) {
    return run(x, null, null, null).output();
  }

  void impl(Impl impl) {
    this.impl = impl;
  }

  /** E.g. {@code LSTM(input=128, hidden=256)}: the prefix of every error message. */
  final String describe() {
    return name() + "(input=" + options.inputSize() + ", hidden=" + options.hiddenSize() + ")";
  }

  @Override
  protected String extraRepr() {
    StringBuilder sb = new StringBuilder().append(options.inputSize()).append(", ")
        .append(options.hiddenSize());
    if (options.numLayers() != 1) {
      sb.append(", numLayers=").append(options.numLayers());
    }
    if (kind == CellKind.RNN_RELU) {
      sb.append(", nonlinearity=relu");
    }
    if (!options.bias()) {
      sb.append(", bias=false");
    }
    if (options.batchFirst()) {
      sb.append(", batchFirst=true");
    }
    if (options.dropout() != 0) {
      sb.append(", dropout=").append(options.dropout());
    }
    if (options.bidirectional()) {
      sb.append(", bidirectional=true");
    }
    return sb.toString();
  }

  // ================================================================== the sequence loop

  /** Output, h_n and (LSTM) c_n. */
  record Result(Tensor output, Tensor hN, Tensor cN) {}

  /** Lengths from a 1-D integer tensor (I64 or I32), checked later against the batch. */
  final int[] lengths(Tensor lengths) {
    if (lengths == null) {
      return null;
    }
    if (lengths.dim() != 1 || lengths.dtype().isFloatingPoint() || lengths.dtype() == DType.BOOL) {
      throw new IllegalArgumentException(describe() + ": lengths must be a 1-D integer tensor,"
          + " got " + lengths.dtype() + " of shape " + lengths.shape());
    }
    long[] l = lengths.toLongArray();
    int[] r = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      r[i] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, l[i]));
    }
    return r;
  }

  final Result run(Tensor x, Tensor h0, Tensor c0, int[] lengths) {
    if (x == null) {
      throw new IllegalArgumentException(describe() + ": input must not be null");
    }
    int in = options.inputSize();
    int hidden = options.hiddenSize();
    int layers = options.numLayers();
    int dirs = options.numDirections();
    String layout = options.batchFirst() ? "[B, T, " + in + "]" : "[T, B, " + in + "]";
    if (x.dim() != 2 && x.dim() != 3) {
      throw new IllegalArgumentException(describe() + ": expected a 3-D input " + layout
          + " (or 2-D unbatched [T, " + in + "]), got " + x.shape());
    }
    if (x.size(-1) != in) {
      throw new IllegalArgumentException(
          describe() + ": expected input feature size " + in + ", got " + x.shape());
    }
    DType dtype = weightIh[0][0].dtype();
    if (x.dtype() != dtype) {
      throw new IllegalArgumentException(describe() + ": input dtype " + x.dtype()
          + " does not match the parameters' " + dtype + "; convert one of them (layer.to("
          + x.dtype() + ") or x.to(" + dtype + "))");
    }
    boolean batched = x.dim() == 3;
    Tensor seq = !batched ? x.unsqueeze(1) : options.batchFirst() ? x.transpose(0, 1) : x;
    int steps = seq.size(0);
    int batch = seq.size(1);
    if (steps == 0 || batch == 0) {
      throw new IllegalArgumentException(
          describe() + ": expected a non-empty sequence and batch, got input " + x.shape());
    }
    Tensor h = checkState("h0", h0, batched, batch, dtype);
    Tensor c = kind == CellKind.LSTM ? checkState("c0", c0, batched, batch, dtype) : null;
    int[] lens = checkLengths(lengths, batch, steps);
    boolean fused = switch (impl) {
      case FUSED -> {
        if (dtype != DType.F32) {
          throw new UnsupportedOperationException(describe() + ": the fused loop is F32 only");
        }
        yield true;
      }
      case COMPOSITE -> false;
      case AUTO -> dtype == DType.F32;
    };

    Tensor layerIn = seq;
    if (lens != null) { // padding never reaches the products (NaN·0 would still be NaN)
      boolean[] valid = new boolean[steps * batch];
      for (int t = 0; t < steps; t++) {
        for (int b = 0; b < batch; b++) {
          valid[t * batch + b] = t < lens[b];
        }
      }
      layerIn = Tensor.where(Tensor.of(valid, steps, batch, 1), seq, Tensor.zeros(dtype));
    }
    Tensor[] hN = new Tensor[layers * dirs];
    Tensor[] cN = new Tensor[layers * dirs];
    for (int l = 0; l < layers; l++) {
      Tensor in2d = layerIn.reshape(steps * batch, layerIn.size(2));
      Tensor[] outs = new Tensor[dirs];
      for (int d = 0; d < dirs; d++) {
        int s = l * dirs + d;
        Tensor hs = h == null ? null : h.select(0, s);
        Tensor cs = c == null ? null : c.select(0, s);
        Tensor[] r = fused
            ? scanFused(l, d, in2d, steps, batch, hs, cs, lens)
            : scanComposite(l, d, in2d, steps, batch, hs, cs, lens);
        outs[d] = r[0];
        hN[s] = r[1];
        cN[s] = r[2];
      }
      layerIn = dirs == 1 ? outs[0] : Tensor.cat(2, outs);
      if (l < layers - 1 && options.dropout() > 0 && isTraining()) {
        layerIn = dropout(layerIn);
      }
    }
    Tensor output = !batched ? layerIn.squeeze(1)
        : options.batchFirst() ? layerIn.transpose(0, 1) : layerIn;
    Tensor hOut = Tensor.stack(0, hN);
    Tensor cOut = kind == CellKind.LSTM ? Tensor.stack(0, cN) : null;
    if (!batched) {
      hOut = hOut.squeeze(1);
      cOut = cOut == null ? null : cOut.squeeze(1);
    }
    return new Result(output, hOut, cOut);
  }

  /** Null (zeros) or a state of shape [layers·dirs, B, H] ([layers·dirs, H] unbatched). */
  private Tensor checkState(String what, Tensor state, boolean batched, int batch, DType dtype) {
    if (state == null) {
      return null;
    }
    int ld = options.numLayers() * options.numDirections();
    int[] expected = batched ? new int[] {ld, batch, options.hiddenSize()}
        : new int[] {ld, options.hiddenSize()};
    if (!Arrays.equals(state.shape().toArray(), expected)) {
      throw new IllegalArgumentException(describe() + ": expected " + what + " of shape "
          + Arrays.toString(expected) + " ([layers·directions, " + (batched ? "batch, " : "")
          + "hidden]), got " + state.shape());
    }
    if (state.dtype() != dtype) {
      throw new IllegalArgumentException(describe() + ": " + what + " dtype " + state.dtype()
          + " does not match the parameters' " + dtype);
    }
    return batched ? state : state.unsqueeze(1);
  }

  /** Validated lengths, or null when absent or all full (nothing to mask). */
  private int[] checkLengths(int[] lengths, int batch, int steps) {
    if (lengths == null) {
      return null;
    }
    if (lengths.length != batch) {
      throw new IllegalArgumentException(describe() + ": lengths has " + lengths.length
          + " entries but the batch size is " + batch);
    }
    boolean full = true;
    for (int b = 0; b < batch; b++) {
      if (lengths[b] < 1 || lengths[b] > steps) {
        throw new IllegalArgumentException(describe() + ": lengths[" + b + "] = " + lengths[b]
            + " is out of range [1, " + steps + "] (the sequence length)");
      }
      full &= lengths[b] == steps;
    }
    return full ? null : lengths.clone();
  }

  /** Inverted dropout from the layer's own generator: keep with 1 − p, scale by 1/(1 − p). */
  private Tensor dropout(Tensor x) {
    double p = options.dropout();
    Tensor keep = Tensor.rand(dropoutRng, x.dtype(), x.shape().toArray()).ge(p);
    return x.mul(keep.to(x.dtype()).mul(1.0 / (1.0 - p)));
  }

  /** x·W_ihᵀ + biases for all steps at once; b_hh folded in except for GRU (r⊙(W_hn h + b_hn)). */
  private Tensor inputProjection(int l, int d, Tensor in2d) {
    Tensor xg = in2d.matmul(weightIh[l][d].t());
    if (!options.bias()) {
      return xg;
    }
    return xg.add(kind == CellKind.GRU ? biasIh[l][d] : biasIh[l][d].add(biasHh[l][d]));
  }

  private Tensor stepBias(int l, int d) {
    return kind == CellKind.GRU && options.bias() ? biasHh[l][d] : null;
  }

  /** {output [T, B, H], h_n [B, H], c_n [B, H] or null} through one fused node. */
  private Tensor[] scanFused(int l, int d, Tensor in2d, int steps, int batch, Tensor h0, Tensor c0,
      int[] lengths) {
    int hidden = options.hiddenSize();
    int tbh = steps * batch * hidden;
    int bh = batch * hidden;
    Tensor flat = new FusedScan(kind, steps, batch, hidden, d == 1, lengths)
        .apply(in2d.matmul(weightIh[l][d].t()), weightHh[l][d], biasIh[l][d], biasHh[l][d], h0,
            c0);
    Tensor out = flat.narrow(0, 0, tbh).view(steps, batch, hidden);
    Tensor hN = flat.narrow(0, tbh, bh).view(batch, hidden);
    Tensor cN = kind == CellKind.LSTM ? flat.narrow(0, tbh + bh, bh).view(batch, hidden) : null;
    return new Tensor[] {out, hN, cN};
  }

  /** The same recurrence from tensor ops, one step at a time (any float dtype). */
  private Tensor[] scanComposite(int l, int d, Tensor in2d, int steps, int batch, Tensor h0,
      Tensor c0, int[] lengths) {
    int hidden = options.hiddenSize();
    DType dtype = in2d.dtype();
    Tensor xg = inputProjection(l, d, in2d).view(steps, batch, kind.gates * hidden);
    Tensor whh = weightHh[l][d];
    Tensor bhh = stepBias(l, d);
    Tensor h = h0 != null ? h0 : Tensor.zeros(dtype, batch, hidden);
    Tensor c = kind != CellKind.LSTM ? null : c0 != null ? c0 : Tensor.zeros(dtype, batch, hidden);
    Tensor zero = Tensor.zeros(dtype);
    Tensor[] outs = new Tensor[steps];
    for (int p = 0; p < steps; p++) {
      int t = d == 1 ? steps - 1 - p : p;
      Tensor xt = xg.select(0, t);
      Tensor h2;
      Tensor c2 = null;
      switch (kind) {
        case RNN_TANH, RNN_RELU -> h2 = CellMath.rnn(xt, h, whh, bhh, kind == CellKind.RNN_RELU);
        case LSTM -> {
          Tensor[] hc = CellMath.lstm(xt, h, c, whh, bhh);
          h2 = hc[0];
          c2 = hc[1];
        }
        case GRU -> h2 = CellMath.gru(xt, h, whh, bhh);
        default -> throw new IllegalStateException(kind.name());
      }
      if (lengths == null) {
        outs[t] = h2;
      } else { // padded steps keep the state and output 0
        Tensor valid = validMask(lengths, t);
        h2 = Tensor.where(valid, h2, h);
        c2 = c2 == null ? null : Tensor.where(valid, c2, c);
        outs[t] = Tensor.where(valid, h2, zero);
      }
      h = h2;
      c = c2;
    }
    return new Tensor[] {Tensor.stack(0, outs), h, c};
  }

  /** [B, 1] BOOL: true where step t is inside sequence b. */
  private static Tensor validMask(int[] lengths, int t) {
    boolean[] m = new boolean[lengths.length];
    for (int b = 0; b < m.length; b++) {
      m[b] = t < lengths[b];
    }
    return Tensor.of(m, m.length, 1);
  }
}
