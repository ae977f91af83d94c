package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.autograd.GradMode;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Forward semantics of {@link Tensor}: values, shapes, dtypes and views, as in PyTorch. */
class TensorTest {
  private static final double TOL = 1e-6;

  private static void assertShape(Tensor t, int... expected) {
    assertArrayEquals(expected, t.shape().toArray(), () -> "shape of " + t);
  }

  private static void assertValues(Tensor t, double... expected) {
    assertArrayEquals(expected, t.toDoubleArray(), TOL, () -> "values of " + t);
  }

  // ---------------------------------------------------------------- creation

  @Nested class Creation {
    @Test void zerosOnesFull() {
      Tensor z = Tensor.zeros(2, 3);
      assertEquals(DType.F32, z.dtype());
      assertShape(z, 2, 3);
      assertValues(z, 0, 0, 0, 0, 0, 0);
      Tensor o = Tensor.ones(DType.I64, 2);
      assertEquals(DType.I64, o.dtype());
      assertArrayEquals(new long[] {1, 1}, o.toLongArray());
      Tensor f = Tensor.full(2.5, DType.F64, 3);
      assertEquals(DType.F64, f.dtype());
      assertValues(f, 2.5, 2.5, 2.5);
      assertArrayEquals(new boolean[] {true, true}, Tensor.full(1, DType.BOOL, 2).toBooleanArray());
      assertValues(Tensor.onesLike(z), 1, 1, 1, 1, 1, 1);
      assertEquals(DType.I64, Tensor.zerosLike(o).dtype());
    }

    @Test void scalars() {
      Tensor s = Tensor.scalar(3.5);
      assertEquals(0, s.dim());
      assertEquals(1, s.numel());
      assertEquals(3.5, s.item());
      assertEquals(DType.I32, Tensor.scalar(2, DType.I32).dtype());
    }

    @Test void arange() {
      Tensor a = Tensor.arange(5);
      assertEquals(DType.I64, a.dtype());
      assertArrayEquals(new long[] {0, 1, 2, 3, 4}, a.toLongArray());
      Tensor b = Tensor.arange(1, 2, 0.25, DType.F64);
      assertValues(b, 1, 1.25, 1.5, 1.75);
      assertValues(Tensor.arange(3, 0, -1, DType.F32), 3, 2, 1);
      assertEquals(0, Tensor.arange(0).numel());
    }

    @Test void linspace() {
      Tensor l = Tensor.linspace(0, 1, 5);
      assertEquals(DType.F32, l.dtype());
      assertValues(l, 0, 0.25, 0.5, 0.75, 1);
      assertValues(Tensor.linspace(-1, 1, 3, DType.F64), -1, 0, 1);
      assertValues(Tensor.linspace(2, 3, 1), 2);
      // the last value is exactly the end point
      assertEquals(0.3, Tensor.linspace(0, 0.3, 7, DType.F64).getDouble(6));
    }

    @Test void eye() {
      assertValues(Tensor.eye(3), 1, 0, 0, 0, 1, 0, 0, 0, 1);
      Tensor e = Tensor.eye(2, 3, DType.I64);
      assertEquals(DType.I64, e.dtype());
      assertArrayEquals(new long[] {1, 0, 0, 0, 1, 0}, e.toLongArray());
    }

    @Test void ofEachType() {
      Tensor f = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertEquals(DType.F32, f.dtype());
      assertShape(f, 2, 3);
      assertEquals(6, f.getDouble(1, 2));
      assertShape(Tensor.of(new double[] {1, 2}), 2);
      assertEquals(DType.F64, Tensor.of(new double[] {1}).dtype());
      assertEquals(DType.I32, Tensor.of(new int[] {1}).dtype());
      assertEquals(DType.I64, Tensor.of(new long[] {1}).dtype());
      assertEquals(DType.BOOL, Tensor.of(new boolean[] {true}).dtype());
      assertEquals(Long.MAX_VALUE, Tensor.of(new long[] {Long.MAX_VALUE}).getLong(0));
    }

    @Test void ofCopiesItsInput() {
      float[] data = {1, 2};
      Tensor t = Tensor.of(data);
      data[0] = 9;
      assertValues(t, 1, 2);
    }

    @Test void randnIsSeededAndStandardNormal() {
      Tensor a = Tensor.randn(new Rng(7), 1000);
      Tensor b = Tensor.randn(new Rng(7), 1000);
      Tensor c = Tensor.randn(new Rng(8), 1000);
      assertEquals(DType.F32, a.dtype());
      assertArrayEquals(a.toFloatArray(), b.toFloatArray());
      assertFalse(Arrays.equals(a.toFloatArray(), c.toFloatArray()));
      assertEquals(0, a.mean().item(), 0.1);
      assertEquals(1, a.std(new int[0], true, false).item(), 0.1);
      assertEquals(DType.F64, Tensor.randn(new Rng(0), DType.F64, 2).dtype());
    }

