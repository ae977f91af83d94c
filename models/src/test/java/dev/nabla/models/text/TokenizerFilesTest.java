package dev.nabla.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFilesTest {
  static ByteLevelBpeTokenizer tok;
  static String json;

  @BeforeAll static void train() {
    tok = ByteLevelBpeTokenizer.train(TestData.mobyDick().substring(0, 50_000), 400,
        SpecialTokens.defaults().withAdditional("<|sep|>"));
    json = ByteLevelBpeTokenizerTest.json(tok);
  }

  static ByteLevelBpeTokenizer read(String text) throws IOException {
    return ByteLevelBpeTokenizer.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String readError(String text) {
    return assertThrows(IOException.class, () -> read(text)).getMessage();
  }

  static void assertMentions(String message, String part) {
    assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
  }

  @Test void saveLoadRoundTrip(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("sub/tokenizer.json");
    tok.save(file);
    ByteLevelBpeTokenizer back = ByteLevelBpeTokenizer.load(file);
    assertEquals(json, ByteLevelBpeTokenizerTest.json(back));
    assertEquals(tok.vocabSize(), back.vocabSize());
    assertEquals(tok.specialTokens(), back.specialTokens());
    assertEquals(tok.specialTokenIds(), back.specialTokenIds());
    String text = TestData.mobyDick().substring(50_000, 70_000) + "<|sep|>🐋";
    assertArrayEquals(tok.encode(text, true), back.encode(text, true));
    try (Stream<Path> files = Files.list(dir.resolve("sub"))) {
      assertEquals(1, files.count(), "no temporary file left behind");
    }
  }

  @Test void jsonLooksLikeThis() {
    assertTrue(json.startsWith("{\n  \"type\" : \"byte_level_bpe\",\n  \"version\" : 1,\n"), json.substring(0, 80));
    assertMentions(json, "\"Ġ\" : 32,");
    assertMentions(json, "\"special_tokens\" : {\n    \"<|bos|>\" : 396,");
    assertMentions(json, "\"pad_token\" : \"<|pad|>\"");
    assertFalse(json.contains("\r"));
  }

  @Test void gpt2SurvivesJson() throws IOException {
    ByteLevelBpeTokenizer gpt2 = TestData.gpt2();
    ByteLevelBpeTokenizer back = read(ByteLevelBpeTokenizerTest.json(gpt2));
    String text = TestData.mobyDick().substring(0, 20_000);
    assertArrayEquals(gpt2.encode(text), back.encode(text));
    assertEquals(50256, back.eosId());
  }

  @Test void failedSaveKeepsTheOldFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    tok.save(file);
    byte[] before = Files.readAllBytes(file);
    IOException e = assertThrows(IOException.class, () -> TokenizerFiles.writeAtomically(file, out -> {
      out.write("{ half".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }

  @Test void loadsGpt2FormatFiles(@TempDir Path dir) throws IOException {
    // Our trained tokenizer written in GPT-2's two-file format, plain and gzipped.
    StringBuilder encoder = new StringBuilder("{");
    for (int id = 0; id < tok.vocabSize(); id++) {
      if (!tok.isSpecial(id)) {
        encoder.append(id == 0 ? "" : ", ").append('"').append(tok.idToToken(id).replace("\\", "\\\\")
            .replace("\"", "\\\"")).append("\": ").append(id);
      }
    }
    encoder.append("}");
    String merges = "#version: 0.2\n" + String.join("\n", tok.merges()) + "\n";
    Path e = dir.resolve("encoder.json");
    Path m = dir.resolve("vocab.bpe.gz");
    Files.writeString(e, encoder);
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(m))) {
      out.write(merges.getBytes(StandardCharsets.UTF_8));
    }
    ByteLevelBpeTokenizer loaded = ByteLevelBpeTokenizer.loadGpt2(e, m);
    assertEquals(tok.vocabSize() - 4, loaded.vocabSize());
    assertEquals(tok.merges(), loaded.merges());
    String text = TestData.mobyDick().substring(60_000, 70_000);
    assertArrayEquals(tok.encode(text), loaded.encode(text));
  }

  // ---- corrupt and hostile files

  @Test void rejectsMalformedJson() {
    assertMentions(readError(""), "expected START_OBJECT");
    assertMentions(readError("[1, 2]"), "expected START_OBJECT");
    assertMentions(readError(json.substring(0, json.length() / 2)), "not valid tokenizer JSON");
    assertMentions(readError(json + "{}"), "unexpected content after");
    assertMentions(readError("{\"type\": \"byte_level_bpe\", \"type\": \"x\"}"), "\"type\" appears twice");
    assertMentions(readError("{\"typo\": 1}"), "unknown field \"typo\"");
  }

  @Test void rejectsWrongHeader() {
    assertMentions(readError(json.replace("\"byte_level_bpe\"", "\"wordpiece\"")), "\"type\" must be \"byte_level_bpe\"");
    assertMentions(readError(json.replace("\"version\" : 1", "\"version\" : 2")), "\"version\" must be 1, got 2");
    assertMentions(readError(json.replace("\"version\" : 1", "\"version\" : 1.5")), "\"version\" must be an integer");
    assertMentions(readError(json.replace("\"pre_tokenizer\" : \"gpt2\"", "\"pre_tokenizer\" : \"bert\"")),
        "\"pre_tokenizer\" must be \"gpt2\"");
    assertMentions(readError("{\"type\": \"byte_level_bpe\", \"version\": 1, \"pre_tokenizer\": \"gpt2\"}"),
        "\"vocab\" and \"merges\" are required");
  }

  @Test void rejectsInconsistentVocabularies() {
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : 33,")), "share id 33");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "")), "lacks the token of byte 0x20");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : 32, \"Ġ\" : 5,")), "\"Ġ\" appears twice");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : 32, \"a b\" : 400,")), "outside the byte-level alphabet");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : 32, \"zzzq\" : 9999,")), "outside [0, 401)");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : -32,")), "has id -32");
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : \"32\",")), "must be an integer");
    assertMentions(readError(json.replace("\"<|bos|>\" : 396", "\"<|bos|>\" : 3960")), "outside [0, 400)");
    assertMentions(readError(json.replace("\"bos_token\" : \"<|bos|>\"", "\"bos_token\" : \"<s>\"")),
        "do not match the special tokens");
  }

  @Test void rejectsBadMerges() {
    String firstMerge = tok.merges().get(0);   // "Ġ t" or similar
    String q = "\"" + firstMerge + "\"";
    assertMentions(readError(json.replace(q, "\"Ġt\"")), "is not two tokens separated by one space");
    assertMentions(readError(json.replace(q, "\"Ġ  t\"")), "is not two tokens separated by one space");
    assertMentions(readError(json.replace(q, "\"Ġ q\"")), "not in the vocabulary");
    assertMentions(readError(json.replace(q, q + ", " + q)), "duplicate merge");
    assertMentions(readError(json.replace(q, "7")), "must be a string");
  }

  @Test void boundsHostileSizes() {
    String longToken = "a".repeat(ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + 1);
    assertMentions(readError(json.replace("\"Ġ\" : 32,", "\"Ġ\" : 32, \"" + longToken + "\" : 400,")),
        "more than " + ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH);
    assertMentions(readError("{\"merges\": [\"" + "a".repeat(100_000) + "\"]}"), "not valid tokenizer JSON");
    assertMentions(readError("{\"vocab\": " + "[".repeat(100) + "]".repeat(100) + "}"), "must be an object");
    assertMentions(readError("[".repeat(10_000)), "expected START_OBJECT");
    assertMentions(readError("{\"version\": 1" + "0".repeat(5000) + "}"), "not valid tokenizer JSON");
    // An endless stream is cut off at the size bound, not read into memory.
    InputStream endless = new InputStream() {
      long n;

      @Override public int read() {
        return n++ == 0 ? '{' : ' ';
      }

      @Override public int read(byte[] b, int off, int len) {
        if (n++ == 0) {
          b[off] = '{';
          return 1;
        }
        Arrays.fill(b, off, off + len, (byte) ' ');
        return len;
      }
    };
    // (The real bound is MAX_FILE_BYTES, 256 MiB; a small one keeps the test fast.)
    IOException e = assertThrows(IOException.class, () -> TokenizerFiles.readJson(endless, "endless", 1 << 20));
    assertEquals("endless: more than 1048576 bytes: too large for a tokenizer file", e.getMessage());
  }

  @Test void rejectsBadGpt2Files() {
    byte[] encoder = "{\"a\": 0}".getBytes(StandardCharsets.UTF_8);
    IOException e = assertThrows(IOException.class, () -> ByteLevelBpeTokenizer.loadGpt2(
        new ByteArrayInputStream(encoder), new ByteArrayInputStream(new byte[0])));
    assertMentions(e.getMessage(), "lacks the token of byte 0x00");
    byte[] longLine = ("#version: 0.2\n" + "x".repeat(5000)).getBytes(StandardCharsets.UTF_8);
    e = assertThrows(IOException.class, () -> ByteLevelBpeTokenizer.loadGpt2(
        new ByteArrayInputStream(encoder), new ByteArrayInputStream(longLine)));
    assertMentions(e.getMessage(), "vocab.bpe line 2 is longer than");
  }

  @Test void missingFileIsAnIoError(@TempDir Path dir) {
    assertThrows(IOException.class, () -> ByteLevelBpeTokenizer.load(dir.resolve("absent.json")));
  }
}
