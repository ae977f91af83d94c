package dev.nabla.nn.conv;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Parallel;

/**
 * A linear map applied to every plane alike: the input is P planes of {@code inPlane} elements,
 * the output P planes of {@code outPlane}, and output element o of a plane is
 * Σ weight[k]·in[index[k]] over k ∈ [start[o], start[o+1]). Average and adaptive pooling,
 * nearest and bilinear upsampling and the pixel (un)shuffles are all such maps, so they share
 * one forward (a gather) and one backward (the transpose: a scatter-add within the plane).
 * A "unit" map has exactly one entry of weight 1 per output (a pure gather).
 */
final class PlaneMap {
  final int inPlane;
  final int outPlane;
  private final int[] start; // null for a unit map
  private final int[] index;
  private final double[] weight; // null for a unit map
  /** A unit map that reads every input exactly once (the pixel shuffles): a pure permutation. */
  private final boolean permutation;

  private PlaneMap(int inPlane, int outPlane, int[] start, int[] index, double[] weight) {
    this.inPlane = inPlane;
    this.outPlane = outPlane;
    this.start = start;
    this.index = index;
    this.weight = weight;
    this.permutation = weight == null && isPermutation(index, inPlane);
  }

  private static boolean isPermutation(int[] index, int n) {
    if (index.length != n) {
      return false;
    }
    boolean[] seen = new boolean[n];
    for (int i : index) {
      if (seen[i]) {
        return false;
      }
      seen[i] = true;
    }
    return true;
  }

  /** A pure gather: output o of a plane is input {@code index[o]}. */
  static PlaneMap gather(int inPlane, int[] index) {
    return new PlaneMap(inPlane, index.length, null, index, null);
  }

  /**
   * The outer product of a row rule and a column rule over an (rows.inSize × cols.inSize)
   * plane, times {@code scale}: out[a, b] = scale·Σ_i Σ_j wr_i·wc_j·in[i, j].
   */
  static PlaneMap separable(Axis rows, Axis cols, double scale) {
    int inW = cols.inSize;
    int outH = rows.outSize;
    int outW = cols.outSize;
    int[] start = new int[outH * outW + 1];
    int nnz = 0;
    for (int a = 0; a < outH; a++) {
      int nr = rows.start[a + 1] - rows.start[a];
      for (int b = 0; b < outW; b++) {
        nnz += nr * (cols.start[b + 1] - cols.start[b]);
        start[a * outW + b + 1] = nnz;
      }
    }
    int[] index = new int[nnz];
    double[] weight = new double[nnz];
    int k = 0;
    for (int a = 0; a < outH; a++) {
      for (int b = 0; b < outW; b++) {
        for (int r = rows.start[a]; r < rows.start[a + 1]; r++) {
          for (int c = cols.start[b]; c < cols.start[b + 1]; c++) {
            index[k] = rows.index[r] * inW + cols.index[c];
            weight[k++] = scale * rows.weight[r] * cols.weight[c];
          }
        }
      }
    }
    boolean unit = nnz == outH * outW;
    for (int i = 0; unit && i < nnz; i++) {
      unit = weight[i] == 1.0;
    }
    return unit ? gather(rows.inSize * inW, index)
        : new PlaneMap(rows.inSize * inW, outH * outW, start, index, weight);
  }

  private int entries() {
    return index.length;
  }

  /** Applies the map to {@code x} viewed as {@code planes} planes; the result has {@code outShape}. */
  Tensor apply(String name, Tensor x, int planes, int[] outShape) {
    return new MapOp(this, name, planes, outShape).apply(x);
  }

  void forward(PlaneData x, PlaneData y, int planes) {
    Parallel.forChunks(planes, PlaneData.chunk(entries()), entries(), PlaneData.CHUNK_WORK,
        (p0, p1) -> {
          for (int p = p0; p < p1; p++) {
            int xi = p * inPlane;
            int yi = p * outPlane;
            if (weight == null && x.f != null && y.f != null) {
              copy(x.f, x.off + xi, y.f, y.off + yi);   // F32 gather: the pixel-shuffle hot path
            } else if (weight == null) {
              for (int o = 0; o < outPlane; o++) {
                y.set(yi + o, x.get(xi + index[o]));
              }
            } else {
              for (int o = 0; o < outPlane; o++) {
                double s = 0;
                for (int k = start[o]; k < start[o + 1]; k++) {
                  s += weight[k] * x.get(xi + index[k]);
                }
                y.set(yi + o, s);
              }
            }
          }
        });
  }

  private void copy(float[] x, int xo, float[] y, int yo) {
    for (int o = 0; o < outPlane; o++) {
      y[yo + o] = x[xo + index[o]];
    }
  }

  /** dx = Mᵀ·dy per plane, accumulated in double and rounded once. */
  void backward(PlaneData dy, PlaneData dx, int planes) {
    if (permutation) {
      // the transpose of a permutation is its inverse: scatter each gradient to its source
      Parallel.forChunks(planes, PlaneData.chunk(outPlane), outPlane, PlaneData.CHUNK_WORK,
          (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
              int yi = p * outPlane;
              int xi = p * inPlane;
              if (dy.f != null && dx.f != null) {
                float[] g = dy.f;
                float[] d = dx.f;
                int go = dy.off + yi;
                int d0 = dx.off + xi;
                for (int o = 0; o < outPlane; o++) {
                  d[d0 + index[o]] = g[go + o];
                }
              } else {
                for (int o = 0; o < outPlane; o++) {
                  dx.set(xi + index[o], dy.get(yi + o));
                }
              }
            }
          });
      return;
    }
    Parallel.forChunks(planes, PlaneData.chunk(entries()), entries(), PlaneData.CHUNK_WORK,
        (p0, p1) -> {
          double[] acc = new double[inPlane];
          for (int p = p0; p < p1; p++) {
            java.util.Arrays.fill(acc, 0.0);
            int yi = p * outPlane;
            if (weight == null) {
              for (int o = 0; o < outPlane; o++) {
                acc[index[o]] += dy.get(yi + o);
              }
            } else {
              for (int o = 0; o < outPlane; o++) {
                double g = dy.get(yi + o);
                for (int k = start[o]; k < start[o + 1]; k++) {
                  acc[index[k]] += weight[k] * g;
                }
              }
            }
            int xi = p * inPlane;
            for (int i = 0; i < inPlane; i++) {
              dx.set(xi + i, acc[i]);
            }
          }
        });
  }

  /** The map as a differentiable op; backward applies the transpose. */
  private static final class MapOp extends Op {
    private final PlaneMap map;
    private final String name;
    private final int planes;
    private final int[] outShape;
    private int[] inShape;
    private DType dtype;

    MapOp(PlaneMap map, String name, int planes, int[] outShape) {
      this.map = map;
      this.name = name;
      this.planes = planes;
      this.outShape = outShape;
    }

    @Override public String name() {
      return name;
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      inShape = x.shape().toArray();
      dtype = x.dtype();
      PlaneData xd = PlaneData.of(x, name);
      PlaneData y = PlaneData.allocate(dtype, planes * map.outPlane);
      map.forward(xd, y, planes);
      return y.tensor(outShape);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      PlaneData g = PlaneData.of(dy.to(dtype), name);
      PlaneData dx = PlaneData.allocate(dtype, planes * map.inPlane);
      map.backward(g, dx, planes);
      return new Tensor[] {dx.tensor(inShape)};
    }
  }
}
