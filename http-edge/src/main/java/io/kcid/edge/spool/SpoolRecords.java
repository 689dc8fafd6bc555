package io.kcid.edge.spool;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The record format of spool segments: {@code [u32 length][u32 CRC32C of payload][payload]},
 * big-endian, the payload being the {@link IssueClickRequest} to replay (all click fields, the
 * signature, and the pre-minted kcid that carries the click time). A segment is read up to its
 * first record that is short or fails its CRC: the tail of a write cut by a crash.
 */
final class SpoolRecords {
  /** Click URLs are capped at 8 KiB by the HTTP codec; anything far larger is corruption. */
  static final int MAX_PAYLOAD = 64 * 1024;
  static final int HEADER = 8;

  private SpoolRecords() {}

  static ByteBuffer frame(byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    ByteBuffer buffer = ByteBuffer.allocate(HEADER + payload.length);
    buffer.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
    return buffer;
  }

  /** What a segment holds: its readable records, and whether unreadable bytes followed them. */
  record Contents(List<IssueClickRequest> records, boolean damagedTail) {}

  static Contents read(Path segment) throws IOException {
    ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(segment));
    List<IssueClickRequest> records = new ArrayList<>();
    while (data.remaining() >= HEADER) {
      int length = data.getInt();
      int expectedCrc = data.getInt();
      if (length < 0 || length > MAX_PAYLOAD || length > data.remaining()) {
        return new Contents(records, true);
      }
      byte[] payload = new byte[length];
      data.get(payload);
      CRC32C crc = new CRC32C();
      crc.update(payload);
      if ((int) crc.getValue() != expectedCrc) {
        return new Contents(records, true);
      }
      try {
        records.add(IssueClickRequest.parseFrom(payload));
      } catch (InvalidProtocolBufferException e) {
        return new Contents(records, true);
      }
    }
    return new Contents(records, data.hasRemaining());
  }
}
