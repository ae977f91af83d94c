package dev.nabla.examples;

import dev.nabla.examples.Checkpoints.ValLoss;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The loss curve of a training run as a PNG: each step's training loss, smoothed, and validation points. */
final class LossPlot {
  private LossPlot() {}

  /**
   * Writes the chart to {@code png} (via a temporary file and a rename). The training curve is an
   * exponential moving average (weight {@code 1 − smoothing} on the newest step), bias-corrected
   * as in Adam so the first points are not pulled towards zero.
   */
  static void write(Path png, String title, List<Double> train, List<ValLoss> validation,
      double smoothing) throws IOException {
    XYChart chart = new XYChartBuilder().width(900).height(540).title(title)
        .xAxisTitle("step").yAxisTitle("cross-entropy (nats/token)").build();
    Styler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    if (!train.isEmpty()) {
      double[] x = new double[train.size()];
      double[] raw = new double[train.size()];
      double[] smooth = new double[train.size()];
      double ema = 0;
      for (int i = 0; i < x.length; i++) {
        x[i] = i + 1;
        raw[i] = train.get(i);
        ema = smoothing * ema + (1 - smoothing) * raw[i];
        smooth[i] = ema / (1 - Math.pow(smoothing, i + 1));
      }
      XYSeries r = chart.addSeries("train (per step)", x, raw);
      r.setMarker(SeriesMarkers.NONE);
      r.setLineColor(new Color(0x9ecae1));
      r.setLineWidth(1f);
      XYSeries s = chart.addSeries("train (smoothed)", x, smooth);
      s.setMarker(SeriesMarkers.NONE);
      s.setLineColor(new Color(0x08519c));
      s.setLineWidth(2f);
    }
    if (!validation.isEmpty()) {
      double[] x = new double[validation.size()];
      double[] y = new double[validation.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = validation.get(i).step();
        y[i] = validation.get(i).loss();
      }
      XYSeries v = chart.addSeries("validation", x, y);
      v.setMarker(SeriesMarkers.CIRCLE);
      v.setMarkerColor(new Color(0xd94801));
      v.setLineColor(new Color(0xd94801));
      v.setLineWidth(2f);
    }
    Path parent = png.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = parent.resolve(png.getFileName() + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp)) {
      BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG);
    }
    Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
