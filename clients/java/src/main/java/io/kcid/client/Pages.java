package io.kcid.client;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** Every item of a paged list call, as a lazy stream that fetches the next page when it reaches it. */
final class Pages {
  /** One page: its items and the token of the next one (empty after the last). */
  record Page<T>(List<T> items, String nextPageToken) {}

  private Pages() {}

  /** Calls {@code fetch} with "" and then each next-page token until one is empty. */
  static <T> Stream<T> stream(Function<String, Page<T>> fetch) {
    Iterator<T> items = new Iterator<>() {
      private Iterator<T> page = List.<T>of().iterator();
      private String token = "";
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && !last) {
          Page<T> next = fetch.apply(token);
          page = next.items().iterator();
          token = next.nextPageToken();
          last = token.isEmpty();
        }
        return page.hasNext();
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.next();
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, Spliterator.ORDERED | Spliterator.NONNULL), false);
  }
}
