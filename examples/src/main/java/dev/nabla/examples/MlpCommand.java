package dev.nabla.examples;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.models.data.Idx;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a two-layer perceptron (784 → hidden → 10, ReLU) on the bundled MNIST test split with
 * nothing but tensors, autograd and a hand-written SGD step: the smallest real use of the core.
 */
@Command(name = "mlp", mixinStandardHelpOptions = true,
    description = "Train a 2-layer MLP on bundled MNIST digits with autograd and SGD.")
final class MlpCommand implements Callable<Integer> {
  private static final String DATA = "/dev/nabla/examples/mnist/";

  @Option(names = "--epochs", defaultValue = "3", description = "Passes over the training split (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--hidden", defaultValue = "128", description = "Hidden units (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--batch-size", defaultValue = "64", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--lr", defaultValue = "0.1", description = "SGD learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--train", defaultValue = "8000", description = "Training images, the rest of the 10 000 are held out (default: ${DEFAULT-VALUE}).")
  int trainSize;

  @Option(names = "--seed", defaultValue = "0", description = "Seed for init and shuffling (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws IOException {
    if (epochs < 1 || hidden < 1 || batchSize < 1 || trainSize < 1 || trainSize >= 10_000 || !(lr > 0)) {
      System.err.println("mlp: need epochs, hidden, batch-size ≥ 1, 0 < train < 10000 and lr > 0");
      return 2;
    }
    Tensor images = read("t10k-images-idx3-ubyte.gz").reshape(-1, 784).to(DType.F32).div(255.0);
    Tensor labels = read("t10k-labels-idx1-ubyte.gz").to(DType.I64);
    Tensor trainX = images.narrow(0, 0, trainSize);
    Tensor trainY = labels.narrow(0, 0, trainSize);
    Tensor testX = images.narrow(0, trainSize, 10_000 - trainSize);
    Tensor testY = labels.narrow(0, trainSize, 10_000 - trainSize);
    System.out.printf(Locale.ROOT, "MNIST (bundled test split): %d train / %d held out, MLP 784-%d-10%n",
        trainSize, 10_000 - trainSize, hidden);

    Rng rng = new Rng(seed);
    // PyTorch's Linear default: U(-1/sqrt(fanIn), 1/sqrt(fanIn))
    Tensor w1 = uniform(rng, 1 / Math.sqrt(784), 784, hidden).requiresGrad();
    Tensor b1 = uniform(rng, 1 / Math.sqrt(784), hidden).requiresGrad();
    Tensor w2 = uniform(rng, 1 / Math.sqrt(hidden), hidden, 10).requiresGrad();
    Tensor b2 = uniform(rng, 1 / Math.sqrt(hidden), 10).requiresGrad();
    Tensor[] params = {w1, b1, w2, b2};

    int steps = trainSize / batchSize;
    for (int epoch = 1; epoch <= epochs; epoch++) {
      long start = System.nanoTime();
      Tensor order = Tensor.randperm(rng.split(), trainSize);
      double running = 0;
      int seen = 0;
      for (int step = 0; step < steps; step++) {
        Tensor idx = order.narrow(0, step * batchSize, batchSize);
        Tensor x = trainX.indexSelect(0, idx);
        Tensor y = trainY.indexSelect(0, idx);
        Tensor logits = x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
        Tensor loss = crossEntropy(logits, y);
        loss.backward();
        try (var off = GradMode.disabled()) {
          for (Tensor p : params) {
            p.addInPlace(p.grad(), -lr);
            p.zeroGrad();
          }
        }
        running += loss.item();
        seen++;
        if ((step + 1) % 25 == 0 || step == steps - 1) {
          System.out.printf(Locale.ROOT, "epoch %d  step %3d/%d  loss %.4f%n", epoch, step + 1, steps,
              running / seen);
          running = 0;
          seen = 0;
        }
      }
      double accuracy = accuracy(testX, testY, params);
      System.out.printf(Locale.ROOT, "epoch %d done in %.1f s: held-out accuracy %.2f%%%n", epoch,
          (System.nanoTime() - start) / 1e9, 100 * accuracy);
    }
    return 0;
  }

  /** Mean negative log-likelihood of the labels under softmax(logits). */
  static Tensor crossEntropy(Tensor logits, Tensor labels) {
    return logits.logSoftmax(-1).gather(1, labels.unsqueeze(1)).mean().neg();
  }

  private static double accuracy(Tensor x, Tensor y, Tensor[] p) {
    try (var off = GradMode.disabled()) {
      Tensor predicted = x.matmul(p[0]).add(p[1]).relu().matmul(p[2]).add(p[3]).argmax(1, false);
      return predicted.eq(y).to(DType.F32).mean().item();
    }
  }

  private static Tensor uniform(Rng rng, double bound, int... shape) {
    return Tensor.rand(rng, shape).mul(2 * bound).sub(bound);
  }

  private static Tensor read(String name) throws IOException {
    try (InputStream in = MlpCommand.class.getResourceAsStream(DATA + name)) {
      if (in == null) {
        throw new IOException("bundled data " + DATA + name + " is missing from the classpath");
      }
      return Idx.readUnsignedBytes(in, true);
    }
  }
}
