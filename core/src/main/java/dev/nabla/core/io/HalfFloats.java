package dev.nabla.core.io;

/**
 * Bit-exact conversions between {@code float}/{@code double} and the narrow floating-point
 * formats stored in checkpoints: IEEE 754 binary16 ({@code F16}), bfloat16 ({@code BF16}) and
 * the 8-bit formats of arXiv:2209.05433 ({@code F8_E4M3}, {@code F8_E5M2}) and the OCP MX spec
 * ({@code F8_E8M0}). Narrowing rounds to nearest, ties to even, like PyTorch's {@code .half()}
 * and {@code .bfloat16()}; overflow gives infinity; NaN stays NaN (quiet, sign and top payload
 * bits kept).
 *
 * <pre>{@code
 * short h = HalfFloats.floatToHalf(0.1f);     // 0x2E66
 * float f = HalfFloats.halfToFloat(h);        // 0.099975586f
 * }</pre>
 */
public final class HalfFloats {
  private HalfFloats() {}

  // ================================================================ binary16

  /** The float with the value of the binary16 bits {@code h} (exact: every half is a float). */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {                       // inf (mant 0) or NaN, payload kept
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {                          // zero or subnormal: mant · 2^-24, exact in float
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    // Normal: rebias the exponent from 15 to 127 and widen the mantissa from 10 to 23 bits.
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** The binary16 bits nearest to {@code f} (ties to even); beyond ±65504 rounds to ±inf. */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (mant == 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13));
    }
    int e = exp - 127 + 15;                  // the exponent rebiased for binary16
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      // Subnormal half (or zero): the result is m · 2^-24 with m = full · 2^(e - 14), where
      // full is the 24-bit significand. Below e = -10 the value is under half the smallest
      // subnormal (this also covers float subnormals, whose e is -112) and rounds to zero.
      if (e < -10) {
        return (short) sign;
      }
      int full = mant | 0x800000;
      int shift = 14 - e;                    // 14..24
      int m = full >>> shift;
      int rem = full & ((1 << shift) - 1);
      int half = 1 << (shift - 1);
      if (rem > half || (rem == half && (m & 1) != 0)) {
        m++;                                 // may carry into the smallest normal: still right
      }
      return (short) (sign | m);
    }
    int h = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
      h++;                                   // a carry into the exponent is correct, up to inf
    }
    return (short) (sign | h);
  }

  /** The binary16 bits nearest to {@code d}, rounded once (not via an intermediate float). */
  public static short doubleToHalf(double d) {
    return floatToHalf(toFloatRoundToOdd(d));
  }

  // ================================================================ bfloat16

  /** The float with the value of the bfloat16 bits {@code b}: the upper half of a float. */
  public static float bfloat16ToFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /** The bfloat16 bits nearest to {@code f} (ties to even). */
  public static short floatToBFloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40); // NaN: quiet it so truncation cannot make inf
    }
    // Adding 0x7fff plus the lowest kept bit rounds to nearest, ties to even; a carry out of
    // the mantissa bumps the exponent, which is the right result (up to inf).
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** The bfloat16 bits nearest to {@code d}, rounded once (not via an intermediate float). */
  public static short doubleToBFloat16(double d) {
    return floatToBFloat16(toFloatRoundToOdd(d));
  }

  // ================================================================ 8-bit (decode only)

  /** Decodes {@code F8_E4M3} (E4M3FN: bias 7, no infinities, {@code S.1111.111} is NaN). */
  public static float float8E4M3ToFloat(byte b) {
    int bits = b & 0xff;
    int exp = (bits >>> 3) & 0xf;
    int mant = bits & 0x7;
    float v;
    if (exp == 0xf && mant == 0x7) {
      v = Float.NaN;
    } else if (exp == 0) {
      v = mant * 0x1p-9f;                    // subnormal: mant/8 · 2^(1-7)
    } else {
      v = Math.scalb(1 + mant / 8f, exp - 7);
    }
    return (bits & 0x80) == 0 ? v : -v;
  }

  /** Decodes {@code F8_E5M2}: the upper byte of a binary16, with its infinities and NaNs. */
  public static float float8E5M2ToFloat(byte b) {
    return halfToFloat((short) ((b & 0xff) << 8));
  }

  /** Decodes {@code F8_E8M0}, an unsigned power of two 2^(b-127); {@code 0xFF} is NaN. */
  public static float float8E8M0ToFloat(byte b) {
    int e = b & 0xff;
    return e == 0xff ? Float.NaN : Math.scalb(1f, e - 127);
  }

  /**
   * Rounds {@code d} to a float with "round to odd": truncate, then set the lowest bit if the
   * result is inexact. A second rounding to a format with at least two fewer significand bits
   * (binary16 has 11, bfloat16 8, float 24) then equals rounding {@code d} directly, which a
   * plain {@code (float) d} followed by a second rounding does not (double rounding).
   */
  static float toFloatRoundToOdd(double d) {
    float f = (float) d;                     // round to nearest even
    if (Float.isInfinite(f) || (double) f == d || Double.isNaN(d)) {
      return f;                              // exact; or so large the result is inf anyway
    }
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 1) == 0) {
      // f is even and inexact, so d lies strictly between f and a neighbour: step the
      // magnitude one ulp towards d, which makes it odd and keeps d inside (f, neighbour).
      bits += Math.abs((double) f) < Math.abs(d) ? 1 : -1;
    }
    return Float.intBitsToFloat(bits);
  }
}