    @Test void randIsSeededAndInUnitInterval() {
      Tensor a = Tensor.rand(new Rng(3), DType.F64, 500);
      Tensor b = Tensor.rand(new Rng(3), DType.F64, 500);
      Tensor c = Tensor.rand(new Rng(4), DType.F64, 500);
      assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
      assertFalse(Arrays.equals(a.toDoubleArray(), c.toDoubleArray()));
      assertTrue(a.min().item() >= 0);
      assertTrue(a.max().item() < 1);
      assertEquals(0.5, a.mean().item(), 0.05);
      assertEquals(DType.F32, Tensor.rand(new Rng(0), 2).dtype());
    }

    @Test void randintIsSeededAndInRange() {
      Tensor a = Tensor.randint(new Rng(1), -3, 4, 200);
      Tensor b = Tensor.randint(new Rng(1), -3, 4, 200);
      Tensor c = Tensor.randint(new Rng(2), -3, 4, 200);
      assertEquals(DType.I64, a.dtype());
      assertArrayEquals(a.toLongArray(), b.toLongArray());
      assertFalse(Arrays.equals(a.toLongArray(), c.toLongArray()));
      Set<Long> seen = new HashSet<>();
      for (long v : a.toLongArray()) {
        assertTrue(v >= -3 && v < 4, "value " + v);
        seen.add(v);
      }
      assertEquals(7, seen.size(), "every value of [-3, 4) appears in 200 draws");
    }

    @Test void randpermIsSeededPermutation() {
      long[] a = Tensor.randperm(new Rng(5), 20).toLongArray();
      long[] b = Tensor.randperm(new Rng(5), 20).toLongArray();
      long[] c = Tensor.randperm(new Rng(6), 20).toLongArray();
      assertArrayEquals(a, b);
      assertFalse(Arrays.equals(a, c));
      long[] sorted = a.clone();
      Arrays.sort(sorted);
      assertArrayEquals(Tensor.arange(20).toLongArray(), sorted);
      assertEquals(DType.I64, Tensor.randperm(new Rng(5), 3).dtype());
    }
  }

  // ---------------------------------------------------------------- views

  @Nested class Views {
    @Test void writeThroughTransposeIsVisibleInBase() {
      Tensor base = Tensor.zeros(2, 3);
      Tensor v = base.transpose(0, 1);
      assertShape(v, 3, 2);
      v.set(5, 2, 1);
      assertEquals(5, base.getDouble(1, 2));
    }

    @Test void writeThroughNarrowSelectAndSliceIsVisibleInBase() {
      Tensor base = Tensor.arange(0, 12, 1, DType.F32).reshape(3, 4);
      base.narrow(1, 1, 2).set(-1, 2, 0);
      assertEquals(-1, base.getDouble(2, 1));
      base.select(0, 0).set(-2, 3);
      assertEquals(-2, base.getDouble(0, 3));
      base.slice(1, 0, 4, 2).set(-3, 1, 1);
      assertEquals(-3, base.getDouble(1, 2));
      base.unsqueeze(0).set(-4, 0, 2, 3);
      assertEquals(-4, base.getDouble(2, 3));
    }

    @Test void writeThroughBaseIsVisibleInViews() {
      Tensor base = Tensor.zeros(DType.F64, 2, 3);
      Tensor r = base.reshape(6);
      Tensor p = base.permute(1, 0);
      Tensor e = base.select(0, 1).expand(4, 3);
      base.set(7, 1, 2);
      assertEquals(7, r.getDouble(5));
      assertEquals(7, p.getDouble(2, 1));
      assertEquals(7, e.getDouble(3, 2));
      base.fill(1);
      assertValues(r, 1, 1, 1, 1, 1, 1);
    }

    @Test void reshapeOfNonContiguousCopies() {
      Tensor base = Tensor.zeros(2, 3);
      Tensor flat = base.t().reshape(6);
      flat.set(9, 0);
      assertEquals(0, base.getDouble(0, 0));
    }

    @Test void contiguousAndIsContiguous() {
      Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertTrue(x.isContiguous());
      assertSame(x, x.contiguous());
      Tensor t = x.t();
      assertFalse(t.isContiguous());
      assertArrayEquals(new int[] {1, 3}, t.strides());
      Tensor c = t.contiguous();
      assertNotSame(t, c);
      assertTrue(c.isContiguous());
      assertArrayEquals(new int[] {2, 1}, c.strides());
      assertValues(c, 1, 4, 2, 5, 3, 6);
      assertTrue(x.narrow(0, 1, 1).isContiguous());
      assertFalse(x.narrow(1, 1, 2).isContiguous());
      assertFalse(x.unsqueeze(0).expand(4, 2, 3).isContiguous());
      assertTrue(x.unsqueeze(1).isContiguous());
      Tensor copy = x.copy();
      copy.set(0, 0, 0);
      assertEquals(1, x.getDouble(0, 0));
    }

