package io.kcid.server.stream;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

/**
 * A reader's position in every partition's conversion stream: per partition the last entry id it
 * has seen and that entry's event sequence number. Travels as an opaque base64url string of
 * varints (version, partition count, then partition, id millis, id sequence, event sequence + 1
 * for every partition not at the start), about 10 bytes per partition.
 *
 * <p>The event sequence numbers are consecutive per partition, so a reader that resumes can tell
 * whether entries after its position were trimmed: the next entry must carry sequence + 1, unless
 * the entries in between were deleted one by one (XDEL) rather than trimmed from the head.
 */
public final class StreamCursor {
  private static final int VERSION = 1;
  /** The position before the first entry. */
  public static final String START = "0-0";

  private final String[] entryIds;
  private final long[] sequences;

  private StreamCursor(String[] entryIds, long[] sequences) {
    this.entryIds = entryIds;
    this.sequences = sequences;
  }

  /** Every partition at the start of its stream, sequence unknown. */
  public static StreamCursor atStart(int partitions) {
    String[] ids = new String[partitions];
    long[] seqs = new long[partitions];
    java.util.Arrays.fill(ids, START);
    java.util.Arrays.fill(seqs, -1);
    return new StreamCursor(ids, seqs);
  }

  public int partitions() {
    return entryIds.length;
  }

  public String entryId(int partition) {
    return entryIds[partition];
  }

  /** The event sequence number at the position; -1 when unknown. */
  public long sequence(int partition) {
    return sequences[partition];
  }

  public void move(int partition, String entryId, long sequence) {
    entryIds[partition] = entryId;
    sequences[partition] = sequence;
  }

  public String encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + 12 * entryIds.length);
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeUInt32NoTag(VERSION);
      out.writeUInt32NoTag(entryIds.length);
      int moved = 0;
      for (int p = 0; p < entryIds.length; p++) {
        if (!isStart(p)) {
          moved++;
        }
      }
      out.writeUInt32NoTag(moved);
      for (int p = 0; p < entryIds.length; p++) {
        if (isStart(p)) {
          continue;
        }
        long[] id = parseId(entryIds[p]);
        out.writeUInt32NoTag(p);
        out.writeUInt64NoTag(id[0]);
        out.writeUInt64NoTag(id[1]);
        out.writeUInt64NoTag(sequences[p] + 1);
      }
      out.flush();
      return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean isStart(int p) {
    return START.equals(entryIds[p]) && sequences[p] < 0;
  }

  /** Decodes a cursor of a deployment with {@code partitions} partitions. */
  public static StreamCursor decode(String text, int partitions) {
    StreamCursor cursor = atStart(partitions);
    try {
      CodedInputStream in = CodedInputStream.newInstance(Base64.getUrlDecoder().decode(text));
      if (in.readUInt32() != VERSION) {
        throw invalid("it is not a cursor this server wrote");
      }
      int count = in.readUInt32();
      if (count != partitions) {
        throw invalid("it comes from a deployment with " + count + " partitions; this one has " + partitions);
      }
      int moved = in.readUInt32();
      if (moved < 0 || moved > partitions) {
        throw invalid("it is corrupt");
      }
      for (int i = 0; i < moved; i++) {
        int p = in.readUInt32();
        long ms = in.readUInt64();
        long seq = in.readUInt64();
        long sequence = in.readUInt64() - 1;
        if (p < 0 || p >= partitions || ms < 0 || seq < 0 || sequence < -1) {
          throw invalid("it is corrupt");
        }
        cursor.move(p, ms + "-" + seq, sequence);
      }
      if (!in.isAtEnd()) {
        throw invalid("it is corrupt");
      }
      return cursor;
    } catch (IOException | IllegalArgumentException e) {
      throw invalid("it is corrupt");
    }
  }

  private static long[] parseId(String id) {
    int dash = id.indexOf('-');
    return new long[] {Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1))};
  }

  private static KcidException invalid(String why) {
    return new KcidException(
        ErrorReason.ERROR_REASON_STREAM_CURSOR_INVALID,
        "The stream cursor cannot be used: " + why + ". Pass the cursor of a response unchanged, or"
            + " start without one.",
        Map.of("field", "cursor"));
  }
}
