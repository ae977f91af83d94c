package dev.nabla.examples;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.optim.sa.GainSequence;
import dev.nabla.optim.sa.IncrementalMean;
import dev.nabla.optim.sa.RobbinsMonro;
import dev.nabla.optim.sa.SPSA;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Stochastic approximation at work: the running mean of Exp(1) samples, a Robbins–Monro root
 * of a noisy increasing function, and SPSA on a noisy 4-d quadratic. Averages the error over
 * seeded replications, fits log-log slopes and plots error vs iterations against the theory
 * (−1/2, −1/2, −1/3).
 */
@Command(name = "sa", mixinStandardHelpOptions = true,
    description = "Stochastic approximation (running mean, Robbins-Monro, SPSA): error vs iterations on log-log axes.")
final class SaCommand implements Callable<Integer> {
  private static final int FIT_FROM = 64; // fit slopes past the transient

  @Option(names = "--out", defaultValue = "sa.png", description = "PNG to write (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--iterations", defaultValue = "16384", description = "Steps per run (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--replications", defaultValue = "100",
      description = "Independent runs averaged per curve (default: ${DEFAULT-VALUE}).")
  int replications;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of all noise (default: ${DEFAULT-VALUE}).")
  long seed;

  /** One run: the squared error after each checkpoint's number of steps. */
  private interface Run {
    double[] squaredErrors(Rng rng, int[] checkpoints);
  }

  private record Curve(String name, double theory, String theoryLabel, Color color, double[] rms) {}

  @Override
  public Integer call() throws IOException {
    System.setProperty("java.awt.headless", "true"); // before any AWT class loads: no display needed
    if (iterations < 2 * FIT_FROM || replications < 2) {
      System.err.println("sa: need --iterations >= " + 2 * FIT_FROM + " and --replications >= 2");
      return 2;
    }
    int[] n = checkpoints(iterations);
    System.out.printf(Locale.ROOT, "%d replications x %d iterations, seed %d; slopes fitted for n >= %d%n",
        replications, iterations, seed, FIT_FROM);
    Rng master = new Rng(seed);
    List<Curve> curves = new ArrayList<>();

    // 1. The sample mean of Exp(1) (mean 1, sd 1) as w <- w - (1/k)(w - x_k): error sd/sqrt(n).
    curves.add(new Curve("IncrementalMean, Exp(1) samples", -0.5, "n^(-1/2)", new Color(0x1f77b4),
        rms(master.split(), n, (rng, cp) -> {
          IncrementalMean mean = new IncrementalMean();
          double[] sq = new double[cp.length];
          for (int k = 1, c = 0; c < cp.length; k++) {
            mean.update(-Math.log(1 - rng.nextDouble()));
            if (k == cp[c]) {
              sq[c++] = (mean.value() - 1) * (mean.value() - 1);
            }
          }
          return sq;
        })));

    // 2. Robbins–Monro: root of tanh(w - 1.25) + (w - 1.25)/2 observed with N(0, 1) noise, a_n = 1/n.
    double root = 1.25;
    curves.add(new Curve("Robbins-Monro root, a_n = 1/n", -0.5, "n^(-1/2)", new Color(0xd62728),
        rms(master.split(), n, (rng, cp) -> {
          RobbinsMonro rm = new RobbinsMonro(root + 3, GainSequence.robbinsMonro(1.0, 0.0, 1.0));
          double[] sq = new double[cp.length];
          for (int k = 1, c = 0; c < cp.length; k++) {
            rm.step(w -> Math.tanh(w - root) + 0.5 * (w - root) + rng.nextGaussian());
            if (k == cp[c]) {
              sq[c++] = (rm.value() - root) * (rm.value() - root);
            }
          }
          return sq;
        })));

    // 3. SPSA on L(θ) = ½ Σ λ_i (θ_i − θ*_i)² + N(0, 1), a_n = 1/(n + 5), c_n = 0.5/n^(1/6):
    //    error ∝ n^−(α−2γ)/2 = n^(−1/3) (Spall 1992).
    double[] lambda = {1.0, 1.5, 2.0, 3.0};
    double[] optimum = {0.5, -1.0, 2.0, 0.25};
    curves.add(new Curve("SPSA on a noisy 4-d quadratic, alpha = 1, gamma = 1/6", -1.0 / 3, "n^(-1/3)",
        new Color(0x2ca02c), rms(master.split(), n, (rng, cp) -> {
          Rng noise = rng.split();
          Tensor theta = Tensor.zeros(DType.F64, 4);
          SPSA spsa = new SPSA(List.of(theta), GainSequence.power(1.0, 5, 1.0),
              GainSequence.power(0.5, 0, 1.0 / 6), rng);
          double[] sq = new double[cp.length];
          for (int k = 1, c = 0; c < cp.length; k++) {
            spsa.step(() -> {
              double[] t = theta.toDoubleArray();
              double loss = 0;
              for (int i = 0; i < t.length; i++) {
                loss += 0.5 * lambda[i] * (t[i] - optimum[i]) * (t[i] - optimum[i]);
              }
              return Tensor.scalar(loss + noise.nextGaussian(), DType.F64);
            });
            if (k == cp[c]) {
              double[] t = theta.toDoubleArray();
              for (int i = 0; i < t.length; i++) {
                sq[c] += (t[i] - optimum[i]) * (t[i] - optimum[i]);
              }
              c++;
            }
          }
          return sq;
        })));

    for (Curve curve : curves) {
      System.out.printf(Locale.ROOT, "%-55s fitted slope %+.3f   theory %+.3f%n", curve.name(),
          slope(n, curve.rms()), curve.theory());
    }
    write(plot(n, curves), out);
    System.out.println("wrote " + out);
    return 0;
  }