    @Test void viewShapes() {
      Tensor x = Tensor.zeros(2, 3, 4);
      assertShape(x.reshape(-1, 4), 6, 4);
      assertShape(x.view(4, -1), 4, 6);
      assertShape(x.flatten(), 24);
      assertShape(x.flatten(0, 1), 6, 4);
      assertShape(x.flatten(1, -1), 2, 12);
      assertShape(x.permute(2, 0, 1), 4, 2, 3);
      assertShape(x.transpose(-1, 0), 4, 3, 2);
      assertShape(x.unsqueeze(-1), 2, 3, 4, 1);
      assertShape(x.unsqueeze(1), 2, 1, 3, 4);
      assertShape(Tensor.zeros(1, 3, 1).squeeze(), 3);
      assertShape(Tensor.zeros(1, 3, 1).squeeze(-1), 1, 3);
      assertShape(Tensor.zeros(2, 3).squeeze(0), 2, 3);
      assertShape(x.expand(5, 2, 3, 4), 5, 2, 3, 4);
      assertShape(x.select(1, 2), 2, 4);
      assertShape(x.slice(2, 1, -1), 2, 3, 2);
      assertShape(x.slice(2, 0, 4, 3), 2, 3, 2);
      assertShape(Tensor.zeros(3).t(), 3);
    }

    @Test void sliceClampsLikePython() {
      Tensor x = Tensor.arange(0, 10, 1, DType.F64);
      assertValues(x.slice(0, 7, 100), 7, 8, 9);
      assertValues(x.slice(0, -3, 10, 2), 7, 9);
      assertEquals(0, x.slice(0, 8, 3).numel());
      assertValues(x.narrow(0, -2, 2), 8, 9);
      assertValues(x.select(0, -1), 9);
    }
  }

  // ---------------------------------------------------------------- elementwise

  @Nested class Elementwise {
    @Test void broadcastingShapes() {
      assertEquals(Shape.of(3, 4), Shape.broadcast(Shape.of(3, 1), Shape.of(1, 4)));
      assertEquals(Shape.of(2, 3, 4), Shape.broadcast(Shape.of(4), Shape.of(2, 3, 4)));
      assertEquals(Shape.of(5, 0), Shape.broadcast(Shape.of(1), Shape.of(5, 0)));
      assertEquals(Shape.of(2, 3), Shape.broadcast(Shape.scalar(), Shape.of(2, 3)));
      Tensor col = Tensor.of(new float[] {1, 2, 3}, 3, 1);
      Tensor row = Tensor.of(new float[] {10, 20, 30, 40}, 1, 4);
      Tensor s = col.add(row);
      assertShape(s, 3, 4);
      assertValues(s, 11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43);
      assertValues(row.sub(col).select(0, 2), 7, 17, 27, 37);
      assertShape(Tensor.zeros(4).mul(Tensor.zeros(2, 3, 4)), 2, 3, 4);
    }

    @Test void dtypePromotion() {
      Tensor i64 = Tensor.of(new long[] {1, 2});
      Tensor i32 = Tensor.of(new int[] {3, 4});
      Tensor f32 = Tensor.of(new float[] {0.5f, 0.25f});
      Tensor f64 = Tensor.of(new double[] {2, 4});
      assertEquals(DType.F32, i64.add(f32).dtype());
      assertValues(i64.add(f32), 1.5, 2.25);
      assertEquals(DType.F64, f32.mul(f64).dtype());
      assertEquals(DType.I64, i64.add(i32).dtype());
      assertEquals(DType.I32, i32.mul(i32).dtype());
      Tensor q = Tensor.of(new long[] {7, -7}).div(Tensor.of(new long[] {2, 2}));
      assertEquals(DType.F32, q.dtype());
      assertValues(q, 3.5, -3.5);
      assertEquals(DType.F32, i64.div(2).dtype());
      assertEquals(DType.I64, i64.sum().dtype());
      assertEquals(DType.I64, i32.sum(0, false).dtype());
      assertEquals(DType.I64, Tensor.of(new boolean[] {true, true, false}).sum().dtype());
      assertEquals(2, Tensor.of(new boolean[] {true, true, false}).sum().item());
      assertEquals(DType.I64, i32.cumsum(0).dtype());
      assertEquals(DType.F64, f64.sum().dtype());
      assertEquals(DType.F32, i64.exp().dtype());
    }

    @Test void integerTensorWithScalar() {
      Tensor i = Tensor.of(new long[] {1, 2});
      assertEquals(DType.I64, i.add(1).dtype());
      assertArrayEquals(new long[] {2, 3}, i.add(1).toLongArray());
      assertEquals(DType.I64, i.mul(3).dtype());
      assertEquals(DType.I64, i.neg().dtype());
      // a fractional scalar makes the result floating point, as PyTorch
      assertEquals(DType.F32, i.add(0.5).dtype());
      assertValues(i.add(0.5), 1.5, 2.5);
      assertValues(i.mul(2.5), 2.5, 5);
      assertValues(i.sub(0.25), 0.75, 1.75);
      assertValues(i.rsub(0.5), -0.5, -1.5);
    }

