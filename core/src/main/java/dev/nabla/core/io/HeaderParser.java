package dev.nabla.core.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates a safetensors JSON header with Jackson's streaming parser: entries are
 * checked as they are read, and no tree is built, so memory stays a small multiple of the
 * (bounded) header size whatever the header holds.
 */
final class HeaderParser {
  static final String METADATA_KEY = "__metadata__";
  /** The reference implementation's bound; a larger header is refused before it is read. */
  static final long MAX_HEADER_BYTES = 100_000_000L;
  /** No framework uses more dimensions (NumPy allows 64); bounds the memory per entry. */
  static final int MAX_RANK = 64;

  private static final JsonFactory JSON = JsonFactory.builder()
      // Jackson's defaults cap single strings at 20 MB; the header bound is the real limit.
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength((int) MAX_HEADER_BYTES)
          .maxNameLength((int) MAX_HEADER_BYTES)
          .build())
      // Tensor names are untrusted and many: do not intern or canonicalise them.
      .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
      .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
      .build();

  /** The validated header: entries in header order, metadata (possibly empty). */
  record Header(Map<String, SafeTensorsEntry> entries, Map<String, String> metadata) {}

  private final Path file;
  private final long dataSize;

  private HeaderParser(Path file, long dataSize) {
    this.file = file;
    this.dataSize = dataSize;
  }

  /**
   * Parses {@code json} (the header bytes, padding included) of {@code file}, whose data region
   * is {@code dataSize} bytes long.
   */
  static Header parse(Path file, byte[] json, long dataSize) throws SafeTensorsFormatException {
    return new HeaderParser(file, dataSize).parse(json);
  }

  private Header parse(byte[] json) throws SafeTensorsFormatException {
    checkUtf8(json);
    Map<String, SafeTensorsEntry> entries = new LinkedHashMap<>();
    Map<String, String> metadata = null;
    try (JsonParser p = JSON.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw error(null, "header must be a JSON object, got " + describe(first));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (METADATA_KEY.equals(name)) {
          if (metadata != null) {
            throw error(null, "duplicate \"__metadata__\" key in header");
          }
          metadata = parseMetadata(p);
        } else {
          if (entries.containsKey(name)) {
            throw error(name, "duplicate tensor name in header");
          }
          entries.put(name, parseEntry(p, name));
        }
      }
      JsonToken after = p.nextToken();
      if (after != null) {
        throw error(null, "trailing content after the header's JSON object: " + describe(after));
      }
    } catch (JsonProcessingException e) {
      throw error(null, "header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (SafeTensorsFormatException e) {
      throw e;
    } catch (IOException e) {
      // A parser over a byte array does no I/O; anything else it reports is a parse failure.
      throw error(null, "header is not valid JSON: " + e.getMessage(), e);
    }
    checkNoOverlap(entries);
    return new Header(Collections.unmodifiableMap(entries),
        metadata == null ? Map.of() : Collections.unmodifiableMap(metadata));
  }

  private void checkUtf8(byte[] json) throws SafeTensorsFormatException {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(json);
    CharBuffer out = CharBuffer.allocate(8192);   // decoded text is thrown away, chunk by chunk
    while (true) {
      CoderResult r = decoder.decode(in, out, true);
      if (r.isError()) {
        throw error(null, "header is not valid UTF-8 (bad byte at header offset "
            + in.position() + ")");
      }
      if (r.isUnderflow()) {
        return;
      }
      out.clear();
    }
  }

  private Map<String, String> parseMetadata(JsonParser p)
      throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return new LinkedHashMap<>();          // the reference reader treats null as absent
    }
    if (t != JsonToken.START_OBJECT) {
      throw error(null, "\"__metadata__\" must be a JSON object of strings, got " + describe(t));
    }
    Map<String, String> m = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v != JsonToken.VALUE_STRING) {
        throw error(null, "\"__metadata__\" values must be strings; key '" + key + "' has "
            + describe(v));
      }
      if (m.put(key, p.getText()) != null) {
        throw error(null, "duplicate key '" + key + "' in \"__metadata__\"");
      }
    }
    return m;
  }

  private SafeTensorsEntry parseEntry(JsonParser p, String name) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_OBJECT) {
      throw error(name, "entry must be a JSON object with dtype, shape and data_offsets, got "
          + describe(t));
    }
    String dtypeName = null;
    long[] shape = null;
    long[] offsets = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      switch (key) {
        case "dtype" -> {
          if (dtypeName != null) {
            throw error(name, "duplicate \"dtype\"");
          }
          if (v != JsonToken.VALUE_STRING) {
            throw error(name, "\"dtype\" must be a string, got " + describe(v));
          }
          dtypeName = p.getText();
        }
        case "shape" -> {
          if (shape != null) {
            throw error(name, "duplicate \"shape\"");
          }
          shape = readNonNegativeLongs(p, name, "shape", MAX_RANK);
        }
        case "data_offsets" -> {
          if (offsets != null) {
            throw error(name, "duplicate \"data_offsets\"");
          }
          offsets = readNonNegativeLongs(p, name, "data_offsets", 2);
          if (offsets.length != 2) {
            throw error(name, "\"data_offsets\" must be two integers [begin, end], got "
                + offsets.length);
          }
        }
        default -> p.skipChildren();        // unknown keys are ignored, as the reference does
      }
    }
    if (dtypeName == null || shape == null || offsets == null) {
      String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
      throw error(name, "entry is missing \"" + missing + "\"");
    }
    String dn = dtypeName;
    SafeTensorsDType dtype = SafeTensorsDType.byName(dn)
        .orElseThrow(() -> error(name, "unknown dtype \"" + dn + "\""));
    long numel = 1;
    long bytes;
    try {
      for (long d : shape) {
        numel = Math.multiplyExact(numel, d);
      }
      bytes = Math.multiplyExact(numel, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw error(name, "shape " + Arrays.toString(shape) + " of " + dtype
          + " overflows: its byte count exceeds 2^63-1");
    }
    long begin = offsets[0];
    long end = offsets[1];
    String range = "data_offsets [" + begin + ", " + end + "]";
    if (begin > end) {
      throw error(name, range + ": begin is after end");
    }
    if (end > dataSize) {
      throw error(name, range + " exceed the data region of " + dataSize
          + " bytes (truncated file?)");
    }
    if (end - begin != bytes) {
      throw error(name, "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes
          + " bytes but " + range + " span " + (end - begin));
    }
    return new SafeTensorsEntry(name, dtype, shape, numel, begin, end);
  }

  /** Reads a JSON array of at most {@code max} non-negative integers that fit a long. */
  private long[] readNonNegativeLongs(JsonParser p, String name, String key, int max)
      throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_ARRAY) {
      throw error(name, "\"" + key + "\" must be a list of integers, got " + describe(t));
    }
    long[] out = new long[Math.min(max, 8)];
    int n = 0;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw error(name, "\"" + key + "\" must contain only integers, got " + describe(t)
            + (t.isScalarValue() ? " " + p.getText() : ""));
      }
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw error(name, "\"" + key + "\" value " + p.getText() + " is too large (over 2^63-1)");
      }
      long v = p.getLongValue();
      if (v < 0) {
        throw error(name, "\"" + key + "\" contains the negative value " + v);
      }
      if (n == max) {
        throw error(name, "\"" + key + "\" has more than " + max + " values");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, Math.min(max, 2 * n));
      }
      out[n++] = v;
    }
    return Arrays.copyOf(out, n);
  }

  /** Entries with bytes must not share any; sorting by begin makes that one pass. */
  private void checkNoOverlap(Map<String, SafeTensorsEntry> entries)
      throws SafeTensorsFormatException {
    List<SafeTensorsEntry> sorted = new ArrayList<>(entries.size());
    for (SafeTensorsEntry e : entries.values()) {
      if (e.byteSize() > 0) {                // an empty range overlaps nothing
        sorted.add(e);
      }
    }
    sorted.sort(Comparator.comparingLong(SafeTensorsEntry::begin));
    SafeTensorsEntry previous = null;
    for (SafeTensorsEntry e : sorted) {
      if (previous != null && e.begin() < previous.end()) {
        throw error(e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] overlap those of '"
            + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
      }
      previous = e;
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "nothing (empty header)";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a non-integer number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  private SafeTensorsFormatException error(String tensor, String rule) {
    return new SafeTensorsFormatException(file, tensor, rule);
  }

  private SafeTensorsFormatException error(String tensor, String rule, Throwable cause) {
    return new SafeTensorsFormatException(file, tensor, rule, cause);
  }
}
