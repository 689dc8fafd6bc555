package io.kcid.bench.load;

/** Called exactly at the edges of the measured interval, e.g. to read the processes' CPU time. */
public interface Window {
  void begin();

  void end();

  Window NONE = new Window() {
    @Override
    public void begin() {}

    @Override
    public void end() {}
  };
}
