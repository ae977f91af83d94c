package dev.nabla.core;

import java.util.Locale;

/** PyTorch-like printing: nested brackets, aligned columns, "..." beyond 1000 elements. */
final class TensorFormat {
  private TensorFormat() {}

  private static final int THRESHOLD = 1000;
  private static final int EDGE = 3;

  static String format(Tensor t) {
    double[] values = Compute.toDoubles(t);
    boolean summarize = t.numel() > THRESHOLD;
    DType type = t.dtype();
    boolean sci = false;
    if (type.isFloatingPoint()) {
      double maxAbs = 0;
      double minAbs = Double.POSITIVE_INFINITY;
      for (double v : values) {
        if (Double.isFinite(v) && v != 0) {
          maxAbs = Math.max(maxAbs, Math.abs(v));
          minAbs = Math.min(minAbs, Math.abs(v));
        }
      }
      sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs != Double.POSITIVE_INFINITY)
          || (maxAbs / minAbs > 1000 && minAbs != Double.POSITIVE_INFINITY && maxAbs >= 1e3);
    }
    int width = 0;
    for (double v : values) {
      width = Math.max(width, element(v, type, sci).length());
    }
    StringBuilder sb = new StringBuilder("tensor(");
    if (t.dim() == 0) {
      sb.append(element(values[0], type, sci));
    } else {
      append(sb, t, values, 0, 0, width, type, sci, summarize, "tensor(".length());
    }
    sb.append(", shape=").append(t.shape());
    if (type != DType.F32) {
      sb.append(", dtype=").append(type);
    }
    if (t.gradFn() != null) {
      sb.append(", gradFn=").append(t.gradFn());
    } else if (t.isRequiresGrad()) {
      sb.append(", requiresGrad=true");
    }
    return sb.append(')').toString();
  }

  private static void append(StringBuilder sb, Tensor t, double[] v, int d, int base, int width,
      DType type, boolean sci, boolean summarize, int indent) {
    int n = t.size(d);
    int stride = 1;
    for (int i = d + 1; i < t.dim(); i++) {
      stride *= t.size(i);
    }
    sb.append('[');
    boolean last = d == t.dim() - 1;
    for (int i = 0; i < n; i++) {
      if (summarize && n > 2 * EDGE && i == EDGE) {
        sb.append(last ? "..., " : "...,\n" + " ".repeat(indent + d + 1));
        i = n - EDGE - 1;
        continue;
      }
      if (last) {
        String s = element(v[base + i], type, sci);
        sb.append(" ".repeat(width - s.length())).append(s);
      } else {
        append(sb, t, v, d + 1, base + i * stride, width, type, sci, summarize, indent);
      }
      if (i < n - 1) {
        sb.append(last ? ", " : ",\n" + "\n".repeat(Math.max(0, t.dim() - d - 2))
            + " ".repeat(indent + d + 1));
      }
    }
    sb.append(']');
  }

  private static String element(double v, DType type, boolean sci) {
    return switch (type) {
      case BOOL -> v != 0 ? "True" : "False";
      case I32, I64 -> Long.toString((long) v);
      default -> {
        if (Double.isNaN(v)) {
          yield "nan";
        }
        if (Double.isInfinite(v)) {
          yield v > 0 ? "inf" : "-inf";
        }
        yield sci ? String.format(Locale.ROOT, "%.4e", v) : String.format(Locale.ROOT, "%.4f", v);
      }
    };
  }
}
