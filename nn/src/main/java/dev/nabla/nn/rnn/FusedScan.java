package dev.nabla.nn.rnn;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.UnaryOp;

/**
 * One layer and direction of a recurrence over a whole F32 sequence as a single autograd node,
 * with hand-written backpropagation through time (the cuDNN recipe):
 *
 * <ul>
 *   <li>forward: per step one GEMM h·W_hhᵀ added to the precomputed input projection, then the
 *       gate math on raw arrays (exp and tanh through the SIMD kernels);
 *   <li>backward: per step the gate derivatives and one GEMM dGates·W_hh for dh; afterwards
 *       dW_hh = Σ_t dGates_tᵀ·h_{t−1} as <em>one</em> GEMM over all T·B rows, and the gate
 *       derivatives themselves are the gradient of the input projection (whose own GEMM, outside,
 *       gives dW_ih and dx).
 * </ul>
 *
 * <p>Inputs: 0 {@code xw [T·B, G·H]}, the input projection x·W_ihᵀ of all steps, time-major; 1
 * {@code W_hh [G·H, H]}; 2, 3 {@code b_ih}, {@code b_hh [G·H]} or null (added here, so that
 * their gradients are column sums of the gate gradients already at hand); 4 {@code h0 [B, H]} or
 * null (zeros); 5 {@code c0 [B, H]} or null (LSTM). Output, flat:
 * {@code [T·B·H outputs | B·H h_N | B·H c_N (LSTM)]}. With lengths, step t of sequence b is
 * skipped when t ≥ length[b]: its state is carried, its output is 0, and no gradient flows
 * through it; the reverse direction therefore starts at each sequence's own last step.
 *
 * <p>Tested against the tensor-op composite {@link CellMath} (values and every gradient).
 */
final class FusedScan extends Op {
  private final CellKind kind;
  private final int steps;
  private final int batch;
  private final int hidden;
  private final boolean reverse;
  private final int[] lengths;

  FusedScan(CellKind kind, int steps, int batch, int hidden, boolean reverse, int[] lengths) {
    this.kind = kind;
    this.steps = steps;
    this.batch = batch;
    this.hidden = hidden;
    this.reverse = reverse;
    this.lengths = lengths;
  }

