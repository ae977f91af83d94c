package dev.nabla.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {
  private static final double HALF_MAX = 65504;
  private static final double BF16_MAX = 0x1.FEp127;

  /** Independent oracle: scale so the target's ulp is 1, then Math.rint (ties to even). */
  private static double nearest(double x, int minExponent, int mantissaBits, double max) {
    if (Double.isNaN(x) || Double.isInfinite(x) || x == 0) {
      return x;
    }
    int e = Math.max(Math.getExponent(x), minExponent);
    double ulp = Math.scalb(1.0, e - mantissaBits);
    double q = Math.rint(x / ulp) * ulp;
    if (q == 0) {
      return Math.copySign(0.0, x);
    }
    return Math.abs(q) > max ? Math.copySign(Double.POSITIVE_INFINITY, x) : q;
  }

  private static double nearestHalf(double x) {
    return nearest(x, -14, 10, HALF_MAX);
  }

  private static double nearestBFloat16(double x) {
    return nearest(x, -126, 7, BF16_MAX);
  }

  @Test
  void halfToFloatDecodesEveryPattern() {
    for (int h = 0; h < 0x10000; h++) {
      int exp = (h >>> 10) & 0x1f;
      int mant = h & 0x3ff;
      double sign = (h & 0x8000) != 0 ? -1 : 1;
      float got = HalfFloats.halfToFloat((short) h);
      if (exp == 0x1f && mant != 0) {
        assertTrue(Float.isNaN(got), Integer.toHexString(h));
        assertEquals(mant, (Float.floatToRawIntBits(got) >>> 13) & 0x3ff, "NaN payload kept");
        continue;
      }
      double want = exp == 0x1f ? sign * Double.POSITIVE_INFINITY
          : exp == 0 ? sign * mant * 0x1p-24
          : sign * (1 + mant / 1024.0) * Math.scalb(1.0, exp - 15);
      assertEquals(Float.floatToIntBits((float) want), Float.floatToIntBits(got),
          "half " + Integer.toHexString(h));
    }
  }

  @Test
  void everyHalfRoundTrips() {
    for (int h = 0; h < 0x10000; h++) {
      float f = HalfFloats.halfToFloat((short) h);
      short back = HalfFloats.floatToHalf(f);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(HalfFloats.halfToFloat(back)));
      } else {
        assertEquals(h, back & 0xffff, "half " + Integer.toHexString(h));
      }
    }
  }

  @Test
  void everyBFloat16RoundTrips() {
    for (int b = 0; b < 0x10000; b++) {
      float f = HalfFloats.bfloat16ToFloat((short) b);
      assertEquals(b << 16, Float.floatToRawIntBits(f));
      short back = HalfFloats.floatToBFloat16(f);
      if (Float.isNaN(f)) {
        assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(back)), "NaN stays NaN, not inf");
      } else {
        assertEquals(b, back & 0xffff);
      }
    }
  }

  @Test
  void floatToHalfRoundsToNearestEven() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int i = 0; i < 400_000; i++) {
      float f = i < 0x10000 ? tieOrNeighbour(i, rng) : randomFloat(rng, 90, 150);
      checkHalf(f);
    }
    float[] edges = {65504f, 65519.996f, 65520f, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f,
        0x1.8p-24f, 0x1p-14f, 0x1.ffcp-15f, 0x1.ffep-15f, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MAX_VALUE, 1 + 0x1p-11f, 1 + 0x3p-11f, 2049f, 2051f, -0f};
    for (float f : edges) {
      checkHalf(f);
    }
  }

  @Test
  void floatToBFloat16RoundsToNearestEven() {
    SplittableRandom rng = new SplittableRandom(2);
    for (int i = 0; i < 400_000; i++) {
      float f = Float.intBitsToFloat(rng.nextInt());
      if (i % 2 == 0) {                      // force ties: low 16 bits exactly 0x8000
        f = Float.intBitsToFloat((Float.floatToRawIntBits(f) & 0xffff0000) | 0x8000);
      }
      if (Float.isNaN(f)) {
        continue;
      }
      double want = nearestBFloat16(f);
      float got = HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(f));
      if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
        fail("bf16(" + f + ") = " + got + ", want " + want);
      }
    }
  }

  /** Rounding straight from double differs from rounding via float near ties. */
  @Test
  void doublesAreRoundedOnce() {
    double justAboveTie = 1 + 0x1p-11 + 0x1p-40;      // (float) of it is the exact tie
    assertEquals(1 + 0x1p-10, HalfFloats.halfToFloat(HalfFloats.doubleToHalf(justAboveTie)));
    assertEquals(1f, HalfFloats.halfToFloat(HalfFloats.floatToHalf((float) justAboveTie)));
    double justBelowTie = 1 + 0x1p-8 - 0x1p-40;
    assertEquals(1f, HalfFloats.bfloat16ToFloat(HalfFloats.doubleToBFloat16(justBelowTie)));

    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 200_000; i++) {
      double tie = HalfFloats.halfToFloat((short) rng.nextInt(0x7c00))
          + Math.scalb(1.0, -25 + rng.nextInt(-5, 30));
      double d = tie + (rng.nextBoolean() ? 1 : -1) * Math.ulp(tie) * rng.nextInt(1, 1 << 20);
      assertEquals(nearestHalf(d), HalfFloats.halfToFloat(HalfFloats.doubleToHalf(d)), 0.0,
          () -> "half(" + d + ")");
      double b = Double.longBitsToDouble(rng.nextLong());
      if (!Double.isNaN(b)) {
        assertEquals(nearestBFloat16(b), HalfFloats.bfloat16ToFloat(HalfFloats.doubleToBFloat16(b)),
            0.0, () -> "bf16(" + b + ")");
      }
    }
  }

  @Test
  void nanStaysQuietNaN() {
    for (int bits : new int[] {0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0xff800001}) {
      float nan = Float.intBitsToFloat(bits);
      assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.floatToHalf(nan))));
      assertTrue(Float.isNaN(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(nan))));
      assertTrue(Float.isNaN(HalfFloats.halfToFloat(HalfFloats.doubleToHalf(nan))));
    }
    assertEquals(0x7e00, HalfFloats.floatToHalf(Float.NaN) & 0xffff);
    assertEquals(0x7fc0, HalfFloats.floatToBFloat16(Float.NaN) & 0xffff);
  }

  @Test
  void float8Decoding() {
    assertEquals(448f, HalfFloats.float8E4M3ToFloat((byte) 0x7e));   // largest E4M3FN
    assertEquals(-448f, HalfFloats.float8E4M3ToFloat((byte) 0xfe));
    assertTrue(Float.isNaN(HalfFloats.float8E4M3ToFloat((byte) 0x7f)));
    assertEquals(0x1p-9f, HalfFloats.float8E4M3ToFloat((byte) 0x01)); // smallest subnormal
    assertEquals(0x1p-6f, HalfFloats.float8E4M3ToFloat((byte) 0x08)); // smallest normal
    assertEquals(1f, HalfFloats.float8E4M3ToFloat((byte) 0x38));
    assertEquals(1.125f, HalfFloats.float8E4M3ToFloat((byte) 0x39));
    assertEquals(-0f, HalfFloats.float8E4M3ToFloat((byte) 0x80));
    assertEquals(57344f, HalfFloats.float8E5M2ToFloat((byte) 0x7b));  // largest E5M2
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.float8E5M2ToFloat((byte) 0x7c));
    assertTrue(Float.isNaN(HalfFloats.float8E5M2ToFloat((byte) 0x7d)));
    assertEquals(0x1p-16f, HalfFloats.float8E5M2ToFloat((byte) 0x01));
    assertEquals(1.5f, HalfFloats.float8E5M2ToFloat((byte) 0x3e));
    assertEquals(1f, HalfFloats.float8E8M0ToFloat((byte) 127));
    assertEquals(0x1p-127f, HalfFloats.float8E8M0ToFloat((byte) 0));
    assertEquals(0x1p127f, HalfFloats.float8E8M0ToFloat((byte) 254));
    assertTrue(Float.isNaN(HalfFloats.float8E8M0ToFloat((byte) 0xff)));
  }

  /** On Java 20+, the JDK's own binary16 conversions are a second oracle. */
  @Test
  void agreesWithJdkWhenAvailable() throws Throwable {
    MethodHandle toFloat;
    MethodHandle toHalf;
    try {
      toFloat = MethodHandles.lookup().findStatic(Float.class, "float16ToFloat",
          MethodType.methodType(float.class, short.class));
      toHalf = MethodHandles.lookup().findStatic(Float.class, "floatToFloat16",
          MethodType.methodType(short.class, float.class));
    } catch (NoSuchMethodException e) {
      assumeTrue(false, "Float.float16ToFloat needs Java 20+");
      return;
    }
    for (int h = 0; h < 0x10000; h++) {
      float jdk = (float) toFloat.invokeExact((short) h);
      assertEquals(Float.floatToIntBits(jdk), Float.floatToIntBits(HalfFloats.halfToFloat((short) h)));
    }
    SplittableRandom rng = new SplittableRandom(4);
    for (int i = 0; i < 200_000; i++) {
      float f = randomFloat(rng, 90, 150);
      short jdk = (short) toHalf.invokeExact(f);
      assertEquals(jdk, HalfFloats.floatToHalf(f), () -> "half(" + f + ")");
    }
  }

  private static void checkHalf(float f) {
    double want = nearestHalf(f);
    float got = HalfFloats.halfToFloat(HalfFloats.floatToHalf(f));
    if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
      fail("half(" + f + " = " + Float.toHexString(f) + ") = " + got + ", want " + want);
    }
  }

  /** A half value's exact midpoint with its successor, or a float one ulp either side of it. */
  private static float tieOrNeighbour(int h, SplittableRandom rng) {
    float a = HalfFloats.halfToFloat((short) (h & 0x7bff));
    float b = HalfFloats.halfToFloat((short) ((h & 0x7bff) + 1));
    float mid = (float) ((a + (double) b) / 2);      // exact: halves have 11 bits
    float f = switch (rng.nextInt(3)) {
      case 0 -> mid;
      case 1 -> Math.nextUp(mid);
      default -> Math.nextDown(mid);
    };
    return (h & 0x8000) != 0 ? -f : f;
  }

  /** A float with a random significand and sign, biased exponent in [lo, hi). */
  private static float randomFloat(SplittableRandom rng, int lo, int hi) {
    int bits = rng.nextInt() & 0x807fffff;
    return Float.intBitsToFloat(bits | (rng.nextInt(lo, hi) << 23));
  }
}
