package io.kcid.server.click;

/** Told about every click stored, for the server's metrics. Must not throw. */
@FunctionalInterface
public interface ClickListener {
  ClickListener NONE = kind -> {};

  /** How the stored click got its kcid. */
  enum Kind {
    /** Minted here, on IssueClick. */
    MINTED,
    /** Minted by an edge that redirected the click on its own (its spool), stored now. */
    PRE_MINTED
  }

  void stored(Kind kind);
}