    @Test void scalarForms() {
      Tensor x = Tensor.of(new double[] {1, 4, 9});
      assertValues(x.add(1), 2, 5, 10);
      assertValues(x.sub(1), 0, 3, 8);
      assertValues(x.rsub(1), 0, -3, -8);
      assertValues(x.mul(2), 2, 8, 18);
      assertValues(x.div(2), 0.5, 2, 4.5);
      assertValues(x.add(Tensor.of(new double[] {1, 1, 1}), 3), 4, 7, 12);
      assertValues(x.sqrt(), 1, 2, 3);
      assertValues(x.rsqrt(), 1, 0.5, 1.0 / 3);
      assertValues(x.pow(0.5), 1, 2, 3);
      assertValues(x.pow(Tensor.of(new double[] {2, 0.5, 0})), 1, 2, 1);
      assertValues(x.reciprocal(), 1, 0.25, 1.0 / 9);
      assertValues(x.square(), 1, 16, 81);
    }

    @Test void activationValues() {
      Tensor x = Tensor.of(new double[] {-2, 0, 1.5});
      assertValues(x.relu(), 0, 0, 1.5);
      assertValues(x.abs(), 2, 0, 1.5);
      assertValues(x.sign(), -1, 0, 1);
      assertValues(x.clamp(-1, 1), -1, 0, 1);
      assertValues(x.clampMin(0.5), 0.5, 0.5, 1.5);
      assertValues(x.clampMax(0.5), -2, 0, 0.5);
      assertValues(x.sigmoid(), 1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-1.5)));
      assertValues(x.silu(), -2 / (1 + Math.exp(2)), 0, 1.5 / (1 + Math.exp(-1.5)));
      assertValues(x.tanh(), Math.tanh(-2), 0, Math.tanh(1.5));
      // x/2·(1 + erf(x/√2)), erf and the tanh form, evaluated in double
      assertValues(x.gelu(), -0.04550026389635842, 0, 1.399789198096713);
      assertValues(x.erf(), -0.9953222650189527, 0, 0.9661051464753108);
      assertValues(x.geluTanh(), -0.04540230591222494, 0, 1.3995715769802328);
      assertValues(x.exp().log(), -2, 0, 1.5);
      assertValues(Tensor.of(new double[] {1e-10}).log1p(), 1e-10);
    }

    @Test void maximumMinimumPropagateNaN() {
      Tensor a = Tensor.of(new double[] {1, Double.NaN, 3});
      Tensor b = Tensor.of(new double[] {2, 0, 1});
      double[] mx = a.maximum(b).toDoubleArray();
      assertEquals(2, mx[0]);
      assertTrue(Double.isNaN(mx[1]));
      assertEquals(3, mx[2]);
      assertEquals(1, a.minimum(b).toDoubleArray()[2]);
    }

    @Test void comparisonsReturnBool() {
      Tensor x = Tensor.of(new float[] {1, 2, 3});
      Tensor y = Tensor.of(new float[] {3, 2, 1});
      assertEquals(DType.BOOL, x.eq(y).dtype());
      assertArrayEquals(new boolean[] {false, true, false}, x.eq(y).toBooleanArray());
      assertArrayEquals(new boolean[] {true, false, true}, x.ne(y).toBooleanArray());
      assertArrayEquals(new boolean[] {false, false, true}, x.gt(y).toBooleanArray());
      assertArrayEquals(new boolean[] {false, true, true}, x.ge(y).toBooleanArray());
      assertArrayEquals(new boolean[] {true, false, false}, x.lt(y).toBooleanArray());
      assertArrayEquals(new boolean[] {true, true, false}, x.le(2).toBooleanArray());
      assertArrayEquals(new boolean[] {false, true, true}, x.gt(1.5).logicalAnd(x.ge(2))
          .toBooleanArray());
      assertArrayEquals(new boolean[] {true, false, true}, x.eq(2).logicalNot().toBooleanArray());
      assertArrayEquals(new boolean[] {true, false, true},
          x.lt(2).logicalOr(x.gt(2)).toBooleanArray());
      assertShape(x.unsqueeze(1).lt(y), 3, 3);
    }

    @Test void scalarComparisonUsesTheTensorsFloatType() {
      // 0.1f != 0.1, but PyTorch compares in the tensor's dtype: tensor([0.1]) == 0.1 is True
      Tensor x = Tensor.of(new float[] {0.1f, 0.2f});
      assertArrayEquals(new boolean[] {true, false}, x.eq(0.1).toBooleanArray());
      assertArrayEquals(new boolean[] {false, true}, x.ne(0.1).toBooleanArray());
      assertArrayEquals(new boolean[] {true, true}, x.le(0.2).toBooleanArray());
      Tensor i = Tensor.of(new long[] {1, 2});
      assertArrayEquals(new boolean[] {false, true}, i.gt(1.5).toBooleanArray());
    }

    @Test void whereAndMaskedFill() {
      Tensor cond = Tensor.of(new boolean[] {true, false, true});
      Tensor a = Tensor.of(new float[] {1, 2, 3});
      Tensor b = Tensor.of(new float[] {-1, -2, -3});
      assertValues(Tensor.where(cond, a, b), 1, -2, 3);
      Tensor w = Tensor.where(cond, a.unsqueeze(1), b);
      assertShape(w, 3, 3);
      assertValues(w.select(0, 1), 2, -2, 2);
      assertEquals(DType.F64, Tensor.where(cond, a, Tensor.of(new double[] {0, 0, 0})).dtype());
      Tensor m = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)
          .maskedFill(Tensor.of(new boolean[] {false, true}), -9);
      assertValues(m, 1, -9, 3, -9);
      Tensor inf = a.maskedFill(cond, Double.NEGATIVE_INFINITY);
      assertEquals(Double.NEGATIVE_INFINITY, inf.getDouble(0));
      assertArrayEquals(new long[] {0, 2}, Tensor.of(new long[] {5, 2})
          .maskedFill(Tensor.of(new boolean[] {true, false}), 0).toLongArray());
    }
  }

  // ---------------------------------------------------------------- reductions

  @Nested class ReductionOps {
    private final Tensor x = Tensor.arange(0, 24, 1, DType.F64).reshape(2, 3, 4);

    @Test void keepDimShapes() {
      assertShape(x.sum());
      assertShape(x.sum(1, false), 2, 4);
      assertShape(x.sum(1, true), 2, 1, 4);
      assertShape(x.sum(new int[] {0, 2}, false), 3);
      assertShape(x.sum(new int[] {0, -1}, true), 1, 3, 1);
      assertShape(x.mean(-1, true), 2, 3, 1);
      assertShape(x.amax(new int[] {0}, false), 3, 4);
      assertShape(x.amin(new int[] {1, 2}, true), 2, 1, 1);
      assertShape(x.var(0, true, true), 1, 3, 4);
      assertShape(x.std(new int[] {1, 2}, false, false), 2);
      assertShape(x.logsumexp(2, false), 2, 3);
      assertShape(x.max(1, true).values(), 2, 1, 4);
      assertShape(x.max(1, false).indices(), 2, 4);
      assertShape(x.argmax(2, true), 2, 3, 1);
      assertShape(x.sum(new int[0], true), 1, 1, 1);
    }

    @Test void sumAndMeanValues() {
      assertEquals(276, x.sum().item());
      assertValues(x.sum(new int[] {0, 2}, false), 60, 92, 124);
      assertValues(x.mean(2, false), 1.5, 5.5, 9.5, 13.5, 17.5, 21.5);
      assertEquals(11.5, x.mean().item(), TOL);
      Tensor m = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertValues(m.t().sum(0, false), 6, 15);
      assertValues(m.t().sum(1, true), 5, 7, 9);
    }

    @Test void maxAlongDimGivesFirstIndexOfTies() {
      Tensor t = Tensor.of(new float[] {1, 5, 5, 2, 7, 7, 7, 0}, 2, 4);
      var m = t.max(1, false);
      assertValues(m.values(), 5, 7);
      assertEquals(DType.I64, m.indices().dtype());
      assertArrayEquals(new long[] {1, 0}, m.indices().toLongArray());
      var n = t.min(0, true);
      assertValues(n.values(), 1, 5, 5, 0);
      assertArrayEquals(new long[] {0, 0, 0, 1}, n.indices().toLongArray());
      assertArrayEquals(new long[] {1, 0}, t.argmax(1, false).toLongArray());
      assertArrayEquals(new long[] {0, 3}, t.argmin(1, false).toLongArray());
      assertEquals(4, t.argmax().item());
      assertEquals(DType.I64, t.argmax().dtype());
      assertEquals(0, t.argmax().dim());
      assertEquals(7, t.max().item());
      assertEquals(0, t.min().item());
    }

    @Test void maxPropagatesNaN() {
      assertTrue(Double.isNaN(Tensor.of(new double[] {1, Double.NaN, 3}).max().item()));
    }

    @Test void varAndStdAgainstHandComputedValues() {
      Tensor v = Tensor.of(new double[] {1, 2, 3, 4});
      // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5
      assertEquals(5.0 / 3, v.var(new int[0], true, false).item(), TOL);
      assertEquals(5.0 / 4, v.var(new int[0], false, false).item(), TOL);
      assertEquals(Math.sqrt(5.0 / 3), v.std(0, true, false).item(), TOL);
      assertEquals(Math.sqrt(1.25), v.std(0, false, false).item(), TOL);
      Tensor m = Tensor.of(new double[] {1, 3, 2, 6}, 2, 2);
      assertValues(m.var(0, true, false), 0.5, 4.5);
      assertValues(m.var(1, false, true), 1, 4);
      assertValues(m.std(1, true, false), Math.sqrt(2), Math.sqrt(8));
      assertTrue(Double.isNaN(Tensor.of(new double[] {3}).var(0, true, false).item()));
    }

    @Test void logsumexpIsStable() {
      Tensor t = Tensor.of(new double[] {1000, 1000, -1000, 0}, 2, 2);
      assertValues(t.logsumexp(1, false), 1000 + Math.log(2), Math.log1p(Math.exp(-1000)));
      assertEquals(Double.NEGATIVE_INFINITY, Tensor.of(new double[] {
          Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}).logsumexp(0, false).item());
    }

    @Test void cumsum() {
      Tensor t = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
      assertValues(t.cumsum(1), 1, 3, 6, 4, 9, 15);
      assertValues(t.cumsum(0), 1, 2, 3, 5, 7, 9);
      assertValues(t.t().cumsum(1), 1, 5, 2, 7, 3, 9);
      assertArrayEquals(new long[] {1, 3, 6},
          Tensor.of(new int[] {1, 2, 3}).cumsum(0).toLongArray());
    }

    @Test void softmaxValues() {
      Tensor t = Tensor.of(new double[] {1, 2, 3, 1000, 1000, 1000}, 2, 3);
      double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
      Tensor s = t.softmax(-1);
      assertValues(s, Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z, 1.0 / 3, 1.0 / 3,
          1.0 / 3);
      assertValues(t.logSoftmax(1).exp(), s.toDoubleArray());
      assertValues(t.softmax(0).sum(0, false), 1, 1, 1);
      Tensor masked = Tensor.of(new double[] {0, Double.NEGATIVE_INFINITY});
      assertValues(masked.softmax(0), 1, 0);
    }

    @Test void norm() {
      assertEquals(5, Tensor.of(new double[] {3, 4}).norm().item(), TOL);
      Tensor m = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2).t();
      assertEquals(Math.sqrt(30), m.norm().item(), TOL);
    }
  }

  // ---------------------------------------------------------------- matmul

  @Nested class MatMul {
    /** The reference: c[b][i][j] = Σ_l a[b][i][l]·b[b][l][j] with explicit batch broadcasting. */
    private double[] naive(Tensor a, Tensor b, int[] batch, int m, int k, int n) {
      int bn = 1;
      for (int d : batch) {
        bn *= d;
      }
      Tensor ae = a.expand(concat(batch, m, k)).reshape(bn, m, k);
      Tensor be = b.expand(concat(batch, k, n)).reshape(bn, k, n);
      double[] out = new double[bn * m * n];
      for (int p = 0; p < bn; p++) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double s = 0;
            for (int l = 0; l < k; l++) {
              s += ae.getDouble(p, i, l) * be.getDouble(p, l, j);
            }
            out[(p * m + i) * n + j] = s;
          }
        }
      }
      return out;
    }

    private int[] concat(int[] head, int... tail) {
      int[] r = Arrays.copyOf(head, head.length + tail.length);
      System.arraycopy(tail, 0, r, head.length, tail.length);
      return r;
    }

    private Tensor randn(long seed, int... shape) {
      return Tensor.randn(new Rng(seed), DType.F64, shape);
    }

    @Test void matrixMatrix() {
      Tensor a = randn(1, 3, 5);
      Tensor b = randn(2, 5, 4);
      Tensor c = a.matmul(b);
      assertShape(c, 3, 4);
      assertValues(c, naive(a, b, new int[0], 3, 5, 4));
    }

    @Test void nonContiguousOperands() {
      Tensor a = randn(1, 5, 3).t();
      Tensor b = randn(2, 4, 5).t();
      assertValues(a.matmul(b), naive(a, b, new int[0], 3, 5, 4));
    }

    @Test void batchedWithBroadcast() {
      Tensor a = randn(3, 2, 1, 3, 4);
      Tensor b = randn(4, 3, 4, 2);
      Tensor c = a.matmul(b);
      assertShape(c, 2, 3, 3, 2);
      assertValues(c, naive(a, b, new int[] {2, 3}, 3, 4, 2));
      Tensor d = randn(5, 2, 3, 4).matmul(randn(6, 4, 5));
      assertShape(d, 2, 3, 5);
    }

    @Test void vectorCases() {
      Tensor v = Tensor.of(new double[] {1, 2, 3});
      Tensor w = Tensor.of(new double[] {4, 5, 6});
      Tensor dot = v.matmul(w);
      assertEquals(0, dot.dim());
      assertEquals(32, dot.item(), TOL);
      Tensor m = Tensor.of(new double[] {1, 0, 2, 0, 1, 3}, 3, 2);
      Tensor vm = v.matmul(m);
      assertShape(vm, 2);
      assertValues(vm, 8, 9);
      Tensor mv = m.t().matmul(v);
      assertShape(mv, 2);
      assertValues(mv, 8, 9);
      assertShape(randn(1, 2, 4, 3).matmul(v), 2, 4);
      assertShape(v.matmul(randn(2, 2, 3, 5)), 2, 5);
    }

    @Test void f32() {
      Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
      Tensor c = a.matmul(Tensor.eye(2));
      assertEquals(DType.F32, c.dtype());
      assertValues(c, 1, 2, 3, 4);
    }
  }

  // ---------------------------------------------------------------- indexing

  @Nested class IndexingOps {
    private final Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);

    @Test void gather() {
      Tensor idx = Tensor.of(new long[] {2, 0, 1, 1}, 2, 2);
      Tensor g = x.gather(1, idx);
      assertShape(g, 2, 2);
      assertValues(g, 3, 1, 5, 5);
      assertValues(x.gather(0, Tensor.of(new long[] {1, 0, 1}, 1, 3)), 4, 2, 6);
      assertValues(x.gather(1, Tensor.of(new long[] {-1, 0}, 2, 1)), 3, 4);
    }

    @Test void scatterAdd() {
      Tensor idx = Tensor.of(new long[] {0, 0, 2, 1}, 2, 2);
      Tensor src = Tensor.of(new double[] {10, 20, 30, 40}, 2, 2);
      Tensor s = Tensor.zeros(DType.F64, 2, 3).scatterAdd(1, idx, src);
      assertValues(s, 30, 0, 0, 0, 40, 30);
      assertValues(x.scatterAdd(0, Tensor.of(new long[] {1, 1}, 1, 2), src), 1, 2, 3, 14, 25, 6);
      assertValues(x, 1, 2, 3, 4, 5, 6); // out of place
    }

    @Test void indexSelect() {
      Tensor idx = Tensor.of(new long[] {1, 1, 0});
      assertValues(x.indexSelect(0, idx), 4, 5, 6, 4, 5, 6, 1, 2, 3);
      Tensor cols = x.indexSelect(1, Tensor.of(new int[] {2, 0}));
      assertShape(cols, 2, 2);
      assertValues(cols, 3, 1, 6, 4);
    }

    @Test void embedding() {
      Tensor w = Tensor.of(new double[] {0, 0, 1, 1, 2, 2}, 3, 2);
      Tensor e = Tensor.embedding(w, Tensor.of(new long[] {2, 0, 1, 2}, 2, 2));
      assertShape(e, 2, 2, 2);
      assertValues(e, 2, 2, 0, 0, 1, 1, 2, 2);
    }

    @Test void oneHot() {
      Tensor o = Tensor.of(new long[] {2, 0, 1}).oneHot(3);
      assertEquals(DType.I64, o.dtype());
      assertShape(o, 3, 3);
      assertArrayEquals(new long[] {0, 0, 1, 1, 0, 0, 0, 1, 0}, o.toLongArray());
      assertShape(Tensor.of(new long[] {0, 1}, 2, 1).oneHot(4), 2, 1, 4);
    }

    @Test void catAndStack() {
      Tensor y = Tensor.of(new double[] {7, 8}, 2, 1);
      Tensor c = Tensor.cat(1, x, y);
      assertShape(c, 2, 4);
      assertValues(c, 1, 2, 3, 7, 4, 5, 6, 8);
      Tensor r = Tensor.cat(List.of(x, x.narrow(0, 0, 1)), 0);
      assertShape(r, 3, 3);
      assertValues(r, 1, 2, 3, 4, 5, 6, 1, 2, 3);
      assertValues(Tensor.cat(-1, x.t(), x.t()).select(0, 0), 1, 4, 1, 4);
      Tensor s = Tensor.stack(0, x, x.mul(10));
      assertShape(s, 2, 2, 3);
      assertValues(s.select(0, 1), 10, 20, 30, 40, 50, 60);
      Tensor s1 = Tensor.stack(List.of(x, x.mul(10)), -1);
      assertShape(s1, 2, 3, 2);
      assertValues(s1.select(0, 0), 1, 10, 2, 20, 3, 30);
      assertEquals(DType.F64, Tensor.cat(0, Tensor.zeros(1), Tensor.zeros(DType.F64, 1)).dtype());
    }

    @Test void splitAndChunk() {
      Tensor t = Tensor.arange(0, 7, 1, DType.F64);
      List<Tensor> parts = t.split(3, 0);
      assertEquals(3, parts.size());
      assertValues(parts.get(0), 0, 1, 2);
      assertValues(parts.get(2), 6);
      List<Tensor> sized = t.split(new int[] {2, 5}, 0);
      assertValues(sized.get(0), 0, 1);
      assertValues(sized.get(1), 2, 3, 4, 5, 6);
      List<Tensor> chunks = t.chunk(3, 0);
      assertEquals(3, chunks.size());
      assertValues(chunks.get(1), 3, 4, 5);
      // torch.chunk(6 elements, 4) gives 3 chunks of 2
      assertEquals(3, Tensor.zeros(6).chunk(4, 0).size());
      List<Tensor> cols = x.chunk(3, 1);
      assertValues(cols.get(2), 3, 6);
      cols.get(0).set(-1, 1, 0); // split parts are views
      assertEquals(-1, x.getDouble(1, 0));
    }

    @Test void trilAndTriu() {
      Tensor m = Tensor.ones(DType.F64, 3, 3);
      assertValues(m.tril(0), 1, 0, 0, 1, 1, 0, 1, 1, 1);
      assertValues(m.triu(0), 1, 1, 1, 0, 1, 1, 0, 0, 1);
      assertValues(m.triu(1), 0, 1, 1, 0, 0, 1, 0, 0, 0);
      assertValues(m.tril(-1), 0, 0, 0, 1, 0, 0, 1, 1, 0);
      assertValues(x.tril(0), 1, 0, 0, 4, 5, 0);
      assertValues(Tensor.ones(2, 2, 2).triu(0).sum(0, false), 2, 2, 0, 2);
    }

    @Test void pad() {
      Tensor p = x.pad(new int[] {1, 2}, 0);
      assertShape(p, 2, 6);
      assertValues(p, 0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0);
      Tensor q = x.pad(new int[] {0, 0, 1, 0}, -1);
      assertShape(q, 3, 3);
      assertValues(q, -1, -1, -1, 1, 2, 3, 4, 5, 6);
      assertSame(DType.I64, Tensor.of(new long[] {1}).pad(new int[] {1, 1}, 7).dtype());
      assertArrayEquals(new long[] {7, 1, 7},
          Tensor.of(new long[] {1}).pad(new int[] {1, 1}, 7).toLongArray());
    }
  }

  // ---------------------------------------------------------------- printing and scalars

  @Nested class Printing {
    @Test void toStringHasValuesShapeAndDtype() {
      String f32 = Tensor.of(new float[] {1, 2.5f, -3, 4}, 2, 2).toString();
      assertTrue(f32.startsWith("tensor([["), f32);
      assertTrue(f32.contains("2.5000"), f32);
      assertTrue(f32.contains("shape=[2, 2]"), f32);
      String f64 = Tensor.of(new double[] {1, 2}).toString();
      assertTrue(f64.contains("shape=[2]") && f64.contains("dtype=F64"), f64);
      String i64 = Tensor.arange(3).toString();
      assertTrue(i64.contains("[0, 1, 2]") && i64.contains("dtype=I64"), i64);
      String bool = Tensor.of(new boolean[] {true, false}).toString();
      assertTrue(bool.contains("True, False") && bool.contains("dtype=BOOL"), bool);
      assertTrue(Tensor.scalar(2).toString().contains("shape=[]"));
    }

    @Test void toStringShowsAutogradState() {
      Tensor w = Tensor.zeros(DType.F64, 2).requiresGrad();
      assertTrue(w.toString().contains("requiresGrad=true"), w.toString());
      String y = w.mul(2).toString();
      assertTrue(y.contains("gradFn=<mulBackward>"), y);
    }

    @Test void toStringSummarisesLargeTensors() {
      String big = Tensor.zeros(40, 30).toString();
      assertTrue(big.contains("..."), big);
      assertTrue(big.contains("shape=[40, 30]"), big);
      assertTrue(big.length() < 2000, "summary length " + big.length());
      String bigVec = Tensor.arange(1001).toString();
      assertTrue(bigVec.matches("tensor\\(\\[ *0, +1, +2, \\.\\.\\., +998, +999, 1000\\].*"),
          bigVec);
      String exact = Tensor.arange(1000).toString();
      assertFalse(exact.contains("..."));
    }

    @Test void item() {
      assertEquals(4.5, Tensor.of(new double[] {4.5}, 1, 1).item());
      assertEquals(3, Tensor.of(new long[] {3}).item());
      assertEquals(1, Tensor.of(new boolean[] {true}).item());
      assertEquals(6, Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).select(1, 2).select(0, 1)
          .item());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Tensor.zeros(2, 3).item());
      assertTrue(e.getMessage().contains("6 elements") && e.getMessage().contains("[2, 3]"),
          e.getMessage());
      assertThrows(IllegalStateException.class, () -> Tensor.zeros(0).item());
    }
  }

  // ---------------------------------------------------------------- in-place

  @Nested class InPlace {
    @Test void inPlaceOpsWork() {
      Tensor t = Tensor.zeros(DType.F64, 2, 2);
      assertSame(t, t.fill(2));
      assertValues(t, 2, 2, 2, 2);
      t.copyFrom(Tensor.of(new double[] {1, 3}));
      assertValues(t, 1, 3, 1, 3);
      t.addInPlace(Tensor.ones(DType.F64, 2, 2), 2);
      assertValues(t, 3, 5, 3, 5);
      t.addInPlace(Tensor.of(new double[] {1, 0}, 2, 1));
      assertValues(t, 4, 6, 3, 5);
      t.mulInPlace(0.5);
      assertValues(t, 2, 3, 1.5, 2.5);
      t.t().fill(0); // through a view
      assertValues(t, 0, 0, 0, 0);
    }

    @Test void inPlaceOnTensorRequiringGradThrows() {
      Tensor w = Tensor.zeros(DType.F64, 2).requiresGrad();
      Tensor y = w.mul(2);
      List<Runnable> ops = List.of(
          () -> w.fill(1),
          () -> w.copyFrom(Tensor.zeros(DType.F64, 2)),
          () -> w.addInPlace(Tensor.ones(DType.F64, 2)),
          () -> w.mulInPlace(2),
          () -> w.set(1, 0),
          () -> y.fill(1));
      for (Runnable op : ops) {
        IllegalStateException e = assertThrows(IllegalStateException.class, op::run);
        assertTrue(e.getMessage().contains("in-place"), e.getMessage());
        assertTrue(e.getMessage().contains("GradMode.disabled()"), e.getMessage());
      }
      assertValues(w, 0, 0);
    }

    @Test void inPlaceAllowedUnderNoGrad() {
      Tensor w = Tensor.zeros(DType.F64, 2).requiresGrad();
      try (var off = GradMode.disabled()) {
        w.fill(1);
        w.addInPlace(Tensor.ones(DType.F64, 2), 3);
        w.mulInPlace(2);
        w.set(-1, 1);
      }
      assertValues(w, 8, -1);
      assertTrue(w.isRequiresGrad());
      assertTrue(GradMode.isEnabled());
    }
  }
}