  /** About four checkpoints per octave, from 1 to {@code iterations}. */
  private static int[] checkpoints(int iterations) {
    TreeSet<Integer> n = new TreeSet<>();
    for (double x = 1; x <= iterations; x *= Math.pow(2, 0.25)) {
      n.add((int) Math.round(x));
    }
    n.add(iterations);
    return n.stream().mapToInt(Integer::intValue).toArray();
  }

  private double[] rms(Rng rng, int[] checkpoints, Run run) {
    double[] sum = new double[checkpoints.length];
    for (int r = 0; r < replications; r++) {
      double[] sq = run.squaredErrors(rng.split(), checkpoints);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += sq[i];
      }
    }
    double[] rms = new double[sum.length];
    for (int i = 0; i < rms.length; i++) {
      rms[i] = Math.sqrt(sum[i] / replications);
    }
    return rms;
  }

  /** Least-squares slope of log(rms) on log(n) over n ≥ FIT_FROM. */
  private static double slope(int[] n, double[] rms) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (int i = 0; i < n.length; i++) {
      if (n[i] >= FIT_FROM) {
        double x = Math.log(n[i]);
        double y = Math.log(rms[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        m++;
      }
    }
    return (m * sxy - sx * sy) / (m * sxx - sx * sx);
  }

  private static XYChart plot(int[] n, List<Curve> curves) {
    XYChart chart = new XYChartBuilder().width(1000).height(700)
        .title("Stochastic approximation: RMS error vs iterations (log-log)")
        .xAxisTitle("iterations n").yAxisTitle("RMS error").build();
    chart.getStyler().setXAxisLogarithmic(true).setYAxisLogarithmic(true);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotBackgroundColor(Color.WHITE);
    double[] x = new double[n.length];
    for (int i = 0; i < n.length; i++) {
      x[i] = n[i];
    }
    int anchor = 0;
    while (n[anchor] < FIT_FROM) {
      anchor++;
    }
    for (Curve c : curves) {
      XYSeries data = chart.addSeries(String.format(Locale.ROOT, "%s (fit %+.3f)", c.name(), slope(n, c.rms())), x, c.rms());
      data.setMarker(SeriesMarkers.NONE);
      data.setLineColor(c.color());
      data.setLineWidth(2f);
      // theory: C·n^slope through the measured error at the start of the fit window
      double[] line = new double[n.length];
      for (int i = 0; i < n.length; i++) {
        line[i] = c.rms()[anchor] * Math.pow((double) n[i] / n[anchor], c.theory());
      }
      XYSeries theory = chart.addSeries("theory " + c.theoryLabel() + " (" + c.name().split(",")[0] + ")", x, line);
      theory.setMarker(SeriesMarkers.NONE);
      theory.setLineColor(c.color());
      theory.setLineStyle(SeriesLines.DASH_DASH);
      theory.setLineWidth(1.2f);
    }
    return chart;
  }

  private static void write(XYChart chart, Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream os = Files.newOutputStream(path)) {
      BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
