package dev.nabla.nn.conv;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Parallel;

/**
 * 2-D max pooling over P planes. Forward scans each window row by row, as torch does, keeping
 * the first maximum (a NaN wins, so NaNs propagate); it records the argmax as the flat index
 * h·W + w within the input plane (torch's {@code return_indices}). Backward routes each output
 * gradient to its argmax: dx[argmax] += dy.
 */
final class MaxPoolOp extends Op {
  private final Axis rows;
  private final Axis cols;
  private final int planes;
  private final int[] outShape;
  private int[] inShape;
  private DType dtype;
  /** Argmax per output element, flat within its input plane; -1 for an empty window. */
  int[] argmax;

  MaxPoolOp(Axis rows, Axis cols, int planes, int[] outShape) {
    this.rows = rows;
    this.cols = cols;
    this.planes = planes;
    this.outShape = outShape;
  }

  @Override public String name() {
    return "maxPool2d";
  }

  private int inPlane() {
    return rows.inSize * cols.inSize;
  }

  private int outPlane() {
    return rows.outSize * cols.outSize;
  }

  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    inShape = x.shape().toArray();
    dtype = x.dtype();
    PlaneData xd = PlaneData.of(x, name());
    PlaneData y = PlaneData.allocate(dtype, planes * outPlane());
    int[] arg = new int[planes * outPlane()];
    int inW = cols.inSize;
    int outW = cols.outSize;
    long work = (long) rows.index.length * cols.index.length; // window reads per plane
    Parallel.forChunks(planes, PlaneData.chunk(work), work, PlaneData.CHUNK_WORK, (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        int xi = p * inPlane();
        int yi = p * outPlane();
        for (int a = 0; a < rows.outSize; a++) {
          for (int b = 0; b < outW; b++) {
            double best = Double.NEGATIVE_INFINITY;
            int bestIndex = -1;
            for (int r = rows.start[a]; r < rows.start[a + 1]; r++) {
              int rowBase = rows.index[r] * inW;
              for (int c = cols.start[b]; c < cols.start[b + 1]; c++) {
                int i = rowBase + cols.index[c];
                double v = xd.get(xi + i);
                if (bestIndex < 0) {
                  bestIndex = i; // torch starts from the window's first position
                }
                if (v > best || Double.isNaN(v)) {
                  best = v;
                  bestIndex = i;
                }
              }
            }
            y.set(yi + a * outW + b, best);
            arg[yi + a * outW + b] = bestIndex;
          }
        }
      }
    });
    argmax = arg;
    ctx.save(Tensor.wrap(arg, arg.length));
    return y.tensor(outShape);
  }

  @Override protected Tensor[] backward(Context ctx, Tensor dy) {
    PlaneData g = PlaneData.of(dy.to(dtype), name());
    PlaneData dx = PlaneData.allocate(dtype, planes * inPlane());
    int[] arg = ctx.saved(0).toIntArray();
    int inPlane = inPlane();
    int outPlane = outPlane();
    Parallel.forChunks(planes, PlaneData.chunk(outPlane + inPlane), outPlane + inPlane,
        PlaneData.CHUNK_WORK, (p0, p1) -> {
          double[] acc = new double[inPlane];
          for (int p = p0; p < p1; p++) {
            java.util.Arrays.fill(acc, 0.0);
            int yi = p * outPlane;
            for (int o = 0; o < outPlane; o++) {
              int i = arg[yi + o];
              if (i >= 0) {
                acc[i] += g.get(yi + o);
              }
            }
            for (int i = 0; i < inPlane; i++) {
              dx.set(p * inPlane + i, acc[i]);
            }
          }
        });
    return new Tensor[] {dx.tensor(inShape)};
  }

  /** The argmax indices as an I64 tensor of the output's shape (torch's {@code return_indices}). */
  Tensor indices() {
    long[] v = new long[argmax.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = argmax[i];
    }
    return Tensor.wrap(v, outShape);
  }
}