  @Override
  public String name() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + (reverse ? "_scan_reverse" : "_scan");
  }

  /** Size of the flat output: outputs, h_N and (LSTM) c_N. */
  static int outputSize(CellKind kind, int steps, int batch, int hidden) {
    int bh = batch * hidden;
    return steps * bh + bh + (kind == CellKind.LSTM ? bh : 0);
  }

  private static float[] data(Tensor t) {
    return t.dataF32();
  }

  // ================================================================== forward

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Pass s = new Pass(kind, steps, batch, hidden, reverse, lengths);
    Tensor xw = in[0].contiguous();
    Tensor w = in[1].contiguous();
    // the gate buffer starts as x·W_ihᵀ + b_ih + b_hh (GRU: b_hh joins h·W_hhᵀ instead, as r
    // multiplies it); each step adds h·W_hhᵀ and activates in place
    float[] bias = new float[s.gh];
    addBias(in[2], bias);
    if (kind != CellKind.GRU) {
      addBias(in[3], bias);
    }
    s.gates = new float[steps * s.bgh];
    float[] xa = data(xw);
    int xo = xw.storageOffset();
    for (int row = 0; row < steps * batch; row++) {
      add(s.gh, xa, xo + row * s.gh, bias, s.gates, row * s.gh);
    }
    s.hs = new float[(steps + 1) * s.bh];
    if (kind == CellKind.LSTM) {
      s.cs = new float[(steps + 1) * s.bh];
      s.tanhC = new float[steps * s.bh];
    }
    if (kind == CellKind.GRU) {
      s.hn = new float[steps * s.bh];
      s.hh = new float[s.bgh];
    }
    if (kind == CellKind.GRU && in[3] != null) {
      Tensor b = in[3].contiguous();
      s.bias = data(b);
      s.biasOff = b.storageOffset();
    }
    int first = reverse ? steps : 0;
    copyState(in[4], s.hs, first * s.bh);
    if (s.cs != null) {
      copyState(in[5], s.cs, first * s.bh);
    }
    s.out = new float[outputSize(kind, steps, batch, hidden)];
    // W_hhᵀ [H, G·H] once, so that every step's product h·W_hhᵀ packs plain rows (packing a
    // transposed operand every step cost as much as the product itself)
    s.wt = transpose(data(w), w.storageOffset(), s.gh, hidden);
    for (int p = 0; p < steps; p++) {
      s.forwardStep(reverse ? steps - 1 - p : p);
    }
    int last = (reverse ? 0 : steps) * s.bh;
    System.arraycopy(s.hs, last, s.out, steps * s.bh, s.bh);
    if (s.cs != null) {
      System.arraycopy(s.cs, last, s.out, steps * s.bh + s.bh, s.bh);
    }
    ctx.save(w, Tensor.wrap(s.gates), Tensor.wrap(s.hs));
    if (s.cs != null) {
      ctx.save(Tensor.wrap(s.cs), Tensor.wrap(s.tanhC));
    }
    if (s.hn != null) {
      ctx.save(Tensor.wrap(s.hn));
    }
    return Tensor.wrap(s.out);
  }

  private static void addBias(Tensor bias, float[] into) {
    if (bias != null) {
      Tensor b = bias.contiguous();
      float[] a = data(b);
      for (int j = 0; j < into.length; j++) {
        into[j] += a[b.storageOffset() + j];
      }
    }
  }

  private static void add(int n, float[] a, int ao, float[] b, float[] y, int yo) {
    for (int j = 0; j < n; j++) {
      y[yo + j] = a[ao + j] + b[j];
    }
  }

  private void copyState(Tensor state, float[] into, int offset) {
    if (state != null) {
      Tensor s = state.contiguous();
      System.arraycopy(data(s), s.storageOffset(), into, offset, batch * hidden);
    }
  }

  // ================================================================== backward

  @Override
  protected Tensor[] backward(Context ctx, Tensor gradOutput) {
    Pass s = new Pass(kind, steps, batch, hidden, reverse, lengths);
    int bh = s.bh;
    int gh = s.gh;
    Tensor w = ctx.saved(0);
    s.w = data(w);
    s.wo = w.storageOffset();
    s.gates = data(ctx.saved(1));
    s.hs = data(ctx.saved(2));
    if (kind == CellKind.LSTM) {
      s.cs = data(ctx.saved(3));
      s.tanhC = data(ctx.saved(4));
    }
    if (kind == CellKind.GRU) {
      s.hn = data(ctx.saved(3));
    }
    Tensor dyT = gradOutput.to(DType.F32).contiguous();
    s.dy = data(dyT);
    s.dyo = dyT.storageOffset();
    // gradient w.r.t. the state after the current step, seeded by dL/dh_N (and dL/dc_N)
    float[] dh = new float[bh];
    float[] dhPrev = new float[bh];
    System.arraycopy(s.dy, s.dyo + steps * bh, dh, 0, bh);
    if (kind == CellKind.LSTM) {
      s.dc = new float[bh];
      System.arraycopy(s.dy, s.dyo + steps * bh + bh, s.dc, 0, bh);
    }
    // dG: gradient of the gate pre-activations on the input side (= d xw); dGh on the hidden side
    s.dG = new float[steps * s.bgh];
    s.dGh = kind == CellKind.GRU ? new float[steps * s.bgh] : s.dG;
    for (int p = steps - 1; p >= 0; p--) {
      s.backwardStep(reverse ? steps - 1 - p : p, dh, dhPrev);
      float[] swap = dh;
      dh = dhPrev;
      dhPrev = swap;
    }

    Kernels k = Kernels.get();
    Tensor[] grads = new Tensor[6];
    if (ctx.needsInputGrad(0)) {
      grads[0] = Tensor.wrap(s.dG, steps * batch, gh);
    }
    if (ctx.needsInputGrad(1)) { // dW_hh = Σ_t dGh_tᵀ·h_{t−1}: one GEMM with K = T·B
      float[] dw = new float[gh * hidden];
      k.gemm(true, false, gh, hidden, steps * batch, 1f, s.dGh, 0, gh, s.hs, reverse ? bh : 0,
          hidden, 0f, dw, 0, hidden);
      grads[1] = Tensor.wrap(dw, gh, hidden);
    }
    Tensor dbIh = ctx.needsInputGrad(2) || (ctx.needsInputGrad(3) && s.dGh == s.dG)
        ? Tensor.wrap(columnSums(s.dG, steps * batch, gh), gh) : null;
    grads[2] = ctx.needsInputGrad(2) ? dbIh : null;
    if (ctx.needsInputGrad(3)) {
      grads[3] = s.dGh == s.dG ? dbIh : Tensor.wrap(columnSums(s.dGh, steps * batch, gh), gh);
    }
    if (ctx.needsInputGrad(4)) {
      grads[4] = Tensor.wrap(dh, batch, hidden);
    }
    if (ctx.needsInputGrad(5)) {
      grads[5] = Tensor.wrap(s.dc, batch, hidden);
    }
    return grads;
  }

  // ================================================================== one pass over time

  /**
   * The buffers of one forward or backward pass and the work of one step. Time-indexed layouts:
   * {@code gates [T, B, G·H]} (pre-activations, then activations in place), {@code hs}/{@code cs
   * [T + 1, B, H]} where slot t is the state before step t going forward (slot t + 1 reversed),
   * {@code tanhC}, {@code hn} and the outputs {@code [T, B, H]}.
   */
  private static final class Pass {
    final CellKind kind;
    final int steps;
    final int batch;
    final int h;
    final int gh;
    final int bh;
    final int bgh;
    final boolean reverse;
    final int[] lengths;
    final Kernels k = Kernels.get();
    float[] gates;
    float[] hs;
    float[] cs;
    float[] tanhC;
    float[] hn;
    float[] hh;
    float[] bias;
    int biasOff;
    float[] out;
    float[] wt;
    // backward
    float[] w;
    int wo;
    float[] dy;
    int dyo;
    float[] dc;
    float[] dG;
    float[] dGh;

    Pass(CellKind kind, int steps, int batch, int hidden, boolean reverse, int[] lengths) {
      this.kind = kind;
      this.steps = steps;
      this.batch = batch;
      this.h = hidden;
      this.gh = kind.gates * hidden;
      this.bh = batch * hidden;
      this.bgh = batch * gh;
      this.reverse = reverse;
      this.lengths = lengths;
    }

    private boolean active(int t, int b) {
      return lengths == null || t < lengths[b];
    }

    private int prev(int t) {
      return (reverse ? t + 1 : t) * bh;
    }

    private int next(int t) {
      return (reverse ? t : t + 1) * bh;
    }

    /**
     * Step t: gates += h·W_hhᵀ (the one product; the kernels split it over threads), then the
     * cell, row by row. (Splitting the rows or the batch over threads as well was slower at 1
     * and 2 threads: a step's cell math is too small for the fork, and 16-row products too
     * narrow for the GEMM's register tiles.)
     */
    void forwardStep(int t) {
      int prev = prev(t);
      if (kind == CellKind.GRU) {
        k.gemm(false, false, batch, gh, h, 1f, hs, prev, h, wt, 0, gh, 0f, hh, 0, gh);
        if (bias != null) {
          for (int b = 0; b < batch; b++) {
            k.axpy(gh, 1f, bias, biasOff, hh, b * gh);
          }
        }
      } else {
        k.gemm(false, false, batch, gh, h, 1f, hs, prev, h, wt, 0, gh, 1f, gates, t * bgh, gh);
      }
      forwardRows(t);
    }

    private void forwardRows(int t) {
      int prev = prev(t);
      int next = next(t);
      for (int b = 0; b < batch; b++) {
        int gb = t * bgh + b * gh;
        int pb = prev + b * h;
        int nb = next + b * h;
        int ob = t * bh + b * h;
        if (!active(t, b)) { // padding: carry the state, output 0
          System.arraycopy(hs, pb, hs, nb, h);
          if (cs != null) {
            System.arraycopy(cs, pb, cs, nb, h);
          }
          continue;
        }
        switch (kind) {
          case RNN_TANH, RNN_RELU -> {
            k.unary(kind == CellKind.RNN_TANH ? UnaryOp.TANH : UnaryOp.RELU, h, gates, gb, gates,
                gb);
            System.arraycopy(gates, gb, hs, nb, h);
            System.arraycopy(gates, gb, out, ob, h);
          }
          case LSTM -> {
            sigmoid(k, 2 * h, gates, gb); // i, f
            k.unary(UnaryOp.TANH, h, gates, gb + 2 * h, gates, gb + 2 * h); // g
            sigmoid(k, h, gates, gb + 3 * h); // o
            lstmCell(h, gates, gb, cs, pb, nb);
            k.unary(UnaryOp.TANH, h, cs, nb, tanhC, ob);
            lstmHidden(h, gates, gb + 3 * h, tanhC, ob, hs, nb, out);
          }
          case GRU -> {
            int hb = b * gh;
            addInto(2 * h, hh, hb, gates, gb);
            sigmoid(k, 2 * h, gates, gb); // r, z
            gruCandidate(h, gates, gb, hh, hb + 2 * h, hn, ob);
            k.unary(UnaryOp.TANH, h, gates, gb + 2 * h, gates, gb + 2 * h); // n
            gruHidden(h, gates, gb, hs, pb, nb, out, ob);
          }
          default -> throw new IllegalStateException(kind.name());
        }
      }
    }

    /** Step t: from dh (after the step) to dhPrev (before it). */
    void backwardStep(int t, float[] dh, float[] dhPrev) {
      backwardRows(t, dh, dhPrev);
      // dh_{t−1} += dGates_t · W_hh  (rows of skipped steps are 0 in dGh)
      k.gemm(false, false, batch, h, gh, 1f, dGh, t * bgh, gh, w, wo, h, 1f, dhPrev, 0, h);
    }

    private void backwardRows(int t, float[] dh, float[] dhPrev) {
      int prev = prev(t);
      for (int b = 0; b < batch; b++) {
        int gb = t * bgh + b * gh;
        int pb = prev + b * h;
        int sb = b * h;
        int ob = t * bh + b * h;
        if (!active(t, b)) { // the carried state passes its gradient on unchanged
          System.arraycopy(dh, sb, dhPrev, sb, h);
          continue;
        }
        int dOut = dyo + ob;
        switch (kind) {
          case RNN_TANH -> tanhBackward(h, gates, gb, dh, sb, dy, dOut, dG, dhPrev);
          case RNN_RELU -> reluBackward(h, gates, gb, dh, sb, dy, dOut, dG, dhPrev);
          case LSTM -> lstmBackward(h, gates, gb, tanhC, ob, cs, pb, dh, dc, sb, dy, dOut, dG,
              dhPrev);
          case GRU -> gruBackward(h, gates, gb, hn, ob, hs, pb, dh, sb, dy, dOut, dG, dGh,
              dhPrev);
          default -> throw new IllegalStateException(kind.name());
        }
      }
    }
  }

  // ================================================================== row kernels
  // Small static loops over one batch row (h units), so that the JIT compiles and vectorises
  // each on its own.

  /** Σ over rows of a row-major [rows, cols] matrix. */
  private static float[] columnSums(float[] a, int rows, int cols) {
    float[] sum = new float[cols];
    for (int r = 0; r < rows; r++) {
      add(cols, a, r * cols, sum, sum, 0);
    }
    return sum;
  }

  /** [rows, cols] → [cols, rows]. */
  private static float[] transpose(float[] a, int off, int rows, int cols) {
    float[] t = new float[rows * cols];
    for (int i0 = 0; i0 < rows; i0 += 32) {
      int i1 = Math.min(rows, i0 + 32);
      for (int j = 0; j < cols; j++) {
        for (int i = i0; i < i1; i++) {
          t[j * rows + i] = a[off + i * cols + j];
        }
      }
    }
    return t;
  }

  /**
   * σ(x) = 1/(1 + e^{−x}) in place, through the EXP kernel: accurate in both tails (e^{−x}
   * overflowing gives 0), and at present 3–5× faster than the SIGMOID kernel, whose final
   * {@code blend} the JIT leaves unintrinsified (JFR: all its samples in {@code blendTemplate}).
   */
  private static void sigmoid(Kernels k, int n, float[] x, int off) {
    for (int j = 0; j < n; j++) {
      x[off + j] = -x[off + j];
    }
    k.unary(UnaryOp.EXP, n, x, off, x, off);
    for (int j = 0; j < n; j++) {
      x[off + j] = 1f / (1f + x[off + j]);
    }
  }

  private static void addInto(int n, float[] a, int ao, float[] y, int yo) {
    for (int j = 0; j < n; j++) {
      y[yo + j] += a[ao + j];
    }
  }

  /** c′ = f⊙c + i⊙g. */
  private static void lstmCell(int h, float[] gates, int gb, float[] cs, int pb, int nb) {
    for (int j = 0; j < h; j++) {
      cs[nb + j] = gates[gb + h + j] * cs[pb + j] + gates[gb + j] * gates[gb + 2 * h + j];
    }
  }

  /** h′ = o⊙tanh(c′), into the state and the output. */
  private static void lstmHidden(int h, float[] gates, int go, float[] tanhC, int tb, float[] hs,
      int nb, float[] out) {
    for (int j = 0; j < h; j++) {
      float v = gates[go + j] * tanhC[tb + j];
      hs[nb + j] = v;
      out[tb + j] = v;
    }
  }

  /** Keeps W_hn·h + b_hn for backward and forms n's argument x_n + r⊙(W_hn·h + b_hn). */
  private static void gruCandidate(int h, float[] gates, int gb, float[] hh, int hnb, float[] hn,
      int ob) {
    for (int j = 0; j < h; j++) {
      float v = hh[hnb + j];
      hn[ob + j] = v;
      gates[gb + 2 * h + j] += gates[gb + j] * v;
    }
  }

  /** h′ = n + z⊙(h − n). */
  private static void gruHidden(int h, float[] gates, int gb, float[] hs, int pb, int nb,
      float[] out, int ob) {
    for (int j = 0; j < h; j++) {
      float n = gates[gb + 2 * h + j];
      float v = n + gates[gb + h + j] * (hs[pb + j] - n);
      hs[nb + j] = v;
      out[ob + j] = v;
    }
  }

  private static void tanhBackward(int h, float[] gates, int gb, float[] dh, int sb, float[] dy,
      int dOut, float[] dG, float[] dhPrev) {
    for (int j = 0; j < h; j++) {
      float y = gates[gb + j];
      dG[gb + j] = (dh[sb + j] + dy[dOut + j]) * (1f - y * y);
      dhPrev[sb + j] = 0f;
    }
  }

  private static void reluBackward(int h, float[] gates, int gb, float[] dh, int sb, float[] dy,
      int dOut, float[] dG, float[] dhPrev) {
    for (int j = 0; j < h; j++) {
      dG[gb + j] = gates[gb + j] > 0f ? dh[sb + j] + dy[dOut + j] : 0f;
      dhPrev[sb + j] = 0f;
    }
  }

  /**
   * With dh = dL/dh′ and dc = dL/dc′ (in: from later steps; out: dL/dc for the previous step):
   * dc′ += dh⊙o⊙(1 − tanh²c′); di = dc′⊙g; df = dc′⊙c; dg = dc′⊙i; do = dh⊙tanh c′; each times its
   * activation's derivative.
   */
  private static void lstmBackward(int h, float[] gates, int gb, float[] tanhC, int tb, float[] cs,
      int pb, float[] dh, float[] dc, int sb, float[] dy, int dOut, float[] dG, float[] dhPrev) {
    for (int j = 0; j < h; j++) {
      float dhj = dh[sb + j] + dy[dOut + j];
      float i = gates[gb + j];
      float f = gates[gb + h + j];
      float g = gates[gb + 2 * h + j];
      float o = gates[gb + 3 * h + j];
      float tc = tanhC[tb + j];
      float dcj = dc[sb + j] + dhj * o * (1f - tc * tc);
      dG[gb + j] = dcj * g * i * (1f - i);
      dG[gb + h + j] = dcj * cs[pb + j] * f * (1f - f);
      dG[gb + 2 * h + j] = dcj * i * (1f - g * g);
      dG[gb + 3 * h + j] = dhj * tc * o * (1f - o);
      dc[sb + j] = dcj * f;
      dhPrev[sb + j] = 0f;
    }
  }

  /**
   * h′ = n + z⊙(h − n): dn = dh⊙(1 − z), dz = dh⊙(h − n), dh_direct = dh⊙z; through n = tanh(x_n +
   * r⊙hn): d(x_n) = dn⊙(1 − n²), d(hn) = that⊙r, dr = that⊙hn.
   */
  private static void gruBackward(int h, float[] gates, int gb, float[] hn, int ob, float[] hs,
      int pb, float[] dh, int sb, float[] dy, int dOut, float[] dG, float[] dGh, float[] dhPrev) {
    for (int j = 0; j < h; j++) {
      float dhj = dh[sb + j] + dy[dOut + j];
      float r = gates[gb + j];
      float z = gates[gb + h + j];
      float n = gates[gb + 2 * h + j];
      float dn = dhj * (1f - z) * (1f - n * n);
      float dr = dn * hn[ob + j] * r * (1f - r);
      float dz = dhj * (hs[pb + j] - n) * z * (1f - z);
      dG[gb + j] = dr;
      dG[gb + h + j] = dz;
      dG[gb + 2 * h + j] = dn;
      dGh[gb + j] = dr;
      dGh[gb + h + j] = dz;
      dGh[gb + 2 * h + j] = dn * r;
      dhPrev[sb + j] = dhj * z;
    }
  }
}
