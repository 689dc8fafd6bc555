package io.kcid.server.store;

/**
 * What a conversion's record step keeps of its cap check.
 *
 * @param token the cap reservation's token, stored on a new conversion ("" = none): a retry that
 *     finds the conversion tells from it whether its reservation is the one that counted it
 * @param capped the conversion is over a cap: counted as capped in stats
 */
public record CapMark(String token, boolean capped) {
  /** No cap applies. */
  public static final CapMark NONE = new CapMark("", false);
}
