package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.List;

/**
 * One step of each recurrence from tensor ops (autograd for free, any float dtype): the reference
 * that the cells use and that {@link FusedScan} is tested against. {@code xg} is the input
 * projection W_ih·x + b_ih of this step (for RNN and LSTM it may already hold b_hh too, then
 * {@code bhh} is null); shapes {@code [B, gates·H]} or {@code [gates·H]}.
 */
final class CellMath {
  private CellMath() {}

  /** h′ = act(xg + h·W_hhᵀ + b_hh). */
  static Tensor rnn(Tensor xg, Tensor h, Tensor whh, Tensor bhh, boolean relu) {
    Tensor pre = plusBias(xg.add(h.matmul(whh.t())), bhh);
    return relu ? pre.relu() : pre.tanh();
  }

  /**
   * i, f, g, o = σ, σ, tanh, σ of the four gate blocks of xg + h·W_hhᵀ + b_hh;
   * c′ = f⊙c + i⊙g; h′ = o⊙tanh(c′). Returns {h′, c′}.
   */
  static Tensor[] lstm(Tensor xg, Tensor h, Tensor c, Tensor whh, Tensor bhh) {
    List<Tensor> gates = plusBias(xg.add(h.matmul(whh.t())), bhh).chunk(4, -1);
    Tensor i = gates.get(0).sigmoid();
    Tensor f = gates.get(1).sigmoid();
    Tensor g = gates.get(2).tanh();
    Tensor o = gates.get(3).sigmoid();
    Tensor c2 = f.mul(c).add(i.mul(g));
    return new Tensor[] {o.mul(c2.tanh()), c2};
  }

  /**
   * r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n), h′ = (1 − z)⊙n + z⊙h, where
   * x_* are the blocks of xg and h_* those of h·W_hhᵀ + b_hh (the reset gate multiplies the
   * hidden part including its bias, as PyTorch and cuDNN do).
   */
  static Tensor gru(Tensor xg, Tensor h, Tensor whh, Tensor bhh) {
    List<Tensor> x = xg.chunk(3, -1);
    List<Tensor> hh = plusBias(h.matmul(whh.t()), bhh).chunk(3, -1);
    Tensor r = x.get(0).add(hh.get(0)).sigmoid();
    Tensor z = x.get(1).add(hh.get(1)).sigmoid();
    Tensor n = x.get(2).add(r.mul(hh.get(2))).tanh();
    return n.add(z.mul(h.sub(n)));
  }

  private static Tensor plusBias(Tensor t, Tensor bias) {
    return bias == null ? t : t.add(bias);
  }
}
