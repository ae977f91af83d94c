package dev.nabla.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.nn.Layer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Float64 GradCheck (eps 1e-6, atol 1e-5, rtol 1e-3) of every recurrent layer and cell, w.r.t.
 * the input, the initial states and every parameter, on output, h_n and c_n together: 2 layers,
 * bidirectional, with unsorted lengths (so padded steps, carried states and the reverse
 * direction's late start are all differentiated through).
 */
class RNNGradientTest {

  @ParameterizedTest
  @ValueSource(strings = {"rnn_tanh", "rnn_relu", "lstm", "gru"})
  void stackedBidirectionalWithLengths(String mode) {
    RNNOptions options = RNNOptions.of(3, 2).numLayers(2).bidirectional(true).batchFirst(true);
    RNNBase layer = RnnTesting.build(mode, options, 11);
    layer.to(DType.F64);
    int batch = 3;
    int steps = 4;
    Tensor x = RnnTesting.randn(1, DType.F64, batch, steps, 3).requiresGrad();
    Tensor h0 = RnnTesting.randn(2, DType.F64, 4, batch, 2).requiresGrad();
    Tensor c0 = RnnTesting.randn(3, DType.F64, 4, batch, 2).requiresGrad();
    int[] lengths = {2, 4, 3};
    check(layer, in -> RnnTesting.flat(RnnTesting.run(layer, in[0], in[1], in[2], lengths)),
        x, h0, c0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rnn_tanh", "lstm", "gru"})
  void singleLayerWithoutBiasUnbatched(String mode) {
    RNNBase layer = RnnTesting.build(mode, RNNOptions.of(2, 3).bias(false), 12);
    layer.to(DType.F64);
    Tensor x = RnnTesting.randn(4, DType.F64, 5, 2).requiresGrad();
    check(layer, in -> RnnTesting.flat(RnnTesting.run(layer, in[0], null, null, null)), x);
  }

  @Test
  void lstmCell() {
    LSTMCell cell = new LSTMCell(3, 2, new Rng(5));
    cell.to(DType.F64);
    Tensor x = RnnTesting.randn(1, DType.F64, 2, 3).requiresGrad();
    Tensor h = RnnTesting.randn(2, DType.F64, 2, 2).requiresGrad();
    Tensor c = RnnTesting.randn(3, DType.F64, 2, 2).requiresGrad();
    check(cell, in -> {
      LSTMState s = cell.forward(in[0], new LSTMState(in[1], in[2]));
      return Tensor.cat(0, s.h().reshape(-1), s.c().reshape(-1));
    }, x, h, c);
  }

  @Test
  void gruCell() {
    GRUCell cell = new GRUCell(3, 2, new Rng(6));
    cell.to(DType.F64);
    Tensor x = RnnTesting.randn(1, DType.F64, 2, 3).requiresGrad();
    Tensor h = RnnTesting.randn(2, DType.F64, 2, 2).requiresGrad();
    check(cell, in -> cell.forward(in[0], in[1]), x, h);
  }

  @ParameterizedTest
  @ValueSource(strings = {"TANH", "RELU"})
  void rnnCell(String nonlinearity) {
    RNNCell cell = new RNNCell(3, 2, true, Nonlinearity.valueOf(nonlinearity), new Rng(7));
    cell.to(DType.F64);
    Tensor x = RnnTesting.randn(1, DType.F64, 3).requiresGrad(); // unbatched
    Tensor h = RnnTesting.randn(2, DType.F64, 2).requiresGrad();
    check(cell, in -> cell.forward(in[0], in[1]), x, h);
  }

  /** GradCheck over the given inputs and all the layer's parameters. */
  static void check(Layer layer, Function<Tensor[], Tensor> f, Tensor... inputs) {
    List<Tensor> all = new ArrayList<>(List.of(inputs));
    all.addAll(layer.parameters());
    GradCheck.Result r =
        GradCheck.check(f, GradCheck.Options.defaults(), all.toArray(new Tensor[0]));
    assertTrue(r.passed(), r.toString());
    assertTrue(r.checked() > 0, "nothing checked");
  }
}
