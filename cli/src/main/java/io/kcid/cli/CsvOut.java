package io.kcid.cli;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CSV written one row at a time (Jackson's CSV generator: quoting as RFC 4180), with a header of
 * fixed columns, to a file or to stdout; each row is flushed out, nothing is kept.
 */
final class CsvOut implements AutoCloseable {
  /** Quotes only what must be quoted (by default Jackson quotes every long value). */
  private static final CsvMapper CSV = CsvMapper.builder().enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING).build();

  private final Writer writer;
  private final SequenceWriter rows;
  private final boolean closeWriter;

  private CsvOut(Writer writer, List<String> columns, boolean closeWriter) throws IOException {
    this.writer = writer;
    this.closeWriter = closeWriter;
    CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
    columns.forEach(schema::addColumn);
    this.rows = CSV.writerFor(String[].class).with(schema.build()).writeValues(writer);
  }

  /** To {@code file}, or to stdout when it is null. */
  static CsvOut open(Path file, List<String> columns) {
    try {
      if (file == null) {
        return new CsvOut(new OutputStreamWriter(new NoClose(System.out), StandardCharsets.UTF_8), columns, false);
      }
      return new CsvOut(Files.newBufferedWriter(file, StandardCharsets.UTF_8), columns, true);
    } catch (IOException e) {
      throw new CliException((file == null ? "stdout" : file.toString()) + ": " + e.getMessage());
    }
  }

  void row(String... cells) {
    try {
      rows.write(cells);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void flush() {
    try {
      rows.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      rows.close();
      if (closeWriter) {
        writer.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stdout stays open for what the command prints after the rows. */
  private static final class NoClose extends java.io.FilterOutputStream {
    NoClose(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
