package io.kcid.edge.spool;

import io.kcid.proto.tracking.v1.IssueClickRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable, bounded, append-only queue of clicks the edge redirected on its own, kept on local
 * disk until the tracking-server has stored them.
 *
 * <p>One writer thread appends records to the active segment file and forces them to disk once per
 * batch (group commit): {@link #append} completes only after the record is on disk, so the edge
 * redirects a spooled click only once it cannot be lost to a crash of the edge. Segments are sealed
 * when they grow large or when the replayer asks, and deleted whole once every record in them has
 * been stored by the tracking-server. A spool that would exceed its size bound refuses the click
 * rather than drop anything silently.
 */
public final class ClickSpool implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClickSpool.class);
  private static final Pattern SEGMENT = Pattern.compile("clicks-(\\d{16})\\.spool");
  private static final long SEGMENT_BYTES = 4L * 1024 * 1024;
  private static final int MAX_QUEUED = 10_000;
  private static final int MAX_BATCH = 512;

  /** Thrown (in a failed future) when a click cannot be spooled: full, closed, or a disk error. */
  public static final class SpoolUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SpoolUnavailableException(String message) {
      super(message, null, false, false);
    }
  }

  /** A sealed segment: no more records are appended to it. */
  public record Segment(long seq, Path path) {
    SpoolRecords.Contents read() throws IOException {
      return SpoolRecords.read(path);
    }
  }

  /** Thrown by {@link #open} when another running edge (this process or another) holds the directory. */
  public static final class SpoolLockedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    SpoolLockedException(String message) {
      super(message);
    }
  }

  /** The lock file every edge holds (an exclusive OS file lock) while it uses a spool directory. */
  static final String LOCK_FILE = ".lock";

  private record Pending(ByteBuffer frame, CompletableFuture<Void> done) {}

  private final Path dir;
  private final long maxBytes;
  private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
  /** Bytes on disk plus bytes accepted but not yet written. */
  private final AtomicLong bytes = new AtomicLong();
  private final Thread writer;
  private final Object appendLock = new Object();
  private volatile boolean closed;
  private volatile boolean rollRequested;
  /** Every segment with a lower sequence number is sealed. Written by the writer thread only. */
  private volatile long firstUnsealed;
  /** Records in the active segment. Written by the writer thread only. */
  private volatile long activeRecords;
  private FileChannel active;
  private long activeBytes;
  /** The directory lock, released on close. */
  private final FileLock lock;

  private ClickSpool(Path dir, long maxBytes, long firstUnsealed, long existingBytes, FileLock lock) {
    this.dir = dir;
    this.lock = lock;
    this.maxBytes = maxBytes;
    this.firstUnsealed = firstUnsealed;
    this.bytes.set(existingBytes);
    this.writer = new Thread(this::writeLoop, "kcid-edge-spool-writer");
    this.writer.setDaemon(true);
  }

  /**
   * Opens (creating if needed) the spool in {@code dir}; segments left by an earlier run are sealed.
   * Takes an exclusive lock on the directory for as long as the spool is open: two edges appending
   * to and deleting from the same segments would lose clicks.
   *
   * @throws SpoolLockedException when another running edge holds the directory
   */
  public static ClickSpool open(Path dir, long maxBytes) {
    FileLock lock = null;
    try {
      Files.createDirectories(dir);
      lock = lock(dir);
      long next = 0;
      long existing = 0;
      for (Segment segment : list(dir)) {
        next = Math.max(next, segment.seq() + 1);
        existing += Files.size(segment.path());
      }
      ClickSpool spool = new ClickSpool(dir, maxBytes, next, existing, lock);
      spool.writer.start();
      if (existing > 0) {
        log.info("click spool {} holds {} bytes of clicks from an earlier run; they will be replayed", dir, existing);
      }
      return spool;
    } catch (IOException e) {
      release(lock);
      throw new UncheckedIOException("cannot open the click spool in " + dir + ": " + e.getMessage(), e);
    }
  }

  private static FileLock lock(Path dir) throws IOException {
    FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another edge in this process
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new SpoolLockedException(
          "the click spool " + dir + " is in use by another running edge: give each edge its own KCID_EDGE_SPOOL_DIR");
    }
    return lock;
  }

  private static void release(FileLock lock) {
    if (lock == null || !lock.channel().isOpen()) {
      return;
    }
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException e) {
      log.warn("cannot release the click spool lock: {}", e.toString());
    }
  }

  /**
   * Appends a click; the future completes once it is on disk, or fails with {@link
   * SpoolUnavailableException} when the spool is full or closed or the disk failed.
   */
  public CompletableFuture<Void> append(IssueClickRequest click) {
    ByteBuffer frame = SpoolRecords.frame(click.toByteArray());
    long size = frame.remaining();
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (appendLock) {
      if (closed) {
        return CompletableFuture.failedFuture(new SpoolUnavailableException("the click spool is closed"));
      }
      if (bytes.get() + size > maxBytes) {
        return CompletableFuture.failedFuture(new SpoolUnavailableException("the click spool is full"));
      }
      if (!queue.offer(new Pending(frame, done))) {
        return CompletableFuture.failedFuture(new SpoolUnavailableException("the click spool's write queue is full"));
      }
      bytes.addAndGet(size);
    }
    return done;
  }

  /** Sealed segments, oldest first. */
  public List<Segment> sealed() {
    long bound = firstUnsealed;
    try {
      return list(dir).stream().filter(s -> s.seq() < bound).toList();
    } catch (IOException e) {
      log.error("cannot list the click spool {}: {}", dir, e.toString());
      return List.of();
    }
  }

  /** Whether the active segment holds records (they become replayable once it is sealed). */
  public boolean activeHasRecords() {
    return activeRecords > 0;
  }

  /** Asks the writer to seal the active segment soon, if it holds records. */
  public void requestRoll() {
    rollRequested = true;
  }

  /** Deletes a sealed segment whose every record the tracking-server has stored (or refused for good). */
  public void delete(Segment segment) {
    try {
      long size = Files.size(segment.path());
      Files.delete(segment.path());
      bytes.addAndGet(-size);
    } catch (IOException e) {
      log.error("cannot delete replayed spool segment {}: {}", segment.path(), e.toString());
    }
  }

  /** Bytes held, on disk or being written. */
  public long bytes() {
    return bytes.get();
  }

  /** Whether a click of typical size still fits. */
  public boolean hasRoom() {
    return !closed && bytes.get() + SpoolRecords.MAX_PAYLOAD / 8 <= maxBytes;
  }

  public Path dir() {
    return dir;
  }

  /** Stops accepting, writes and forces what was accepted, closes the active segment. Idempotent. */
  @Override
  public void close() {
    synchronized (appendLock) {
      closed = true;
    }
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!writer.isAlive()) {
      release(lock);
    }
  }

  private void writeLoop() {
    List<Pending> batch = new ArrayList<>(MAX_BATCH);
    while (true) {
      Pending first;
      try {
        first = queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        first = null;
      }
      if (first == null) {
        if (closed && queue.isEmpty()) {
          break;
        }
        if (rollRequested) {
          seal();
        }
        continue;
      }
      batch.add(first);
      queue.drainTo(batch, MAX_BATCH - 1);
      write(batch);
      batch.clear();
      if (activeBytes >= SEGMENT_BYTES || rollRequested) {
        seal();
      }
    }
    seal();
  }

  private void write(List<Pending> batch) {
    long written = 0;
    try {
      if (active == null) {
        Path path = dir.resolve(String.format("clicks-%016d.spool", firstUnsealed));
        active =
            FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        activeBytes = active.size();
        forceDirectory(); // the new file's directory entry must survive a crash too
      }
      for (Pending pending : batch) {
        ByteBuffer frame = pending.frame();
        while (frame.hasRemaining()) {
          written += active.write(frame);
        }
      }
      active.force(false);
      activeBytes += written;
      activeRecords += batch.size();
      for (Pending pending : batch) {
        pending.done().complete(null);
      }
    } catch (IOException e) {
      log.error("cannot write to the click spool {}: {}; refusing these {} click(s)", dir, e.toString(), batch.size());
      for (Pending pending : batch) {
        bytes.addAndGet(-pending.frame().capacity());
        pending.done().completeExceptionally(new SpoolUnavailableException("the click spool cannot write to disk"));
      }
      // Whatever reached the file may be replayed later (a click counted although its redirect
      // failed); a new segment keeps later records away from a damaged tail.
      seal();
    }
  }

  private void forceDirectory() throws IOException {
    try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
      directory.force(true);
    }
  }

  /** Closes the active segment (if any) so the replayer may read it; the next write opens a new one. */
  private void seal() {
    rollRequested = false;
    if (active == null) {
      return;
    }
    try {
      active.close();
    } catch (IOException e) {
      log.warn("closing spool segment failed: {}", e.toString());
    }
    active = null;
    activeBytes = 0;
    activeRecords = 0;
    firstUnsealed = firstUnsealed + 1;
  }

  private static List<Segment> list(Path dir) throws IOException {
    List<Segment> segments = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "clicks-*.spool")) {
      for (Path file : files) {
        Matcher m = SEGMENT.matcher(file.getFileName().toString());
        if (m.matches()) {
          segments.add(new Segment(Long.parseLong(m.group(1)), file));
        }
      }
    }
    segments.sort(Comparator.comparingLong(Segment::seq));
    return segments;
  }
}
