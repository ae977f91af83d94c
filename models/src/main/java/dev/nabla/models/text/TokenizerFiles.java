package dev.nabla.models.text;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reading and writing tokenizer files. Files are untrusted: every count, string and the total size
 * are bounded before memory is spent on them, and the contents go through the tokenizer's
 * validation; any problem is an {@link IOException} that names the file and the fault.
 */
final class TokenizerFiles {
  private TokenizerFiles() {}

  static final String TYPE = "byte_level_bpe";
  static final int VERSION = 1;

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(4 * ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + 16)
          .maxNameLength(4 * ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + 16)
          .maxNestingDepth(4)
          .maxNumberLength(20)
          .build())
      .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
      .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
      .build();

  // ---------------------------------------------------------------------------------------------
  // Our JSON format

  static void writeJson(ByteLevelBpeTokenizer tok, OutputStream out) throws IOException {
    DefaultIndenter newline = new DefaultIndenter("  ", "\n");   // the same bytes on every OS
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
        .withObjectIndenter(newline).withArrayIndenter(newline);
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.setPrettyPrinter(pretty);
      g.writeStartObject();
      g.writeStringField("type", TYPE);
      g.writeNumberField("version", VERSION);
      g.writeStringField("pre_tokenizer", Pretokenizer.NAME);
      g.writeObjectFieldStart("vocab");
      for (int id = 0; id < tok.vocabSize(); id++) {
        String token = tok.normalToken(id);
        if (token != null) {
          g.writeNumberField(token, id);
        }
      }
      g.writeEndObject();
      g.writeArrayFieldStart("merges");
      for (String m : tok.merges()) {
        g.writeString(m);
      }
      g.writeEndArray();
      g.writeObjectFieldStart("special_tokens");
      for (Map.Entry<String, Integer> e : tok.specialTokenIds().entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      SpecialTokens s = tok.specialTokens();
      writeNullable(g, "bos_token", s.bos());
      writeNullable(g, "eos_token", s.eos());
      writeNullable(g, "pad_token", s.pad());
      g.writeEndObject();
      g.writeRaw('\n');
    }
  }

  private static void writeNullable(JsonGenerator g, String field, String value) throws IOException {
    if (value == null) {
      g.writeNullField(field);
    } else {
      g.writeStringField(field, value);
    }
  }

  static ByteLevelBpeTokenizer readJson(InputStream raw, String source) throws IOException {
    return readJson(raw, source, ByteLevelBpeTokenizer.MAX_FILE_BYTES);
  }

  static ByteLevelBpeTokenizer readJson(InputStream raw, String source, long maxBytes) throws IOException {
    try (JsonParser p = JSON.createParser(limit(raw, source, maxBytes))) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, source, "the top level");
      Map<String, Integer> vocab = null;
      List<String> merges = null;
      Map<String, Integer> specialIds = null;
      String[] roles = new String[3];
      Set<String> seen = new HashSet<>();
      String type = null;
      Integer version = null;
      String pre = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        if (!seen.add(field)) {
          throw fail(source, "field \"" + field + "\" appears twice");
        }
        JsonToken value = p.nextToken();
        switch (field) {
          case "type" -> type = string(p, value, source, field);
          case "version" -> version = integer(p, value, source, field);
          case "pre_tokenizer" -> pre = string(p, value, source, field);
          case "vocab" -> vocab = idMap(p, value, source, field);
          case "merges" -> merges = stringList(p, value, source, field);
          case "special_tokens" -> specialIds = idMap(p, value, source, field);
          case "bos_token" -> roles[0] = nullableString(p, value, source, field);
          case "eos_token" -> roles[1] = nullableString(p, value, source, field);
          case "pad_token" -> roles[2] = nullableString(p, value, source, field);
          default -> throw fail(source, "unknown field \"" + field + "\"");
        }
      }
      expect(p, p.currentToken(), JsonToken.END_OBJECT, source, "the end of the top-level object");
      if (p.nextToken() != null) {
        throw fail(source, "unexpected content after the top-level object");
      }
      if (!TYPE.equals(type)) {
        throw fail(source, "\"type\" must be \"" + TYPE + "\", got " + quote(type));
      }
      if (version == null || version != VERSION) {
        throw fail(source, "\"version\" must be " + VERSION + ", got " + version);
      }
      if (!Pretokenizer.NAME.equals(pre)) {
        throw fail(source, "\"pre_tokenizer\" must be \"" + Pretokenizer.NAME + "\", got " + quote(pre));
      }
      if (vocab == null || merges == null) {
        throw fail(source, "\"vocab\" and \"merges\" are required");
      }
      if (specialIds == null) {
        specialIds = Map.of();
      }
      List<String> additional = new ArrayList<>();
      specialIds.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> {
        if (!e.getKey().equals(roles[0]) && !e.getKey().equals(roles[1]) && !e.getKey().equals(roles[2])) {
          additional.add(e.getKey());
        }
      });
      try {
        SpecialTokens specials = new SpecialTokens(roles[0], roles[1], roles[2], additional);
        return new ByteLevelBpeTokenizer(vocab, merges, specialIds, specials);
      } catch (IllegalArgumentException e) {
        throw fail(source, e.getMessage());
      }
    } catch (JsonProcessingException e) {
      throw new IOException(source + ": not valid tokenizer JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String quote(String s) {
    return s == null ? "nothing" : "\"" + s + "\"";
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken want, String source, String where)
      throws IOException {
    if (got != want) {
      throw fail(source, "expected " + want + " at " + where + ", got " + got
          + " (line " + p.currentLocation().getLineNr() + ")");
    }
  }

  private static String string(JsonParser p, JsonToken v, String source, String field) throws IOException {
    if (v != JsonToken.VALUE_STRING) {
      throw fail(source, "\"" + field + "\" must be a string, got " + v);
    }
    return p.getText();
  }

  private static String nullableString(JsonParser p, JsonToken v, String source, String field) throws IOException {
    return v == JsonToken.VALUE_NULL ? null : string(p, v, source, field);
  }

  private static int integer(JsonParser p, JsonToken v, String source, String field) throws IOException {
    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
      throw fail(source, "\"" + field + "\" must be an integer, got " + v + " " + p.getText());
    }
    return p.getIntValue();
  }

  /** A JSON object of string → id, bounded in entries, ids in [0, MAX_VOCAB_SIZE). */
  static Map<String, Integer> idMap(JsonParser p, JsonToken v, String source, String field) throws IOException {
    if (v != JsonToken.START_OBJECT) {
      throw fail(source, "\"" + field + "\" must be an object of token → id, got " + v);
    }
    Map<String, Integer> map = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String token = p.currentName();
      if (map.size() >= ByteLevelBpeTokenizer.MAX_VOCAB_SIZE) {
        throw fail(source, "\"" + field + "\" has more than " + ByteLevelBpeTokenizer.MAX_VOCAB_SIZE + " entries");
      }
      if (token.length() > ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH) {
        throw fail(source, "\"" + field + "\": a token has " + token.length() + " characters, more than "
            + ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH);
      }
      int id = integer(p, p.nextToken(), source, field + "\" entry \"" + token);
      if (id < 0 || id >= ByteLevelBpeTokenizer.MAX_VOCAB_SIZE) {
        throw fail(source, "\"" + field + "\": token \"" + token + "\" has id " + id + ", outside [0, "
            + ByteLevelBpeTokenizer.MAX_VOCAB_SIZE + ")");
      }
      if (map.put(token, id) != null) {
        throw fail(source, "\"" + field + "\": token \"" + token + "\" appears twice");
      }
    }
    return map;
  }

  private static List<String> stringList(JsonParser p, JsonToken v, String source, String field) throws IOException {
    if (v != JsonToken.START_ARRAY) {
      throw fail(source, "\"" + field + "\" must be an array of strings, got " + v);
    }
    List<String> list = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (list.size() >= ByteLevelBpeTokenizer.MAX_VOCAB_SIZE) {
        throw fail(source, "\"" + field + "\" has more than " + ByteLevelBpeTokenizer.MAX_VOCAB_SIZE + " entries");
      }
      list.add(string(p, t, source, field + "\" element " + list.size() + " \""));
    }
    return list;
  }

  static IOException fail(String source, String message) {
    return new IOException(source + ": " + message);
  }

  // ---------------------------------------------------------------------------------------------
  // GPT-2's encoder.json + vocab.bpe

  static ByteLevelBpeTokenizer readGpt2(InputStream encoderJson, InputStream vocabBpe, String source)
      throws IOException {
    Map<String, Integer> vocab;
    try (JsonParser p = JSON.createParser(limit(encoderJson, source, ByteLevelBpeTokenizer.MAX_FILE_BYTES))) {
      vocab = idMap(p, p.nextToken(), source, "encoder.json");
      if (p.nextToken() != null) {
        throw fail(source, "encoder.json: unexpected content after the top-level object");
      }
    } catch (JsonProcessingException e) {
      throw new IOException(source + ": encoder.json is not valid JSON: " + e.getOriginalMessage(), e);
    }
    List<String> merges = readMerges(limit(vocabBpe, source, ByteLevelBpeTokenizer.MAX_FILE_BYTES), source);
    Map<String, Integer> specialIds = new LinkedHashMap<>();
    SpecialTokens specials = SpecialTokens.none();
    Integer eot = vocab.remove(ByteLevelBpeTokenizer.GPT2_END_OF_TEXT);
    if (eot != null) {
      specialIds.put(ByteLevelBpeTokenizer.GPT2_END_OF_TEXT, eot);
      specials = SpecialTokens.of(ByteLevelBpeTokenizer.GPT2_END_OF_TEXT, ByteLevelBpeTokenizer.GPT2_END_OF_TEXT, null);
    }
    try {
      return new ByteLevelBpeTokenizer(vocab, merges, specialIds, specials);
    } catch (IllegalArgumentException e) {
      throw fail(source, e.getMessage());
    }
  }

  /** Lines of vocab.bpe, each bounded in length; {@code #version} header and blank lines skipped. */
  private static List<String> readMerges(InputStream in, String source) throws IOException {
    Reader r = new InputStreamReader(new BufferedInputStream(in), StandardCharsets.UTF_8);
    List<String> merges = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    int lineNo = 0;
    int c;
    do {
      c = r.read();
      if (c == '\n' || c == -1) {
        lineNo++;
        int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
        String s = line.substring(0, end);
        line.setLength(0);
        if (s.isEmpty() || (lineNo == 1 && s.startsWith("#version"))) {
          continue;
        }
        if (merges.size() >= ByteLevelBpeTokenizer.MAX_VOCAB_SIZE) {
          throw fail(source, "vocab.bpe has more than " + ByteLevelBpeTokenizer.MAX_VOCAB_SIZE + " merges");
        }
        merges.add(s);
      } else {
        if (line.length() > 2 * ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + 1) {
          throw fail(source, "vocab.bpe line " + (lineNo + 1) + " is longer than "
              + (2 * ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + 1) + " characters");
        }
        line.append((char) c);
      }
    } while (c != -1);
    return merges;
  }

  // ---------------------------------------------------------------------------------------------
  // Files

  /** Opens {@code file} for reading, decompressing {@code .gz}; refuses files over the size bound. */
  static InputStream open(Path file) throws IOException {
    long size = Files.size(file);
    if (size > ByteLevelBpeTokenizer.MAX_FILE_BYTES) {
      throw fail(file.toString(), "file has " + size + " bytes, more than the "
          + ByteLevelBpeTokenizer.MAX_FILE_BYTES + " a tokenizer file may have");
    }
    InputStream in = new BufferedInputStream(Files.newInputStream(file));
    return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in) : in;
  }

  /** {@code in}, failing once more than {@code maxBytes} are read. */
  static InputStream limit(InputStream in, String source, long maxBytes) {
    return new FilterInputStream(in) {
      private long count;

      private void add(long n) throws IOException {
        count += n;
        if (count > maxBytes) {
          throw fail(source, "more than " + maxBytes
              + " bytes: too large for a tokenizer file");
        }
      }

      @Override public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
          add(1);
        }
        return b;
      }

      @Override public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
          add(n);
        }
        return n;
      }

      @Override public void close() {
        // the caller owns the stream
      }
    };
  }

  interface Body {
    void write(OutputStream out) throws IOException;
  }

  /**
   * Writes to a temporary file beside {@code file}, then renames it over {@code file}: readers see
   * the old file or the new one, never half of one; a failed write leaves the old file intact.
   */
  static void writeAtomically(Path file, Body body) throws IOException {
    dev.nabla.core.io.AtomicFiles.write(file, body::write);
  }

}
